"""Desafio 3: web (Flask) + db (Postgres) + cache (Redis), orquestrados pelo compose.

Rotas (JSON, mensagens em português):
  GET /            incrementa o contador no Redis (INCR, atômico) e registra o acesso no Postgres
  GET /log         histórico de acessos, do mais novo ao mais antigo (?limit=1..100), e o
                   total exato, lido de uma contagem mantida por trigger (não um COUNT(*))
  GET /todos       todos os alunos (cache-aside no Redis)
  GET /aluno/<id>  um aluno (cache-aside no Redis, cabeçalho X-Cache: HIT/MISS/BYPASS)
  GET /health      estado de web, db e cache; 503 se o banco estiver fora

O cabeçalho X-Consultas-DB diz quantos comandos SQL a requisição enviou ao
Postgres: num HIT do cache, 0.

As conexões com o Postgres vêm de um pool (o ThreadedConnectionPool do psycopg2,
uma por thread do servidor): nada de TCP, autenticação SCRAM e um processo novo
no Postgres a cada consulta. Uma conexão do pool que falha é descartada (nunca
volta ao pool); se ela caiu porque o banco reiniciou, o trabalho roda de novo
noutra conexão (as ociosas caíram junto; no fim, uma nova): quando o banco volta,
a próxima requisição já funciona, sem reiniciar a web. O cliente Redis reconecta sozinho. Um banco ou
cache fora vira 503 com JSON.
"""
import json
import logging
import os
import sys
import threading
import time

import psycopg2
import psycopg2.pool
import redis
from flask import Flask, g, has_app_context, jsonify, request
from werkzeug.exceptions import HTTPException

DB = {
    "host": os.environ.get("DB_HOST", "db"),
    "port": int(os.environ.get("DB_PORT", "5432")),
    "dbname": os.environ.get("DB_NAME", "desafio3"),
    "user": os.environ.get("DB_USER", "desafio3"),
    "password": os.environ.get("DB_PASSWORD", ""),
    "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "2")),
    "options": "-c statement_timeout=3000",
}
REDIS_HOST = os.environ.get("REDIS_HOST", "cache")
REDIS_PORT = int(os.environ.get("REDIS_PORT", "6379"))
CACHE_TTL = int(os.environ.get("CACHE_TTL", "60"))
# conexões por processo: uma por thread do granian (cada thread usa no máximo uma)
POOL_MAX = int(os.environ.get("DB_POOL_MAX", os.environ.get("GRANIAN_BLOCKING_THREADS", "4")))
# espera máxima pelo banco na partida (limitada: a web sobe e responde 503 até ele voltar)
STARTUP_WAIT = float(os.environ.get("DB_STARTUP_WAIT", "15"))
LOG_LIMIT_DEFAULT = 20
LOG_LIMIT_MAX = 100
PG_INT_MAX = 2**31 - 1  # maior valor de uma coluna INTEGER/SERIAL

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

ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False
logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("web")

cache = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=1,
                    socket_timeout=1, decode_responses=True)


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


def cache_get(key):
    """Lê do cache; devolve (valor, estado) com estado HIT, MISS ou BYPASS (cache fora)."""
    try:
        raw = cache.get(key)
    except redis.RedisError as e:
        log.warning("cache indisponível: %s", e)
        return None, "BYPASS"
    return (json.loads(raw), "HIT") if raw is not None else (None, "MISS")


def cache_set(key, value):
    try:
        cache.set(key, json.dumps(value, default=str), ex=CACHE_TTL)
    except redis.RedisError as e:
        log.warning("não gravei no cache: %s", e)


def cached(key, loader):
    """Cache-aside: tenta o Redis; na falta, carrega do Postgres e guarda com TTL."""
    value, estado = cache_get(key)
    if estado != "HIT":
        value = loader()
        if value is not None and estado == "MISS":
            cache_set(key, value)
    return value, estado


def com_fonte(corpo, estado, status=200):
    corpo["fonte"] = "cache" if estado == "HIT" else "banco"
    if estado == "BYPASS":
        corpo["aviso"] = "cache indisponível: resposta veio direto do banco"
    resp = jsonify(corpo)
    resp.status_code = status
    resp.headers["X-Cache"] = estado
    return resp


