"""Desafio 3: web (Flask) + db (Postgres) + cache (Redis), orquestrados pelo compose.

Rotas (JSON, mensagens em português):
  GET /            incrementa o contador no Redis (INCR, atômico) e registra o acesso no Postgres
  GET /log         histórico de acessos, do mais novo ao mais antigo (?limit=1..100), e o
                   total exato, lido de uma contagem mantida por trigger (não um COUNT(*))
  GET /todos       todos os alunos (cache-aside no Redis)
  GET /aluno/<id>  um aluno (cache-aside no Redis, cabeçalho X-Cache: HIT/MISS/BYPASS)
  GET /health      estado de web, db e cache; 503 se o banco estiver fora

X-Consultas-DB: quantos comandos SQL a requisição enviou ao Postgres (num HIT do cache, 0).
Banco ou cache fora: 503 com JSON. O encanamento fica ao lado, em db.py e cache.py.
"""
import logging
import os
import sys

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

import cache
import db

LOG_LIMIT_DEFAULT = 20
LOG_LIMIT_MAX = 100
PG_INT_MAX = 2**31 - 1  # maior valor de uma coluna INTEGER/SERIAL
ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False
logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("web")


@app.get("/")
def index():
    numero = None

    def registrar(cur):
        nonlocal numero
        if numero is None:  # uma vez só, mesmo se a conexão for trocada
            numero = cache.incr("contador:acessos")  # cache fora: 503
        db.execute(cur, "INSERT INTO acessos (numero, caminho, cliente) VALUES (%s, %s, %s)",
                   (numero, request.path, request.remote_addr))

    db.with_db(registrar)  # banco fora: 503 antes de mexer no contador
    return jsonify(mensagem=f"Olá! Esta página foi acessada {numero} vez(es).", acessos=numero)


@app.get("/log")
def access_log():
    limite = parse_limit(request.args.get("limit"))
    if limite is None:
        return jsonify(erro=f"limit deve ser um número inteiro de 1 a {LOG_LIMIT_MAX}"), 400
    def ler(cur):  # as duas consultas na mesma conexão; nenhuma lê a tabela inteira
        db.execute(cur, "SELECT id, numero, caminho, cliente, quando FROM acessos "
                        "ORDER BY id DESC LIMIT %s", (limite,))  # lê o índice de trás para a frente
        linhas = db.rows(cur)
        db.execute(cur, "SELECT coalesce(sum(n), 0)::bigint FROM acessos_contagem")  # até 16 linhas
        return linhas, cur.fetchone()[0]

    db.garantir_contagem()
    linhas, total = db.with_db(ler)
    for linha in linhas:
        linha["quando"] = linha["quando"].isoformat()
    return jsonify(total=total, limite=limite, acessos=linhas)


@app.get("/todos")
def todos():
    alunos, estado = cache.cached("alunos:todos", lambda: db.query(
        "SELECT id, nome, curso, idade FROM alunos ORDER BY id"))
    return com_fonte({"total": len(alunos), "alunos": alunos}, estado)


@app.get("/aluno/<int:aluno_id>")
def aluno(aluno_id):
    if not 1 <= aluno_id <= PG_INT_MAX:
        return jsonify(erro=f"id deve ser um inteiro de 1 a {PG_INT_MAX}"), 400

    def load():
        linhas = db.query("SELECT id, nome, curso, idade FROM alunos WHERE id = %s", (aluno_id,))
        return linhas[0] if linhas else None

    encontrado, estado = cache.cached(f"aluno:{aluno_id}", load)
    if encontrado is None:
        return com_fonte({"erro": f"aluno {aluno_id} não encontrado"}, estado, 404)
    return com_fonte({"aluno": encontrado}, estado)


@app.get("/health")
def health():
    estado = {"web": "ok", "db": "ok", "cache": "ok"}
    try:
        db.query("SELECT 1 AS ok")
    except db.Indisponivel:
        estado["db"] = "indisponível"
    if not cache.ping():
        estado["cache"] = "indisponível"
    if estado["db"] != "ok":
        estado["erro"] = "banco de dados (db) indisponível"
        return jsonify(estado), 503
    return jsonify(estado)


def parse_limit(raw):
    if raw is None:
        return LOG_LIMIT_DEFAULT
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        return None
    return min(int(raw), LOG_LIMIT_MAX)


def com_fonte(corpo, estado, status=200):
    """A resposta de uma leitura com cache: de onde veio (fonte) e o X-Cache."""
    corpo["fonte"] = "cache" if estado == "HIT" else "banco"
    if estado == "BYPASS":
        corpo["aviso"] = "cache indisponível: resposta veio direto do banco"
    resp = jsonify(corpo)
    resp.status_code = status
    resp.headers["X-Cache"] = estado
    return resp


@app.after_request
def count_queries(resp):
    resp.headers["X-Consultas-DB"] = str(g.get("consultas", 0))
    return resp


@app.errorhandler(db.Indisponivel)
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
    db.wait_for_db()
