"""Desafio 3, o Postgres (serviço db) visto da web: pool de conexões, consultas e a contagem.

As conexões vêm de um pool (o ThreadedConnectionPool do psycopg2, uma por thread do
servidor): nada de TCP, autenticação SCRAM e um processo novo no Postgres a cada consulta.
Uma conexão do pool que falha é descartada (nunca volta ao pool); se ela caiu porque o
banco reiniciou, o trabalho roda de novo noutra conexão (as ociosas caíram junto; no fim,
uma nova): quando o banco volta, a próxima requisição já funciona, sem reiniciar a web.
Um banco fora vira Indisponivel, que o app.py responde com 503 e JSON.
"""
import logging
import os
import threading
import time

import psycopg2
import psycopg2.pool
from flask import g, has_app_context

DB = {
    "host": os.environ.get("DB_HOST", "db"),
    "port": int(os.environ.get("DB_PORT", "5432")),
    "dbname": os.environ.get("DB_NAME", "desafio3"),
    "user": os.environ.get("DB_USER", "desafio3"),
    "password": os.environ.get("DB_PASSWORD", ""),
    "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "2")),
    "options": "-c statement_timeout=3000",
}
# conexões por processo: uma por thread do granian (cada thread usa no máximo uma)
POOL_MAX = int(os.environ.get("DB_POOL_MAX", os.environ.get("GRANIAN_BLOCKING_THREADS", "4")))
# espera máxima pelo banco na partida (limitada: a web sobe e responde 503 até ele voltar)
STARTUP_WAIT = float(os.environ.get("DB_STARTUP_WAIT", "15"))

# O total do /log sem COUNT(*): um COUNT(*) lê a tabela inteira, e acessos ganha uma
# linha a cada GET / (com 1 milhão de linhas, dezenas de ms por chamada). A contagem fica em
# acessos_contagem, mantida por triggers de instrução (FOR EACH STATEMENT) com tabelas
# de transição: um INSERT de um milhão de linhas soma 1.000.000 de uma vez só, na mesma
# transação (quem lê vê as linhas e a contagem juntas, ou nenhuma das duas). DELETE
# subtrai, TRUNCATE zera. A contagem é dividida em fatias (uma linha por fatia, escolhida
# pelo pid da conexão): GETs simultâneos em conexões diferentes atualizam linhas
# diferentes e não esperam um pelo outro até o COMMIT; o total é a soma das fatias. As
# fatias já existem (criadas com zero), e o trigger só faz um UPDATE: medido aqui com
# INSERTs de uma linha, um INSERT ... ON CONFLICT DO UPDATE somava 0,2 a 0,7 ms a cada
# um, e o UPDATE ficou dentro do ruído.
#
# Quem cria tudo isso é a web, na partida (garantir_contagem), não o initdb: o
# 01-schema.sql só roda num volume vazio, e um volume criado antes da contagem existir
# continua valendo. A trava consultiva serializa os processos da web que sobem juntos;
# o LOCK TABLE impede um INSERT entre contar as linhas que já existem e criar o trigger.
CONTAGEM_FATIAS = 16
CONTAGEM_SQL = f"""
DO $do$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('desafio3.acessos_contagem'));
    IF to_regclass('acessos_contagem') IS NOT NULL THEN
        RETURN;  -- já existe (outro processo criou, ou o volume é desta versão)
    END IF;
    LOCK TABLE acessos IN SHARE ROW EXCLUSIVE MODE;
    CREATE TABLE acessos_contagem (
        fatia INTEGER PRIMARY KEY,
        n     BIGINT  NOT NULL
    );
    CREATE FUNCTION acessos_contar() RETURNS trigger LANGUAGE plpgsql AS $f$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            UPDATE acessos_contagem SET n = 0;
        ELSE
            UPDATE acessos_contagem
            SET n = n + (SELECT count(*) FROM linhas) * CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END
            WHERE fatia = mod(pg_backend_pid(), {CONTAGEM_FATIAS});
        END IF;
        RETURN NULL;
    END $f$;
    CREATE TRIGGER acessos_contar_insert AFTER INSERT ON acessos
        REFERENCING NEW TABLE AS linhas FOR EACH STATEMENT EXECUTE FUNCTION acessos_contar();
    CREATE TRIGGER acessos_contar_delete AFTER DELETE ON acessos
        REFERENCING OLD TABLE AS linhas FOR EACH STATEMENT EXECUTE FUNCTION acessos_contar();
    CREATE TRIGGER acessos_contar_truncate AFTER TRUNCATE ON acessos
        FOR EACH STATEMENT EXECUTE FUNCTION acessos_contar();
    INSERT INTO acessos_contagem (fatia, n) SELECT g, 0 FROM generate_series(0, {CONTAGEM_FATIAS} - 1) g;
    UPDATE acessos_contagem SET n = (SELECT count(*) FROM acessos) WHERE fatia = 0;
END
$do$
"""