@app.get("/")
def index():
    numero = None

    def registrar(cur):
        nonlocal numero
        if numero is None:  # uma vez só, mesmo se a conexão for trocada
            try:
                numero = cache.incr("contador:acessos")
            except redis.RedisError as e:
                log.warning("cache indisponível: %s", e)
                raise Indisponivel("cache (redis)") from e
        execute(cur, "INSERT INTO acessos (numero, caminho, cliente) VALUES (%s, %s, %s)",
                (numero, request.path, request.remote_addr))

    with_db(registrar)  # banco fora: 503 antes de mexer no contador
    return jsonify(mensagem=f"Olá! Esta página foi acessada {numero} vez(es).", acessos=numero)


def parse_limit(raw):
    if raw is None:
        return LOG_LIMIT_DEFAULT
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        return None
    return min(int(raw), LOG_LIMIT_MAX)


@app.get("/log")
def access_log():
    limite = parse_limit(request.args.get("limit"))
    if limite is None:
        return jsonify(erro=f"limit deve ser um número inteiro de 1 a {LOG_LIMIT_MAX}"), 400
    def ler(cur):  # as duas consultas na mesma conexão; nenhuma lê a tabela inteira
        execute(cur, "SELECT id, numero, caminho, cliente, quando FROM acessos "
                     "ORDER BY id DESC LIMIT %s", (limite,))  # o índice da chave, de trás para a frente
        linhas = rows(cur)
        execute(cur, "SELECT coalesce(sum(n), 0)::bigint FROM acessos_contagem")  # até 16 linhas
        return linhas, cur.fetchone()[0]

    garantir_contagem()
    linhas, total = with_db(ler)
    for linha in linhas:
        linha["quando"] = linha["quando"].isoformat()
    return jsonify(total=total, limite=limite, acessos=linhas)


@app.get("/todos")
def todos():
    alunos, estado = cached("alunos:todos", lambda: query(
        "SELECT id, nome, curso, idade FROM alunos ORDER BY id"))
    return com_fonte({"total": len(alunos), "alunos": alunos}, estado)


@app.get("/aluno/<int:aluno_id>")
def aluno(aluno_id):
    if not 1 <= aluno_id <= PG_INT_MAX:
        return jsonify(erro=f"id deve ser um inteiro de 1 a {PG_INT_MAX}"), 400

    def load():
        linhas = query("SELECT id, nome, curso, idade FROM alunos WHERE id = %s", (aluno_id,))
        return linhas[0] if linhas else None

    encontrado, estado = cached(f"aluno:{aluno_id}", load)
    if encontrado is None:
        return com_fonte({"erro": f"aluno {aluno_id} não encontrado"}, estado, 404)
    return com_fonte({"aluno": encontrado}, estado)


@app.get("/health")
def health():
    estado = {"web": "ok", "db": "ok", "cache": "ok"}
    try:
        query("SELECT 1 AS ok")
    except Indisponivel:
        estado["db"] = "indisponível"
    try:
        cache.ping()
    except redis.RedisError:
        estado["cache"] = "indisponível"
    if estado["db"] != "ok":
        estado["erro"] = "banco de dados (db) indisponível"
        return jsonify(estado), 503
    return jsonify(estado)


@app.after_request
def count_queries(resp):
    resp.headers["X-Consultas-DB"] = str(g.get("consultas", 0))
    return resp


@app.errorhandler(Indisponivel)
def dependency_down(e):
    return jsonify(erro=f"{e.servico} indisponível; tente de novo em instantes"), 503


@app.errorhandler(HTTPException)
def http_error(e):
    return jsonify(erro=ERROS.get(e.code, e.name)), e.code


@app.errorhandler(Exception)
def unexpected_error(e):
    log.exception("erro inesperado")
    return jsonify(erro="erro interno do servidor"), 500


if os.environ.get("DB_WAIT_ON_START", "1") == "1":
    wait_for_db()
