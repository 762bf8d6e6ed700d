"""Os limites do gateway: o que protege a porta (cada cliente) e os serviços (cada upstream).

Quem limita o quê:
- o granian (o hyper, em Rust), antes de chegar aqui; variáveis GRANIAN_* no Dockerfile:
  só HTTP/1.1 (HTTP=1: o h2c nem é entendido); o bloco de cabeçalhos até 32 KiB
  (HTTP1_BUFFER_SIZE: acima, 431 na hora; até 100 cabeçalhos); 10 s para o bloco
  chegar inteiro (HTTP1_HEADER_READ_TIMEOUT; depois, a conexão é fechada: vale também
  para uma conexão keep-alive ociosa); framing ruim (Content-Length repetido com
  valores diferentes, CL junto com chunked, chunked malformado) recusado por ele;
  até BACKPRESSURE conexões abertas por processo (as outras esperam no backlog).
- ler_pedido, na entrada: uma linha de cabeçalho até 8 KiB (431); um Host só (400);
  o X-Request-ID do cliente se tiver até 128 caracteres de token (senão, um novo);
  os cabeçalhos de conexão, e os nomeados em Connection:, não passam; o corpo até
  MAX_BODY_SIZE (413, antes de ler um corpo declarado maior), com 10 s entre leituras
  e 30 s no total (408). Esperar um cliente lento é um await: não custa thread.
- Upstream, na saída: VAGAS requisições de cada vez por serviço (o bulkhead: a
  seguinte espera até ESPERA_VAGA, 0,1 s, por uma vaga, e então recebe 503
  "ocupado", e um serviço travado não esgota o gateway para o outro); um pool aiohttp por serviço (uma conexão volta ao pool só quando o
  aiohttp a dá por limpa: resposta lida inteira, nada sobrando no buffer); rodízio
  entre as réplicas; novas tentativas quando é seguro; TOTAL_TIMEOUT do começo ao
  fim, corpo da resposta incluído; resposta maior que MAX_RESPONSE_SIZE: 502.
"""
import asyncio
import itertools
import json
import logging
import os
import re
import secrets
import socket
import time
import urllib.parse

import aiohttp
from yarl import URL

CONNECT_TIMEOUT = float(os.environ.get("CONNECT_TIMEOUT", "1"))
READ_TIMEOUT = float(os.environ.get("READ_TIMEOUT", "2"))
# s por requisição ao serviço, somadas as tentativas e o corpo (padrão: duas leituras)
TOTAL_TIMEOUT = float(os.environ.get("TOTAL_TIMEOUT") or 2 * READ_TIMEOUT)
VAGAS = int(os.environ.get("VAGAS", "64"))  # requisições de cada vez por serviço (bulkhead)
# s que uma requisição espera por uma vaga com o bulkhead cheio (a fila do HAProxy,
# `timeout queue`): quem chega no instante em que outra termina não leva um 503
ESPERA_VAGA = float(os.environ.get("ESPERA_VAGA", "0.1"))
MAX_BODY_SIZE = int(os.environ.get("MAX_BODY_SIZE", str(1024 * 1024)))  # corpo do cliente
MAX_RESPONSE_SIZE = int(os.environ.get("MAX_RESPONSE_SIZE", str(10 * 1024 * 1024)))
# um cabeçalho (nome e valor) e o bloco todo, com a linha do pedido: os limites do nginx
# (large_client_header_buffers 4 8k). O hyper só corta o bloco por volta do seu buffer
# de 32 KiB (lê em pedaços de até 16 KiB e confere entre eles): o limite exato é aqui.
MAX_HEADER_LINE, MAX_HEADER_BLOCK = 8 * 1024, 32 * 1024
BODY_READ_TIMEOUT, BODY_TOTAL_TIMEOUT = 10.0, 30.0  # s entre leituras do corpo, e no total
DRENAR_POR = 1.0  # s que o resto de um corpo recusado (413) é lido e descartado
RESOLVE_EVERY = 2.0  # s entre resoluções do nome do serviço
SKIP_FOR = 5.0  # s que um endereço que falhou fica fora do rodízio
BLOCO = 64 * 1024  # respostas maiores vão ao cliente em blocos deste tamanho
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}
# Não atravessam: os de conexão (hop-by-hop), "proxy" (httpoxy); Host, Content-Length e
# X-Request-ID o gateway escreve; e o corpo vai junto com o pedido (sem Expect).
SKIP_REQUEST = {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"te",
                b"trailer", b"upgrade", b"proxy", b"proxy-authorization", b"expect", b"host",
                b"content-length", b"x-request-id"}
