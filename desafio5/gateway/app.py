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
outro serviço continuam funcionando.

Dois caminhos:
- o repasse de /users... e /orders... é uma função WSGI enxuta (repasse_direto),
  na frente do Flask, com um cliente HTTP/1.1 mínimo sobre socket (Conexao):
  poucas linhas de Python por requisição;
- o resto (composição, /health, erros) é o Flask de sempre.

Balanceamento por requisição (o mesmo código no compose, com um endereço, e no
Swarm, com um por réplica): Upstream resolve todos os endereços do nome do
serviço (getaddrinfo), guarda um pool de conexões keep-alive por endereço, usa
um endereço por requisição em rodízio, resolve de novo a cada RESOLVE_EVERY
segundos e logo depois de um erro de conexão. Conexão recusada ou cortada numa
requisição idempotente é tentada no próximo endereço, e o endereço que falhou
fica de fora por SKIP_FOR segundos.
"""
import collections
import http
import itertools
import json
import logging
import os
import re
import socket
import sys
import threading
import time
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
POOL_SIZE = int(os.environ.get("POOL_SIZE", "10"))  # conexões ociosas guardadas por endereço
RESOLVE_EVERY = float(os.environ.get("RESOLVE_EVERY", "2"))  # s entre resoluções do nome
SKIP_FOR = float(os.environ.get("SKIP_FOR", "5"))  # s que um endereço que falhou fica de fora
ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}
# Cabeçalhos de conexão (hop-by-hop) não atravessam o gateway; "proxy" também
# não (httpoxy); Host, Content-Length e X-Request-ID o gateway escreve; e o corpo
# vai junto com o pedido (sem "Expect: 100-continue").
SKIP_REQUEST = {"host", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
                "proxy", "proxy-authorization", "proxy-connection", "content-length",
                "x-request-id", "expect"}
SKIP_RESPONSE = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                 "proxy-authenticate", "content-length", "x-request-id", "date", "server"}
# Repassados direto: /users, /users/<algo>, /orders, /orders/<algo> (as mesmas
# rotas <path:sub> de antes), menos a composição, que é do Flask.
REPASSE = re.compile(r"/(users|orders)(?:/[^/].*)?", re.DOTALL)
COMPOSICAO = re.compile(r"/users/[0-9]+/orders")

logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("gateway")

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False


class FalhaUpstream(Exception):
    def __init__(self, servico, status, mensagem):
        super().__init__(mensagem)
        self.servico, self.status, self.mensagem = servico, status, mensagem


class Resposta(NamedTuple):
    status: int
    reason: str
    headers: list
    body: bytes

    @property
    def content_type(self):
        return next((v for k, v in self.headers if k.lower() == "content-type"), None)

    def json(self):
        return json.loads(self.body)


class ConexaoFechada(ConnectionError):
    """O serviço fechou a conexão (ou respondeu algo que não é HTTP/1.x)."""


class Conexao:
    """Uma conexão HTTP/1.1 keep-alive com uma réplica, só com socket (biblioteca padrão).

    O http.client monta e lê cada resposta com o pacote email; aqui são um sendall
    e meia dúzia de readline: o repasse custa bem menos Python por requisição.
    """

    def __init__(self, sock, host):
        self.sock, self.host = sock, host
        self.arquivo = sock.makefile("rb")
        self.fechar = False  # a última resposta pediu para fechar (não volta ao pool)

    def trocar(self, method, path, headers, body):
        linhas = [f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"]
        linhas += [f"{nome}: {valor}\r\n" for nome, valor in headers.items()]
        if body is not None:
            linhas.append(f"Content-Length: {len(body)}\r\n")
        self.sock.sendall("".join(linhas).encode("latin-1") + b"\r\n" + (body or b""))
        try:
            return self._ler(method)
        except ValueError as e:  # Content-Length ou tamanho de chunk que não é número
            raise ConexaoFechada(f"resposta HTTP malformada: {e}") from e

    def _linha(self):
        linha = self.arquivo.readline(65537)
        if not linha.endswith(b"\n"):
            raise ConexaoFechada("o serviço fechou a conexão")
        return linha.decode("latin-1").rstrip("\r\n")

    def _ler(self, method):
        versao, _, resto = self._linha().partition(" ")
        codigo, _, razao = resto.partition(" ")
        if not versao.startswith("HTTP/1.") or not codigo.isdigit():
            raise ConexaoFechada(f"resposta que não é HTTP/1.x: {versao!r}")
        status, headers, tamanho, chunked = int(codigo), [], None, False
        fechar = versao == "HTTP/1.0"
        while linha := self._linha():
            nome, _, valor = linha.partition(":")
            nome_min, valor = nome.lower(), valor.strip()
            if nome_min == "content-length":
                tamanho = int(valor)
            elif nome_min == "transfer-encoding":
                chunked = "chunked" in valor.lower()
            elif nome_min == "connection":
                fechar = "close" in valor.lower()
            headers.append((nome, valor))
        if method == "HEAD" or status in (204, 304) or status < 200:
            body = b""
        elif chunked:
            body = self._ler_chunked()
        elif tamanho is not None:
            body = self.arquivo.read(tamanho)
            if len(body) < tamanho:
                raise ConexaoFechada("corpo incompleto")
        else:  # sem tamanho: o corpo vai até o serviço fechar a conexão
            body, fechar = self.arquivo.read(), True
        self.fechar = fechar
        return Resposta(status, razao, headers, body)

    def _ler_chunked(self):
        partes = []
        while (tamanho := int(self._linha().split(";")[0], 16)) > 0:
            partes.append(self.arquivo.read(tamanho))
            self._linha()
        while self._linha():  # trailers
            pass
        return b"".join(partes)

    def close(self):
        self.arquivo.close()
        self.sock.close()


def conectar(ip, port, host):
    """Conexão nova com CONNECT_TIMEOUT; depois, cada leitura espera até READ_TIMEOUT."""
    sock = socket.create_connection((ip, port), timeout=CONNECT_TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(READ_TIMEOUT)
    return Conexao(sock, host)


class Upstream:
    """Um serviço: todos os endereços do nome, um pool keep-alive por endereço, rodízio."""

    def __init__(self, nome, base_url):
        partes = urllib.parse.urlsplit(base_url)
        self.nome, self.host, self.port = nome, partes.hostname, partes.port or 80
        self.host_header = partes.netloc
        self._lock = threading.Lock()
        self._enderecos = ()
        self._resolvido_em = float("-inf")
        self._pools = {}  # endereço -> deque de conexões ociosas (a mais recente no fim)
        self._fora_ate = {}  # endereço -> até quando fica de fora (time.monotonic)
        self._vez = itertools.count()

    def enderecos(self):
        if time.monotonic() - self._resolvido_em >= RESOLVE_EVERY:
            self.resolver()
        return self._enderecos

    def resolver(self):
        """Todos os endereços do nome; os pools de endereços que sumiram são fechados."""
        agora = time.monotonic()
        try:
            infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
            novos = tuple(sorted({info[4][0] for info in infos}))
        except OSError as e:  # o nome não resolve: nenhuma réplica no ar
            log.warning("%s: o nome %s não resolve (%s)", self.nome, self.host, e)
            novos = ()
        with self._lock:
            # sem endereço, nada a guardar: a próxima requisição resolve de novo
            self._enderecos = novos
            self._resolvido_em = agora if novos else float("-inf")
            sumiram = [self._pools.pop(ip) for ip in list(self._pools) if ip not in novos]
        for pool in sumiram:
            _fechar_todas(pool)

    def _escolher(self, tentados):
        """O próximo endereço no rodízio, fora os já tentados e (se der) os que falharam há pouco."""
        livres = [ip for ip in self.enderecos() if ip not in tentados]
        agora = time.monotonic()
        bons = [ip for ip in livres if self._fora_ate.get(ip, 0) <= agora] or livres
        return bons[next(self._vez) % len(bons)] if bons else None

    def _falhou(self, ip):
        self._fora_ate[ip] = time.monotonic() + SKIP_FOR
        self._descartar_ociosas(ip)

    def _descartar_ociosas(self, ip):
        """Uma conexão com ip caiu: as outras ociosas com ele também; e o nome é resolvido
        de novo já na próxima escolha (a réplica pode ter saído)."""
        self._resolvido_em = float("-inf")
        pool = self._pools.get(ip)
        if pool is not None:
            _fechar_todas(pool)

    def _pegar(self, ip):
        """(conexão, reaproveitada): uma ociosa do pool do endereço, ou uma nova."""
        pool = self._pools.get(ip)
        if pool is None:
            with self._lock:
                pool = self._pools.setdefault(ip, collections.deque())
        try:
            return pool.pop(), True  # a mais recente (deque: pop/append atômicos, sem lock)
        except IndexError:
            return conectar(ip, self.port, self.host_header), False

    def _devolver(self, ip, conn):
        pool = self._pools.get(ip)
        if pool is None or conn.fechar or len(pool) >= POOL_SIZE:
            conn.close()
        else:
            pool.append(conn)

    def request(self, method, path, body=None, headers=None):
        headers = headers or {}
        tentados, ultimo_erro = set(), None
        while (ip := self._escolher(tentados)) is not None:
            conn, reaproveitada, enviado = None, False, False
            try:
                conn, reaproveitada = self._pegar(ip)  # uma nova conecta aqui
                enviado = True
                resp = conn.trocar(method, path, headers, body)
            except TimeoutError as e:
                if conn is not None:
                    conn.close()
                if enviado:  # conectou e não teve resposta a tempo: travado
                    self._erro(504, f"não respondeu em {READ_TIMEOUT:g} s", e, headers)
                self._falhou(ip)  # nem conectou: endereço inalcançável
                tentados.add(ip)
                ultimo_erro = e
                continue
            except OSError as e:  # recusada, cortada, fechada
                if conn is not None:
                    conn.close()
                ultimo_erro = e
                if reaproveitada:  # keep-alive vencido ou réplica saindo: as ociosas dela também
                    self._descartar_ociosas(ip)
                else:
                    self._falhou(ip)
                    tentados.add(ip)
                if enviado and method not in IDEMPOTENT:
                    break  # o pedido pode ter chegado ao serviço: repetir um POST não é seguro
                continue
            self._devolver(ip, conn)
            return resp
        self._erro(503, "indisponível", ultimo_erro or "nenhum endereço", headers)

    def _erro(self, status, motivo, erro, headers):
        log.warning("%s %s (request_id=%s): %r", self.nome, motivo,
                    headers.get("X-Request-ID", "-"), erro)
        raise FalhaUpstream(self.nome, status, f"{self.nome} {motivo}")


def _fechar_todas(pool):
    while True:
        try:
            pool.pop().close()
        except IndexError:
            return


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
    """Middleware WSGI: /users... e /orders... vão direto ao serviço; o resto, ao Flask."""

    def wsgi(environ, start_response):
        method = environ["REQUEST_METHOD"]
        servico = destino(environ["PATH_INFO"], method)
        if servico is None:
            return flask_wsgi(environ, start_response)
        rid = environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex
        try:
            if method not in METHODS:
                raise FalhaUpstream(None, 405, ERROS[405])
            resp = UPSTREAMS[servico].request(method, alvo(environ), corpo(environ),
                                              cabecalhos(environ, rid))
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


def corpo(environ):
    tamanho = environ.get("CONTENT_LENGTH")
    if tamanho:
        return environ["wsgi.input"].read(int(tamanho))
    if environ["REQUEST_METHOD"] in ("POST", "PUT", "PATCH"):
        return environ["wsgi.input"].read() or None
    return None


def cabecalhos(environ, rid):
    headers = {"X-Request-ID": rid}
    for chave, valor in environ.items():
        if chave.startswith("HTTP_"):
            nome = chave[5:].replace("_", "-").lower()
            if nome not in SKIP_REQUEST:
                headers[nome] = valor
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
