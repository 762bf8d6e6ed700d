"""Desafio 5 — gateway (porta 5004): o único ponto de entrada dos microsserviços.

  /users, /users/...    -> http://users_service:5003/users...
  /orders, /orders/...  -> http://orders_service:5002/orders...
  /users/<id>/orders    -> composição: o usuário com os pedidos dele (os dois serviços)
  /health               -> estado de cada serviço

Transparente: repassa método, sub-caminho, query string e corpo, e devolve o
mesmo status, corpo e Content-Type do serviço. Propaga o X-Request-ID (mantém o
do cliente ou cria um) até o serviço e de volta na resposta. Cada serviço tem
um pool de conexões keep-alive (http.client, da biblioteca padrão): nada de um
handshake TCP novo por requisição. Serviço fora do ar -> 503; travado -> 504
dentro do timeout de leitura; sempre JSON com o nome do serviço, e as rotas do
outro serviço continuam funcionando.
"""
import http.client
import json
import logging
import os
import queue
import urllib.parse
import uuid
from typing import NamedTuple

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

UPSTREAM_URLS = {
    "users_service": os.environ.get("USERS_URL", "http://users_service:5003"),
    "orders_service": os.environ.get("ORDERS_URL", "http://orders_service:5002"),
}
CONNECT_TIMEOUT = float(os.environ.get("CONNECT_TIMEOUT", "1"))
READ_TIMEOUT = float(os.environ.get("READ_TIMEOUT", "2"))
POOL_SIZE = int(os.environ.get("POOL_SIZE", "10"))
ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE"}
# cabeçalhos de conexão (hop-by-hop) e os que o http.client recalcula
SKIP_REQUEST = {"host", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
                "proxy-authorization", "proxy-connection", "content-length"}
# uma conexão reaproveitada que o serviço já fechou (reinício, keep-alive vencido)
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False
log = logging.getLogger("gunicorn.error")


class FalhaUpstream(Exception):
    def __init__(self, servico, status, mensagem):
        super().__init__(mensagem)
        self.servico, self.status, self.mensagem = servico, status, mensagem


class Resposta(NamedTuple):
    status: int
    content_type: str | None
    body: bytes

    def json(self):
        return json.loads(self.body)


class Upstream:
    """Pool de conexões keep-alive com um serviço, seguro entre threads."""

    def __init__(self, nome, base_url, tamanho=POOL_SIZE):
        partes = urllib.parse.urlsplit(base_url)
        self.nome, self.host, self.port = nome, partes.hostname, partes.port or 80
        self._livres = queue.LifoQueue(maxsize=tamanho)  # LIFO: a conexão mais recente

    def _pegar(self):
        try:
            return self._livres.get_nowait(), True
        except queue.Empty:
            return http.client.HTTPConnection(self.host, self.port, timeout=CONNECT_TIMEOUT), False

    def _devolver(self, conn):
        try:
            self._livres.put_nowait(conn)
        except queue.Full:
            conn.close()

    def request(self, method, path, body=None, headers=None):
        while True:
            conn, reaproveitada = self._pegar()
            try:
                if conn.sock is None:
                    conn.connect()  # com CONNECT_TIMEOUT
                    conn.sock.settimeout(READ_TIMEOUT)
                conn.request(method, path, body=body, headers=headers or {})
                resp = conn.getresponse()
                dados = resp.read()
            except STALE as e:
                conn.close()
                if reaproveitada and method in IDEMPOTENT:
                    continue  # tenta de novo com uma conexão nova
                self._falha(503, "indisponível", e)
            except TimeoutError as e:
                conn.close()
                self._falha(504, f"não respondeu em {READ_TIMEOUT:g} s", e)
            except (OSError, http.client.HTTPException) as e:  # nome não resolve, recusada...
                conn.close()
                self._falha(503, "indisponível", e)
            if resp.will_close:
                conn.close()
            else:
                self._devolver(conn)
            return Resposta(resp.status, resp.getheader("Content-Type"), dados)

    def _falha(self, status, motivo, erro):
        log.warning("%s %s (%s): %r", self.nome, motivo, g.get("request_id", "-"), erro)
        raise FalhaUpstream(self.nome, status, f"{self.nome} {motivo}") from erro


UPSTREAMS = {nome: Upstream(nome, url) for nome, url in UPSTREAM_URLS.items()}


def call(servico, path, method="GET", query="", data=None, headers=None):
    """Chama um serviço com o X-Request-ID da requisição atual."""
    headers = dict(headers or {})
    headers["X-Request-ID"] = g.request_id
    if query:
        path = f"{path}?{query}"
    return UPSTREAMS[servico].request(method, path, body=data, headers=headers)


def relay(upstream):
    """A resposta do serviço, igual byte a byte, com o mesmo status e Content-Type."""
    resp = Response(upstream.body, status=upstream.status)
    if upstream.content_type:
        resp.headers["Content-Type"] = upstream.content_type
    return resp


def forward(servico, path):
    headers = {k: v for k, v in request.headers.items() if k.lower() not in SKIP_REQUEST}
    # a query string vai como chegou (bytes da URL, já codificados em %XX)
    upstream = call(servico, path, request.method, query=request.query_string.decode("latin-1"),
                    data=request.get_data() or None, headers=headers)
    return relay(upstream)


@app.before_request
def assign_request_id():
    g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex


@app.after_request
def return_request_id(resp):
    resp.headers["X-Request-ID"] = g.get("request_id", "")
    return resp


@app.route("/users", methods=METHODS)
@app.route("/users/<path:sub>", methods=METHODS)
def users(sub=None):
    return forward("users_service", "/users" + (f"/{sub}" if sub else ""))


@app.route("/orders", methods=METHODS)
@app.route("/orders/<path:sub>", methods=METHODS)
def orders(sub=None):
    return forward("orders_service", "/orders" + (f"/{sub}" if sub else ""))


@app.get("/users/<int:user_id>/orders")
def user_with_orders(user_id):
    """Composição: o motivo de existir de um gateway além de rotear."""
    user = call("users_service", f"/users/{user_id}")
    if user.status != 200:
        return relay(user)  # 404 do serviço, como veio
    pedidos = call("orders_service", "/orders", query=f"user_id={user_id}")
    if pedidos.status != 200:
        raise FalhaUpstream("orders_service", 502, f"orders_service respondeu {pedidos.status}")
    try:
        return jsonify(usuario=user.json(), pedidos=pedidos.json())
    except ValueError as e:
        raise FalhaUpstream("users_service/orders_service", 502,
                            "resposta inesperada de um serviço") from e


@app.get("/health")
def health():
    estado = {}
    for servico in UPSTREAMS:
        try:
            resp = call(servico, "/health")
            estado[servico] = "ok" if resp.status == 200 else f"respondeu {resp.status}"
        except FalhaUpstream as e:
            estado[servico] = e.mensagem
    geral = "ok" if all(v == "ok" for v in estado.values()) else "degradado"
    return jsonify(gateway="ok", status=geral, upstreams=estado)


@app.errorhandler(FalhaUpstream)
def upstream_error(e):
    return jsonify(erro=e.mensagem, servico=e.servico), e.status


@app.errorhandler(HTTPException)
def http_error(e):
    return jsonify(erro=ERROS.get(e.code, e.name)), e.code


@app.errorhandler(Exception)
def unexpected_error(e):
    log.exception("erro inesperado")
    return jsonify(erro="erro interno do servidor"), 500