SKIP_RESPONSE = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer",
                 b"upgrade", b"proxy-authenticate", b"content-length", b"x-request-id"}
REQUEST_ID = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")  # até 128 caracteres de token

log = logging.getLogger("gateway")


class Recusa(Exception):
    """A requisição não entra: 400, 408, 413 ou 431, em JSON, e a conexão é fechada."""

    def __init__(self, status, mensagem, drenar=False):
        super().__init__(mensagem)
        self.status, self.mensagem, self.drenar = status, mensagem, drenar


class FalhaUpstream(Exception):
    """O serviço não deu uma resposta: 502 (inválida), 503 (fora do ar, ocupado) ou 504 (travado)."""

    def __init__(self, servico, status, mensagem):
        super().__init__(mensagem)
        self.servico, self.status, self.mensagem = servico, status, mensagem


class Pedido:
    """A requisição do cliente, já dentro dos limites."""

    def __init__(self, method, path, alvo, headers, body, request_id):
        self.method, self.path, self.alvo = method, path, alvo  # alvo: caminho e query, como vieram
        self.headers, self.body, self.request_id = headers, body, request_id


def legivel(n):
    for unidade, fator in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= fator and n % fator == 0:
            return f"{n // fator} {unidade}"
    return f"{n} bytes"


async def ler_pedido(scope, receive):
    """O Pedido do scope ASGI; Recusa se ele passa de um limite (o corpo é lido aqui)."""
    headers, host, tamanho, chunked, rid, conexao = [], None, None, False, None, ()
    bloco = len(scope["raw_path"]) + len(scope["query_string"])
    for nome, valor in scope["headers"]:
        bloco += len(nome) + len(valor) + 4  # "nome: valor\r\n"
        if len(nome) + len(valor) > MAX_HEADER_LINE:
            raise Recusa(431, "cabeçalho maior que o limite de 8 KiB")
        if bloco > MAX_HEADER_BLOCK:
            raise Recusa(431, "cabeçalhos maiores que o limite de 32 KiB")
        if nome == b"host":
            if host is not None:
                raise Recusa(400, "mais de um cabeçalho Host")
            host = valor
        elif nome == b"content-length":
            if tamanho is not None and int(valor) != tamanho:
                raise Recusa(400, "Content-Length repetido com valores diferentes")
            tamanho = int(valor)
        elif nome == b"transfer-encoding":
            chunked = True
        elif nome == b"x-request-id" and rid is None and REQUEST_ID.fullmatch(valor):
            rid = valor.decode()
        elif nome == b"connection":
            conexao = {t.strip().lower() for t in valor.split(b",")}
        if nome not in SKIP_REQUEST:
            headers.append((nome, valor))
    rid = rid or secrets.token_hex(16)  # 32 hex, como um uuid4().hex (0,2 µs e não 1,3)
    scope["request_id"] = rid  # (a resposta de uma Recusa também leva o mesmo)
    if tamanho is not None and tamanho > MAX_BODY_SIZE:  # nem começa a ler
        raise Recusa(413, f"corpo da requisição maior que o limite de {legivel(MAX_BODY_SIZE)}", True)
    body = await ler_corpo(receive) if tamanho or chunked else None
    enviados = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers if n not in conexao]
    enviados += [("Host", host.decode("latin-1"))] if host else []
    enviados.append(("X-Request-ID", rid))
    alvo = scope["raw_path"].decode("latin-1")
    if scope["query_string"]:
        alvo += "?" + scope["query_string"].decode("latin-1")
    return Pedido(scope["method"], scope["path"], alvo, enviados, body, rid)


