"""Desafio 5 — gateway (porta 5004): o único ponto de entrada dos microsserviços.

  /users, /users/...    -> http://users_service:5003/users...
  /orders, /orders/...  -> http://orders_service:5002/orders...
  /users/<id>/orders    -> composição: o usuário com os pedidos dele (os dois serviços)
  /health               -> estado de cada serviço

Transparente: repassa método, sub-caminho, query string e corpo, e devolve o
mesmo status, corpo e Content-Type do serviço. Propaga o X-Request-ID (mantém o
do cliente ou cria um) até o serviço e de volta na resposta. Uma sessão do
requests por serviço mantém um pool de conexões keep-alive. Serviço fora do
ar -> 503; travado -> 504 dentro do timeout de leitura; sempre JSON com o nome
do serviço, e as rotas do outro serviço continuam funcionando.
"""
import logging
import os
import uuid

import requests
from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

UPSTREAMS = {
    "users_service": os.environ.get("USERS_URL", "http://users_service:5003"),
    "orders_service": os.environ.get("ORDERS_URL", "http://orders_service:5002"),
}
CONNECT_TIMEOUT = float(os.environ.get("CONNECT_TIMEOUT", "1"))
READ_TIMEOUT = float(os.environ.get("READ_TIMEOUT", "2"))
POOL_SIZE = int(os.environ.get("POOL_SIZE", "10"))
ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
# cabeçalhos de conexão (hop-by-hop) e os que o próprio Flask recalcula
SKIP_REQUEST = {"host", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
                "proxy-authorization", "proxy-connection", "content-length"}

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False
log = logging.getLogger("gunicorn.error")


def make_session():
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE)
    session.mount("http://", adapter)
    return session


SESSIONS = {name: make_session() for name in UPSTREAMS}


class FalhaUpstream(Exception):
    def __init__(self, servico, status, mensagem):
        super().__init__(mensagem)
        self.servico, self.status, self.mensagem = servico, status, mensagem


def call(servico, path, method="GET", params=None, data=None, headers=None):
    """Chama um serviço; traduz falhas de rede em FalhaUpstream (503/504)."""
    url = UPSTREAMS[servico] + path
    headers = dict(headers or {})
    headers["X-Request-ID"] = g.request_id
    try:
        return SESSIONS[servico].request(method, url, params=params, data=data, headers=headers,
                                         timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                                         allow_redirects=False)
    except requests.Timeout as e:
        log.warning("%s não respondeu a tempo (%s): %s", servico, g.request_id, e)
        raise FalhaUpstream(servico, 504, f"{servico} não respondeu em {READ_TIMEOUT:g} s") from e
    except requests.RequestException as e:
        log.warning("%s indisponível (%s): %s", servico, g.request_id, e)
        raise FalhaUpstream(servico, 503, f"{servico} indisponível") from e


def relay(upstream):
    """A resposta do serviço, igual byte a byte, com o mesmo status e Content-Type."""
    resp = Response(upstream.content, status=upstream.status_code)
    if "Content-Type" in upstream.headers:
        resp.headers["Content-Type"] = upstream.headers["Content-Type"]
    return resp


def forward(servico, path):
    headers = {k: v for k, v in request.headers.items() if k.lower() not in SKIP_REQUEST}
    upstream = call(servico, path, request.method, params=request.query_string or None,
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
    if user.status_code != 200:
        return relay(user)  # 404 do serviço, como veio
    pedidos = call("orders_service", "/orders", params={"user_id": user_id})
    if pedidos.status_code != 200:
        raise FalhaUpstream("orders_service", 502,
                            f"orders_service respondeu {pedidos.status_code}")
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
            estado[servico] = "ok" if resp.status_code == 200 else f"respondeu {resp.status_code}"
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
