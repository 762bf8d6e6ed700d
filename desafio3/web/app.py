"""Desafio 3: web (Flask) + db (Postgres) + cache (Redis), orquestrados pelo compose.

Rotas (JSON, mensagens em português):
  GET /            incrementa o contador no Redis (INCR, atômico) e registra o acesso no Postgres
  GET /log         histórico de acessos, do mais novo ao mais antigo (?limit=1..100)
  GET /todos       todos os alunos (cache-aside no Redis)
  GET /aluno/<id>  um aluno (cache-aside no Redis, cabeçalho X-Cache: HIT/MISS/BYPASS)
  GET /health      estado de web, db e cache; 503 se o banco estiver fora

O cabeçalho X-Consultas-DB diz quantos comandos SQL a requisição enviou ao
Postgres: num HIT do cache, 0.

Cada requisição abre sua própria conexão com o Postgres (com connect_timeout):
se o banco cair e voltar, a próxima requisição já funciona, sem reiniciar a web.
O cliente Redis reconecta sozinho. Um banco ou cache fora vira 503 com JSON.
"""
import json
import logging
import os
import time

import psycopg2
import redis
from flask import Flask, g, jsonify, request
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
# espera máxima pelo banco na partida: abaixo dos 30 s em que o gunicorn
# desiste de um worker que não termina de subir
STARTUP_WAIT = float(os.environ.get("DB_STARTUP_WAIT", "15"))
LOG_LIMIT_DEFAULT = 20
LOG_LIMIT_MAX = 100
PG_INT_MAX = 2**31 - 1  # maior valor de uma coluna INTEGER/SERIAL

ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False
log = logging.getLogger("gunicorn.error")

cache = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=1,
                    socket_timeout=1, decode_responses=True)


class Indisponivel(Exception):
    """Uma dependência (banco ou cache) não respondeu."""

    def __init__(self, servico):
        super().__init__(servico)
        self.servico = servico


def connect_db():
    try:
        return psycopg2.connect(**DB)
    except psycopg2.Error as e:
        log.warning("banco indisponível: %s", e)
        raise Indisponivel("banco de dados (db)") from e


def execute(cur, sql, params=()):
    """Todo comando SQL passa por aqui, para X-Consultas-DB contar."""
    g.consultas = g.get("consultas", 0) + 1
    cur.execute(sql, params)


def query(sql, params=()):
    conn = connect_db()
    try:
        with conn, conn.cursor() as cur:
            execute(cur, sql, params)
            cols = [c.name for c in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]
    except psycopg2.Error as e:
        log.warning("erro no banco: %s", e)
        raise Indisponivel("banco de dados (db)") from e
    finally:
        conn.close()


def wait_for_db():
    """Na partida, espera o banco por um tempo limitado (não para sempre)."""
    prazo = time.monotonic() + STARTUP_WAIT
    tentativa = 0
    while True:
        tentativa += 1
        try:
            connect_db().close()
            return True
        except Indisponivel:
            if time.monotonic() + 1 >= prazo:
                break
            log.info("aguardando o banco (tentativa %d)", tentativa)
            time.sleep(1)
    log.warning("banco ainda indisponível; a web sobe assim mesmo e responde 503 até ele voltar")
    return False


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
    conn = connect_db()  # banco fora: 503 antes de mexer no contador
    try:
        try:
            numero = cache.incr("contador:acessos")
        except redis.RedisError as e:
            log.warning("cache indisponível: %s", e)
            raise Indisponivel("cache (redis)") from e
        try:
            with conn, conn.cursor() as cur:
                execute(cur, "INSERT INTO acessos (numero, caminho, cliente) VALUES (%s, %s, %s)",
                        (numero, request.path, request.remote_addr))
        except psycopg2.Error as e:
            log.warning("erro no banco: %s", e)
            raise Indisponivel("banco de dados (db)") from e
    finally:
        conn.close()
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
    linhas = query("SELECT id, numero, caminho, cliente, quando FROM acessos "
                   "ORDER BY id DESC LIMIT %s", (limite,))
    total = query("SELECT count(*) AS n FROM acessos")[0]["n"]
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