async def ler_corpo(receive):
    """O corpo inteiro, bloco a bloco (o granian entrega o que chega), dentro dos limites."""
    partes, total = [], 0
    fim = asyncio.get_running_loop().time() + BODY_TOTAL_TIMEOUT
    while True:
        agora = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(min(BODY_READ_TIMEOUT, fim - agora)):
                msg = await receive()
        except TimeoutError:
            raise Recusa(408, "tempo esgotado esperando o corpo da requisição") from None
        if msg["type"] == "http.disconnect":  # cliente saiu, ou chunked malformado
            raise Recusa(400, "corpo da requisição incompleto ou malformado")
        total += len(msg["body"])
        if total > MAX_BODY_SIZE:
            raise Recusa(413, f"corpo da requisição maior que o limite de {legivel(MAX_BODY_SIZE)}", True)
        partes.append(msg["body"])
        if not msg.get("more_body"):
            return b"".join(partes)


async def recusar(recusa, scope, receive, send):
    """A resposta de uma Recusa, com Connection: close. Depois de um 413, o resto do corpo
    é lido e descartado por até DRENAR_POR s no total (como o lingering close do nginx):
    fechar com dados chegando faz o kernel mandar um RST, e o cliente que ainda envia
    perde a resposta."""
    await Resposta.json(recusa.status, erro=recusa.mensagem).enviar(
        send, scope.get("request_id") or secrets.token_hex(16), [(b"connection", b"close")])
    if recusa.drenar:
        try:
            async with asyncio.timeout(DRENAR_POR):
                while (await receive()).get("more_body"):
                    pass
        except TimeoutError:
            pass