log = logging.getLogger("web")


class Indisponivel(Exception):
    """Uma dependência (banco ou cache) não respondeu."""

    def __init__(self, servico):
        super().__init__(servico)
        self.servico = servico


_pool = None
_pool_lock = threading.Lock()
_contagem_pronta = False  # este processo já garantiu a acessos_contagem


def db_pool():
    """O pool deste processo, criado no primeiro uso. minconn = maxconn: o pool do
    psycopg2 só guarda ociosas até minconn (as demais ele fecha ao devolver)."""
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = psycopg2.pool.ThreadedConnectionPool(POOL_MAX, POOL_MAX, **DB)
    return _pool


def get_conn():
    try:
        conn = db_pool().getconn()
        # autocommit: cada comando é a sua própria transação, numa ida ao banco (sem
        # BEGIN e COMMIT à parte). Nenhuma rota precisa de mais de um comando atômico.
        if not conn.autocommit:
            conn.autocommit = True
        return conn
    except psycopg2.Error as e:  # banco fora (conexão recusada, nome que não resolve, timeout)
        log.warning("banco indisponível: %s", e)
        raise Indisponivel("banco de dados (db)") from e


def with_db(work):
    """Roda work(cursor) numa conexão do pool e devolve o resultado.

    Uma conexão que falha nunca volta ao pool. Se ela caiu (o banco reiniciou desde
    que foi aberta), work roda de novo noutra conexão: as ociosas do pool também
    caíram, então são no máximo POOL_MAX trocas até uma conexão nova.
    """
    for tentativa in range(POOL_MAX + 1):
        conn = get_conn()
        try:
            with conn.cursor() as cur:
                resultado = work(cur)
        except psycopg2.Error as e:
            caiu = conn.closed != 0
            db_pool().putconn(conn, close=True)
            if caiu and tentativa < POOL_MAX:
                log.info("conexão do pool caiu (%s); tentando numa nova", e)
                continue
            log.warning("erro no banco: %s", e)
            raise Indisponivel("banco de dados (db)") from e
        except BaseException:
            db_pool().putconn(conn)  # outra falha (ex.: o cache): a conexão está boa
            raise
        db_pool().putconn(conn)
        return resultado


def execute(cur, sql, params=()):
    """Todo comando SQL passa por aqui, para X-Consultas-DB contar (fora de uma
    requisição, como na partida, não há resposta onde contar)."""
    if has_app_context():
        g.consultas = g.get("consultas", 0) + 1
    cur.execute(sql, params)


def rows(cur):
    cols = [c.name for c in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def query(sql, params=()):
    def work(cur):
        execute(cur, sql, params)
        return rows(cur)
    return with_db(work)


def wait_for_db():
    """Na partida, espera o banco por um tempo limitado (não para sempre)."""
    prazo = time.monotonic() + STARTUP_WAIT
    tentativa = 0
    while True:
        tentativa += 1
        try:
            db_pool().putconn(get_conn())  # e a primeira conexão já fica no pool
            garantir_contagem()
            return True
        except Indisponivel:
            if time.monotonic() + 1 >= prazo:
                break
            log.info("aguardando o banco (tentativa %d)", tentativa)
            time.sleep(1)
    log.warning("banco ainda indisponível; a web sobe assim mesmo e responde 503 até ele voltar")
    return False


def garantir_contagem():
    """Cria a contagem de acessos se o banco ainda não a tem (volume novo ou antigo).
    Uma vez por processo: na partida ou, se o banco estava fora, no primeiro /log."""
    global _contagem_pronta
    if _contagem_pronta:
        return

    def criar(cur):
        # contar as linhas de um volume antigo grande pode passar do statement_timeout (3 s)
        execute(cur, "SET statement_timeout = '60s'")
        execute(cur, CONTAGEM_SQL)
        execute(cur, "RESET statement_timeout")

    with_db(criar)
    _contagem_pronta = True
