"""Desafio 5 — gateway (porta 5004): o único ponto de entrada dos microsserviços.

  /users, /users/...    -> http://users_service:5003/users...
  /orders, /orders/...  -> http://orders_service:5002/orders...
  /users/<id>/orders    -> composição: o usuário com os pedidos dele (os dois serviços)
  /health               -> estado de cada serviço

Transparente: repassa método, sub-caminho, query string, cabeçalhos e corpo, e
devolve o mesmo status, corpo e cabeçalhos do serviço (X-Servido-Por diz qual
réplica respondeu). Propaga o X-Request-ID (mantém o do cliente ou cria um) até
o serviço e de volta na resposta. Serviço fora do ar -> 503; travado -> 504
dentro do timeout de leitura; sempre JSON com o nome do serviço, e as rotas do
outro serviço continuam funcionando. Corpo maior que MAX_BODY_SIZE -> 413, do
próprio gateway, sem chegar ao serviço.

Dois caminhos:
- o repasse de /users... e /orders... é uma função WSGI enxuta (repasse_direto),
  na frente do Flask: poucas linhas de Python por requisição;
- o resto (composição, /health, erros) é o Flask de sempre.

Como a requisição chega a uma réplica (cliente HTTP/1.1, pool de conexões por
endereço, rodízio, novas tentativas) está em transporte.py.
"""
import http
import json
import logging
import os
import re
import sys
import time
import urllib.parse
import uuid

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from transporte import FalhaUpstream, Upstream

UPSTREAM_URLS = {
    "users_service": os.environ.get("USERS_URL", "http://users_service:5003"),
    "orders_service": os.environ.get("ORDERS_URL", "http://orders_service:5002"),
}
# Maior corpo de requisição aceito (bytes; como o client_max_body_size do nginx).
MAX_BODY_SIZE = int(os.environ.get("MAX_BODY_SIZE", str(1024 * 1024)))
BLOCO = 64 * 1024  # o corpo é lido em blocos: a memória por requisição fica limitada
DRENAR_POR = 1.0  # s que o resto de um corpo recusado (413) é lido e descartado
ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# Cabeçalhos de conexão (hop-by-hop) não atravessam o gateway; "proxy" também
# não (httpoxy); Content-Length e X-Request-ID o gateway escreve; e o corpo vai
# junto com o pedido (sem "Expect: 100-continue"). O Host do cliente vai ao
# serviço: as URLs que ele monta (o redirecionamento de /users//1 para /users/1,
# por exemplo) apontam para o gateway, não para um nome interno da rede.
SKIP_REQUEST = {"host", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
                "proxy", "proxy-authorization", "proxy-connection", "content-length",
                "x-request-id", "expect"}
SKIP_RESPONSE = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                 "proxy-authenticate", "content-length", "x-request-id", "date", "server"}
# Repassados direto: /users, /orders e tudo abaixo deles (até /users//1: quem
# responde é o serviço), menos a composição, que é do Flask.
REPASSE = re.compile(r"/(users|orders)(?:/.*)?", re.DOTALL)
COMPOSICAO = re.compile(r"/users/[0-9]+/orders")

logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("gateway")

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False


UPSTREAMS = {nome: Upstream(nome, url) for nome, url in UPSTREAM_URLS.items()}


def destino(path, method):
    """O serviço a que o caminho é repassado direto, ou None (o Flask cuida)."""
    rota = REPASSE.fullmatch(path)
    if rota is None or (method in ("GET", "HEAD") and COMPOSICAO.fullmatch(path)):
        return None
    return f"{rota.group(1)}_service"