class Resposta:
    """O que volta ao cliente: status, cabeçalhos (bytes) e o corpo, inteiro ou em Blocos."""

    def __init__(self, status, headers, body=b"", blocos=None, com_tamanho=False):
        self.status, self.headers, self.body, self.blocos = status, headers, body, blocos
        self.com_tamanho = com_tamanho  # o Content-Length do serviço já está em headers

    @classmethod
    def json(cls, codigo, **corpo):
        body = (json.dumps(corpo, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        return cls(codigo, [(b"content-type", b"application/json")], body)

    def dados(self):
        return json.loads(self.body)

    async def enviar(self, send, request_id, extra=()):
        headers = self.headers + [(b"x-request-id", request_id.encode())] + list(extra)
        if not self.com_tamanho:
            headers.append((b"content-length", b"%d" % len(self.body)))
        inicio = {"type": "http.response.start", "status": self.status, "headers": headers}
        if self.blocos is not None:
            return await self.blocos.enviar(send, inicio)
        await send(inicio)
        await send({"type": "http.response.body", "body": self.body})


class Blocos:
    """O corpo de uma resposta grande, do serviço ao cliente em blocos de 64 KiB: a
    memória fica em poucos blocos por requisição. Tudo dentro do prazo da requisição;
    estourado o prazo, o envio para no meio e o cliente vê a conexão fechada antes do
    Content-Length (nunca uma resposta cortada que parece inteira)."""

    def __init__(self, resp, upstream, prazo):
        self.resp, self.upstream, self.prazo = resp, upstream, prazo

    async def enviar(self, send, inicio):
        try:
            await send(inicio)
            async with asyncio.timeout_at(self.prazo):
                async for bloco in self.resp.content.iter_chunked(BLOCO):
                    await send({"type": "http.response.body", "body": bloco, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except (TimeoutError, aiohttp.ClientError) as e:
            log.warning("%s: resposta cortada no meio (%r)", self.upstream.nome, e)
        finally:
            self.resp.release()  # (corpo pela metade: o aiohttp fecha a conexão)
            self.upstream.liberar()


class Upstream:
    """Um serviço: todos os endereços do nome, um pool aiohttp, rodízio e um bulkhead."""

    def __init__(self, nome, base_url):
        partes = urllib.parse.urlsplit(base_url)
        self.nome, self.host, self.port = nome, partes.hostname, partes.port or 80
        self.host_header = partes.netloc
        self.ocupadas = 0  # requisições em andamento (o bulkhead: no máximo VAGAS)
        self._vaga = asyncio.Event()  # avisa quem espera que uma vaga abriu
        self._sessao = None  # criada no primeiro uso, dentro do loop do granian
        self._enderecos, self._resolver_em, self._resolvendo = (), 0.0, None
        self._fora_ate = {}  # endereço -> até quando fica de fora (time.monotonic)
        self._vez = itertools.count()

    def sessao(self):
        if self._sessao is None:
            self._sessao = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=VAGAS, force_close=False),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT,
                                              sock_read=READ_TIMEOUT),
                auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar(),
                # o pedido vai como o cliente o fez: nada que o aiohttp poria por conta própria
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"))
        return self._sessao

    async def get(self, alvo, request_id):
        """GET do próprio gateway (composição, /health), com o X-Request-ID da requisição."""
        headers = [("Host", self.host_header), ("X-Request-ID", request_id)]
        return await self.request("GET", alvo, headers, request_id=request_id, em_blocos=False)

    async def request(self, method, alvo, headers, body=None, request_id="-", em_blocos=True):
        """A Resposta do serviço; FalhaUpstream se não houver uma (e nunca passa do prazo).
        em_blocos=False: o corpo vem sempre inteiro (até MAX_RESPONSE_SIZE), para ser lido aqui."""
        if self.ocupadas >= VAGAS and not await self._esperar_vaga():
            raise FalhaUpstream(self.nome, 503, f"{self.nome} ocupado")
        self.ocupadas += 1  # (sem await entre a conferência e a soma: ninguém passa na frente)
        prazo = asyncio.get_running_loop().time() + TOTAL_TIMEOUT
        resposta = None
        try:
            async with asyncio.timeout_at(prazo):
                resp = await self._trocar(method, alvo, headers, body, request_id)
                resposta = await self._resposta(method, resp, prazo, request_id, em_blocos)
            return resposta
        except TimeoutError:
            raise self._falha(504, f"não respondeu em {TOTAL_TIMEOUT:g} s", "prazo", request_id) from None
        finally:
            if resposta is None or resposta.blocos is None:  # Blocos devolve a vaga ao terminar
                self.liberar()

    async def _esperar_vaga(self):
        """Bulkhead cheio: espera até ESPERA_VAGA s por uma vaga. True se ela abriu."""
        try:
            async with asyncio.timeout(ESPERA_VAGA):
                while self.ocupadas >= VAGAS:
                    self._vaga.clear()
                    await self._vaga.wait()
            return True
        except TimeoutError:
            return False

    def liberar(self):
        self.ocupadas -= 1
        self._vaga.set()

    async def _trocar(self, method, alvo, headers, body, request_id):
        """Uma tentativa por endereço, em rodízio; de novo só quando é seguro."""
        tentados, repetiu, falha = set(), False, None
        while (ip := await self._escolher(tentados)) is not None:
            url = URL(f"http://{ip}:{self.port}{alvo}", encoded=True)
            try:
                return await self.sessao().request(method, url, headers=headers, data=body,
                                                   allow_redirects=False)
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as e:
                falha = self._falha(503, "indisponível", e, request_id)  # nem conectou: o próximo
            except aiohttp.SocketTimeoutError as e:
                falha = self._falha(504, f"não respondeu em {READ_TIMEOUT:g} s", e, request_id)
                if repetiu or method not in IDEMPOTENT:  # (a réplica pode ter sumido com a máquina:
                    self._falhou(ip)                      #  uma vez, em outro endereço)
                    raise falha from None
                repetiu = True
            except aiohttp.ClientConnectionError as e:
                # cortada depois de enviar, ou a conexão do pool já fechando na hora de escrever (a
                # réplica morreu; o aiohttp só repete uma conexão reaproveitada nos outros casos)
                falha = self._falha(503, "indisponível", e, request_id)
                if method not in IDEMPOTENT:  # o pedido pode ter chegado: repetir um POST não é seguro
                    self._falhou(ip)
                    raise falha from None
            except aiohttp.ClientResponseError as e:
                raise self._falha(502, "deu uma resposta HTTP inválida", e, request_id) from None
            self._falhou(ip)
            tentados.add(ip)
        raise falha or self._falha(503, "indisponível", "nenhum endereço", request_id)

    async def _resposta(self, method, resp, prazo, request_id, em_blocos):
        """Status e cabeçalhos do serviço e o corpo: inteiro (com tamanho até 64 KiB, ou sem
        tamanho declarado até MAX_RESPONSE_SIZE) ou em Blocos (com tamanho até o limite)."""
        headers = [(n, v) for n, v in resp.raw_headers if n.lower() not in SKIP_RESPONSE]
        tamanho = resp.content_length
        if tamanho is not None:
            headers.append((b"content-length", b"%d" % tamanho))
        grande = f"respondeu mais que o limite de {legivel(MAX_RESPONSE_SIZE)}"
        blocos = None
        try:
            if method == "HEAD" or resp.status in (204, 304):
                return Resposta(resp.status, headers, com_tamanho=tamanho is not None)
            if tamanho is not None and tamanho > MAX_RESPONSE_SIZE:
                raise self._falha(502, grande, f"Content-Length {tamanho}", request_id)
            if em_blocos and tamanho is not None and tamanho > BLOCO:
                blocos = Blocos(resp, self, prazo)  # ele devolve a conexão e a vaga
                return Resposta(resp.status, headers, blocos=blocos, com_tamanho=True)
            if tamanho is not None:  # o caso comum: com tamanho, de uma vez
                return Resposta(resp.status, headers, await resp.read(), com_tamanho=True)
            partes, total = [], 0
            async for parte in resp.content.iter_chunked(BLOCO):
                total += len(parte)
                if total > MAX_RESPONSE_SIZE:
                    raise self._falha(502, grande, "corpo sem tamanho declarado", request_id)
                partes.append(parte)
            return Resposta(resp.status, headers, b"".join(partes))
        except aiohttp.ClientPayloadError as e:
            raise self._falha(502, "deu uma resposta HTTP inválida", e, request_id) from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                aiohttp.ClientConnectionResetError) as e:  # caiu antes do fim do corpo (parado: 504)
            raise self._falha(502, "cortou a resposta no meio", e, request_id) from None
        finally:
            if blocos is None:  # o aiohttp devolve a conexão ao pool só se ela estiver limpa
                resp.release()

    async def _escolher(self, tentados):
        """O próximo endereço no rodízio, fora os já tentados e (se der) os que falharam há pouco."""
        agora = time.monotonic()
        if agora >= self._resolver_em:
            if self._resolvendo is None or self._resolvendo.done():
                self._resolvendo = asyncio.ensure_future(self._resolver())
            await asyncio.shield(self._resolvendo)  # as requisições do momento esperam a mesma
        livres = [ip for ip in self._enderecos if ip not in tentados]
        bons = [ip for ip in livres if self._fora_ate.get(ip, 0) <= agora] or livres
        return bons[next(self._vez) % len(bons)] if bons else None

    async def _resolver(self):
        """Todos os endereços do nome (no compose, um; no Swarm, um por réplica)."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(self.host, self.port,
                                                                 type=socket.SOCK_STREAM)
            self._enderecos = tuple(sorted({info[4][0] for info in infos}))
            self._resolver_em = time.monotonic() + RESOLVE_EVERY
        except OSError as e:  # o nome não resolve: nenhuma réplica no ar (a próxima tenta de novo)
            log.warning("%s: o nome %s não resolve (%s)", self.nome, self.host, e)
            self._enderecos, self._resolver_em = (), 0.0

    def _falhou(self, ip):
        log.warning("%s: %s fora do rodízio por %g s", self.nome, ip, SKIP_FOR)
        self._fora_ate[ip] = time.monotonic() + SKIP_FOR
        self._resolver_em = 0.0  # a réplica pode ter saído: o nome é resolvido de novo já

    def _falha(self, status, motivo, erro, request_id):
        log.warning("%s %s (request_id=%s): %s", self.nome, motivo, request_id, erro)
        return FalhaUpstream(self.nome, status, f"{self.nome} {motivo}")
