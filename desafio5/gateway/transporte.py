"""O transporte do gateway: como uma requisição chega a uma réplica do serviço.

- Conexao: um cliente HTTP/1.1 keep-alive mínimo, só com socket (biblioteca padrão);
- Upstream: um serviço, com todos os endereços do nome (getaddrinfo), um pool de
  conexões ociosas por endereço e um endereço por requisição, em rodízio.

Novas tentativas (só em outro endereço, e só quando é seguro):
- conexão recusada, ou que não conecta em CONNECT_TIMEOUT: o pedido nem saiu, então
  vale para qualquer método; o endereço fica de fora por SKIP_FOR segundos;
- conexão cortada numa requisição idempotente (GET, PUT...);
- conexão reaproveitada do pool que não responde em READ_TIMEOUT, numa requisição
  idempotente: a réplica pode ter sumido com a máquina (o pool não fica sabendo);
  uma nova tentativa, em outro endereço. Conexão nova que não responde é serviço
  travado: 504.
Tudo dentro de TOTAL_TIMEOUT segundos por requisição: um serviço travado de verdade
recebe o seu 504 num tempo limitado, com quantas réplicas tiver.

Um serviço que responde antes de ler o corpo todo (405, 413...) e fecha a conexão
faz o envio do corpo falhar (BrokenPipeError); a resposta dele está no socket, e é
ela que vale: nada de 503, e a réplica não conta como falha.
"""
import collections
import itertools
import json
import logging
import os
import select
import socket
import threading
import time
import urllib.parse
from typing import NamedTuple

CONNECT_TIMEOUT = float(os.environ.get("CONNECT_TIMEOUT", "1"))
READ_TIMEOUT = float(os.environ.get("READ_TIMEOUT", "2"))
# s por requisição, somadas todas as tentativas (padrão: duas leituras completas)
TOTAL_TIMEOUT = float(os.environ.get("TOTAL_TIMEOUT") or 2 * READ_TIMEOUT)
POOL_SIZE = int(os.environ.get("POOL_SIZE", "10"))  # conexões ociosas guardadas por endereço
RESOLVE_EVERY = float(os.environ.get("RESOLVE_EVERY", "2"))  # s entre resoluções do nome
SKIP_FOR = float(os.environ.get("SKIP_FOR", "5"))  # s que um endereço que falhou fica de fora
IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}

log = logging.getLogger("gateway")


class FalhaUpstream(Exception):
    """O serviço não deu uma resposta: vira 503 (fora do ar) ou 504 (travado) em JSON."""

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
        self._poll = select.poll()  # (um poll(0) custa ~1 µs; um select, ~5)
        self._poll.register(sock, select.POLLIN)

    def trocar(self, method, path, headers, body):
        linhas = [f"{method} {path} HTTP/1.1\r\n"]
        if "host" not in headers:  # sem o Host do cliente, o nome do serviço
            linhas.append(f"Host: {self.host}\r\n")
        linhas += [f"{nome}: {valor}\r\n" for nome, valor in headers.items()]
        if body is not None:
            linhas.append(f"Content-Length: {len(body)}\r\n")
        try:
            self.sock.sendall("".join(linhas).encode("latin-1") + b"\r\n" + (body or b""))
        except (BrokenPipeError, ConnectionResetError) as e:
            # Respondeu antes de ler o corpo todo e fechou? A resposta está no socket.
            try:
                resp = self._ler(method)
            except (OSError, ValueError):
                raise e from None  # não: a conexão caiu mesmo
            self.fechar = True
            return resp
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

    def viva(self):
        """Ociosa e sem nada para ler: o serviço não a fechou enquanto ela esperava no pool."""
        return not self._poll.poll(0)

    def close(self):
        self.arquivo.close()
        self.sock.close()


def conectar(ip, port, host, timeout=None):
    """Conexão nova com CONNECT_TIMEOUT; depois, cada leitura espera até READ_TIMEOUT."""
    sock = socket.create_connection((ip, port), timeout=timeout or CONNECT_TIMEOUT)
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
        log.warning("%s: %s fora do rodízio por %g s", self.nome, ip, SKIP_FOR)
        self._fora_ate[ip] = time.monotonic() + SKIP_FOR
        self._descartar_ociosas(ip)

    def _descartar_ociosas(self, ip):
        """Uma conexão com ip caiu: as outras ociosas com ele também; e o nome é resolvido
        de novo já na próxima escolha (a réplica pode ter saído)."""
        self._resolvido_em = float("-inf")
        pool = self._pools.get(ip)
        if pool is not None:
            _fechar_todas(pool)

    def _pegar(self, ip, connect_timeout):
        """(conexão, reaproveitada): uma ociosa e viva do pool do endereço, ou uma nova."""
        pool = self._pools.get(ip)
        if pool is None:
            with self._lock:
                pool = self._pools.setdefault(ip, collections.deque())
        while True:
            try:
                conn = pool.pop()  # a mais recente (deque: pop/append atômicos, sem lock)
            except IndexError:
                return conectar(ip, self.port, self.host_header, connect_timeout), False
            if conn.viva():
                return conn, True
            conn.close()  # o serviço fechou enquanto ela esperava (ex.: respondeu sem ler o corpo)

    def _devolver(self, ip, conn):
        pool = self._pools.get(ip)
        if pool is None or conn.fechar or len(pool) >= POOL_SIZE:
            conn.close()
        else:
            pool.append(conn)

    def request(self, method, path, body=None, headers=None):
        headers = headers or {}
        prazo = time.monotonic() + TOTAL_TIMEOUT
        tentados, ultimo_erro, status, repetiu = set(), None, 503, False
        while (ip := self._escolher(tentados)) is not None:
            restante = prazo - time.monotonic()
            if restante <= 0:
                break
            conn, reaproveitada, enviado = None, False, False
            try:
                conn, reaproveitada = self._pegar(ip, min(CONNECT_TIMEOUT, restante))  # uma nova conecta aqui
                if restante < READ_TIMEOUT:  # a última tentativa só tem o que sobrou do prazo
                    conn.sock.settimeout(restante)
                enviado = True
                resp = conn.trocar(method, path, headers, body)
            except TimeoutError as e:
                if conn is not None:
                    conn.close()
                self._falhou(ip)
                tentados.add(ip)
                ultimo_erro = e
                if not enviado:  # nem conectou: endereço inalcançável; o próximo
                    continue
                status = 504  # conectou e não teve resposta a tempo
                if reaproveitada and method in IDEMPOTENT and not repetiu:
                    repetiu = True  # a réplica pode ter sumido (a máquina caiu): uma vez, em outro endereço
                    continue
                break  # conexão nova sem resposta: o serviço está travado
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
            if restante < READ_TIMEOUT:
                conn.sock.settimeout(READ_TIMEOUT)
            self._devolver(ip, conn)
            return resp
        if status == 504:
            self._erro(504, f"não respondeu em {READ_TIMEOUT:g} s", ultimo_erro, headers)
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