def json_bytes(**corpo):
    """O mesmo JSON que o jsonify do Flask devolveria (compacto, UTF-8, com \\n)."""
    return (json.dumps(corpo, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def repasse_direto(flask_wsgi):
    """Middleware WSGI: /users... e /orders... vão direto ao serviço; o resto, ao Flask.
    Antes de tudo, o limite do corpo: o declarado (Content-Length) nem começa a ser lido."""

    def wsgi(environ, start_response):
        method = environ["REQUEST_METHOD"]
        declarado = environ.get("CONTENT_LENGTH")
        if declarado and declarado.isdigit() and int(declarado) > MAX_BODY_SIZE:
            return grande_demais(environ, start_response)
        servico = destino(environ["PATH_INFO"], method)
        if servico is None:
            return flask_wsgi(environ, start_response)
        rid = environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex
        try:
            if method not in METHODS:
                raise FalhaUpstream(None, 405, ERROS[405])
            body = corpo(environ)
            if body is GRANDE_DEMAIS:  # chunked: o tamanho só aparece lendo
                return grande_demais(environ, start_response, rid)
            resp = UPSTREAMS[servico].request(method, alvo(environ), body, cabecalhos(environ, rid))
            status, headers, body = f"{resp.status} {resp.reason}", resp.headers, resp.body
            headers = [(k, v) for k, v in headers if k.lower() not in SKIP_RESPONSE]
            if method == "HEAD":
                headers += [(k, v) for k, v in resp.headers if k.lower() == "content-length"]
            else:
                headers.append(("Content-Length", str(len(body))))
        except FalhaUpstream as e:
            status, body = f"{e.status} {http.HTTPStatus(e.status).phrase}", (
                json_bytes(erro=e.mensagem, servico=e.servico) if e.servico else json_bytes(erro=e.mensagem))
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        except Exception:  # nunca um traceback para o cliente
            log.exception("erro inesperado no repasse (request_id=%s)", rid)
            status, body = "500 Internal Server Error", json_bytes(erro="erro interno do servidor")
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        headers.append(("X-Request-ID", rid))
        start_response(status, headers)
        return [body]

    return wsgi


def alvo(environ):
    """Caminho e query string como o serviço deve recebê-los (o PATH_INFO vem decodificado)."""
    path = urllib.parse.quote(environ["PATH_INFO"].encode("latin-1"), safe="/:@!$&'()*+,;=~")
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


GRANDE_DEMAIS = object()


def corpo(environ):
    """O corpo inteiro (até MAX_BODY_SIZE), None se não há, ou GRANDE_DEMAIS.

    O granian entrega o corpo aos poucos (wsgi.input lê da conexão sob demanda):
    lido em blocos, nunca passa de MAX_BODY_SIZE + um bloco na memória."""
    entrada, tamanho = environ["wsgi.input"], environ.get("CONTENT_LENGTH")
    if tamanho:  # declarado, e já conferido contra o limite
        return entrada.read(int(tamanho))
    if environ["REQUEST_METHOD"] not in ("POST", "PUT", "PATCH"):
        return None
    partes, total = [], 0
    while bloco := entrada.read(BLOCO):
        total += len(bloco)
        if total > MAX_BODY_SIZE:
            return GRANDE_DEMAIS
        partes.append(bloco)
    return b"".join(partes) or None


def grande_demais(environ, start_response, rid=None):
    """413 do próprio gateway. A resposta sai já; depois, por até DRENAR_POR s, o
    resto do corpo é lido e jogado fora (como o "lingering close" do nginx): fechar
    a conexão com dados ainda chegando faz o kernel mandar um RST, e o cliente que
    ainda está enviando (curl, por exemplo) perde a resposta e vê só "Broken pipe"."""
    body = json_bytes(erro=f"corpo da requisição maior que o limite de {legivel(MAX_BODY_SIZE)}")
    start_response("413 Content Too Large", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
        ("Connection", "close"),
        ("X-Request-ID", rid or environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex)])

    def responder_e_drenar():
        yield body
        fim, entrada = time.monotonic() + DRENAR_POR, environ["wsgi.input"]
        while time.monotonic() < fim and entrada.read(BLOCO):
            pass

    return responder_e_drenar()


def legivel(n):
    for unidade, fator in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= fator and n % fator == 0:
            return f"{n // fator} {unidade}"
    return f"{n} bytes"


def cabecalhos(environ, rid):
    headers = {"X-Request-ID": rid}
    for chave, valor in environ.items():
        if chave.startswith("HTTP_"):
            nome = chave[5:].replace("_", "-").lower()
            if nome not in SKIP_REQUEST:
                headers[nome] = valor
    if environ.get("HTTP_HOST"):
        headers["host"] = environ["HTTP_HOST"]
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


app.wsgi_app = repasse_direto(app.wsgi_app)


# ------------------------------------------------------------ o lado Flask

def call(servico, path, query=""):
    """GET num serviço com o X-Request-ID da requisição atual (composição e /health)."""
    if query:
        path = f"{path}?{query}"
    return UPSTREAMS[servico].request("GET", path, headers={"X-Request-ID": g.request_id})


def relay(upstream):
    """A resposta do serviço, igual byte a byte, com o mesmo status e Content-Type."""
    resp = Response(upstream.body, status=upstream.status)
    if upstream.content_type:
        resp.headers["Content-Type"] = upstream.content_type
    return resp


@app.before_request
def assign_request_id():
    g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex


@app.after_request
def return_request_id(resp):
    resp.headers["X-Request-ID"] = g.get("request_id", "")
    return resp


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
