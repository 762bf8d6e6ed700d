"""Testes unitários dos limites: a porta (ler_pedido, recusar) e os serviços (Upstream, Blocos).

Rodam no estágio de teste da imagem: docker build --target test desafio5/gateway
Os serviços são falsos de verdade (asyncio, em 127.0.0.x, com um roteiro de bytes):
o aiohttp fala com eles como falaria com o users_service, e um serviço que se
comporta mal (100 Continue, bytes sobrando, chunk negativo, resposta sem fim, lenta)
mostra o que o pool faz com a conexão.
"""
import asyncio
import logging
import re
import socket
import time
import unittest
from unittest import mock

import aiohttp

import limites as lm

# os avisos esperados não poluem a saída (os testes que os conferem usam assertLogs)
logging.getLogger("gateway").addHandler(logging.NullHandler())
logging.getLogger("gateway").propagate = False


def http(status=200, body=b'{"ok":true}\n', headers=(), extra=b""):
    """Uma resposta HTTP/1.1 em bytes (com Content-Length), e `extra` logo depois."""
    linhas = [b"HTTP/1.1 %d X" % status, b"Content-Type: application/json",
              b"Content-Length: %d" % len(body), *headers]
    return b"\r\n".join(linhas) + b"\r\n\r\n" + body + extra


class Falso:
    """Um serviço falso: guarda cada pedido (cabeçalho e corpo, em bytes) e responde o que
    roteiro(cabecalho, corpo) devolver: bytes, ou uma corrotina que recebe o writer."""

    def __init__(self, roteiro, ler_corpo=True):
        self.roteiro, self.ler_corpo, self.pedidos, self.conexoes = roteiro, ler_corpo, [], 0
        self.tarefas = set()

    async def abrir(self, host="127.0.0.1", port=0):
        self.server = await asyncio.start_server(self._conexao, host, port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _conexao(self, reader, writer):
        self.conexoes += 1
        self.tarefas.add(asyncio.current_task())
        try:
            while True:
                cabecalho = await reader.readuntil(b"\r\n\r\n")
                tamanho = re.search(rb"(?i)\r\ncontent-length: *(\d+)", cabecalho)
                corpo = b""
                if tamanho and self.ler_corpo:
                    corpo = await reader.readexactly(int(tamanho[1]))
                self.pedidos.append((cabecalho, corpo))
                resposta = self.roteiro(cabecalho, corpo)
                if isinstance(resposta, bytes):
                    writer.write(resposta)
                    await writer.drain()
                else:
                    await resposta(writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError,
                asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def fechar(self):
        self.server.close()
        for tarefa in self.tarefas:
            tarefa.cancel()
        await asyncio.gather(*self.tarefas, return_exceptions=True)


def eco(cabecalho, corpo):
    """Responde com o caminho pedido no corpo (para saber de quem é cada resposta)."""
    return http(body=cabecalho.split(b" ")[1])


def cabecalho(pedido, nome):
    """O valor do cabeçalho `nome` num pedido guardado pelo Falso (ou None)."""
    achado = re.search(rb"(?im)^" + nome + rb": *([^\r]*)", pedido[0])
    return achado[1] if achado else None


class ComServicos(unittest.IsolatedAsyncioTestCase):
    """Base: serviços falsos abertos no teste e fechados no fim, e um Upstream para eles."""

    async def servico(self, roteiro, host="127.0.0.1", port=0, ler_corpo=True):
        falso = await Falso(roteiro, ler_corpo).abrir(host, port)
        self.addAsyncCleanup(falso.fechar)
        return falso

    def upstream(self, url, nome="users_service"):
        up = lm.Upstream(nome, url)

        async def fechar():
            if up._sessao is not None:
                await up._sessao.close()
        self.addAsyncCleanup(fechar)
        return up

    async def get(self, up, alvo="/users", method="GET", body=None, headers=()):
        resp = await up.request(method, alvo, [("Host", "gw"), *headers], body)
        if resp.blocos is not None:
            enviados = []

            async def send(m):
                enviados.append(m)
            await resp.blocos.enviar(send, {"type": "http.response.start"})
            resp.body = b"".join(m.get("body", b"") for m in enviados)
        return resp


def scope(path="/users", method="GET", headers=(), query=b""):
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
            "query_string": query, "headers": [(k.encode(), v.encode()) for k, v in headers]}


def receber(*partes, fim=True, depois=None):
    """Um receive ASGI que entrega as partes do corpo (a última encerra o corpo se `fim`)
    e, depois, `depois` (ou espera para sempre)."""
    fila = [{"type": "http.request", "body": p, "more_body": not fim or i < len(partes) - 1}
            for i, p in enumerate(partes)]

    async def receive():
        if fila:
            return fila.pop(0)
        if depois is not None:
            return depois
        await asyncio.sleep(3600)
    return receive


class LerPedidoTest(unittest.IsolatedAsyncioTestCase):
    async def recusa(self, sc, receive=None):
        with self.assertRaises(lm.Recusa) as ctx:
            await lm.ler_pedido(sc, receive or receber())
        return ctx.exception

    async def test_cabecalhos_repassados_menos_os_de_conexao(self):
        sc = scope(headers=[("host", "gw:5004"), ("connection", "keep-alive, X-Segredo"),
                            ("x-segredo", "a"), ("x-outro", "b"), ("keep-alive", "5"),
                            ("proxy", "http://mau"), ("te", "trailers"), ("expect", "100-continue")])
        pedido = await lm.ler_pedido(sc, receber())
        self.assertEqual(sorted(pedido.headers)[:2], [("Host", "gw:5004"), ("X-Request-ID", pedido.request_id)])
        self.assertEqual([h for h in pedido.headers if h[0].startswith("x-")], [("x-outro", "b")])
        self.assertIsNone(pedido.body, "GET sem corpo: o receive nem é chamado")

    async def test_alvo_como_veio(self):
        pedido = await lm.ler_pedido(scope("/users/a%20b/%2e%2e", query=b"x=%41&y"), receber())
        self.assertEqual(pedido.alvo, "/users/a%20b/%2e%2e?x=%41&y")

    async def test_limites_dos_cabecalhos_431(self):
        linha = await self.recusa(scope(headers=[("x-grande", "a" * 8200)]))
        self.assertEqual((linha.status, linha.mensagem), (431, "cabeçalho maior que o limite de 8 KiB"))
        bloco = await self.recusa(scope(headers=[(f"x-{i}", "a" * 4000) for i in range(9)]))
        self.assertEqual((bloco.status, bloco.mensagem), (431, "cabeçalhos maiores que o limite de 32 KiB"))
        ok = await lm.ler_pedido(scope(headers=[(f"x-{i}", "a" * 4000) for i in range(7)]), receber())
        self.assertEqual(len(ok.headers), 8)  # os 7 e o X-Request-ID

    async def test_dois_host_ou_content_length_diferentes_400(self):
        e = await self.recusa(scope(headers=[("host", "a"), ("host", "b")]))
        self.assertEqual((e.status, e.mensagem), (400, "mais de um cabeçalho Host"))
        e = await self.recusa(scope(method="POST", headers=[("content-length", "1"), ("content-length", "2")]))
        self.assertEqual(e.status, 400)

    async def test_request_id_so_se_for_token_curto(self):
        for valor, mantido in (("abc-123.X_y", True), ("a" * 128, True), ("a" * 129, False),
                               ("com espaço", False), ("<script>", False)):
            with self.subTest(valor=valor[:20]):
                pedido = await lm.ler_pedido(scope(headers=[("x-request-id", valor)]), receber())
                if mantido:
                    self.assertEqual(pedido.request_id, valor)
                else:
                    self.assertRegex(pedido.request_id, r"^[0-9a-f]{32}$")
                self.assertIn(("X-Request-ID", pedido.request_id), pedido.headers)

    async def test_corpo_declarado_grande_413_sem_ler(self):
        chamado = []

        async def receive():
            chamado.append(1)
        e = await self.recusa(scope(method="POST", headers=[("content-length", str(lm.MAX_BODY_SIZE + 1))]),
                              receive)
        self.assertEqual((e.status, e.drenar), (413, True))
        self.assertEqual(e.mensagem, "corpo da requisição maior que o limite de 1 MiB")
        self.assertEqual(chamado, [], "o corpo nem começa a ser lido")

    async def test_corpo_chunked_grande_413_ao_passar(self):
        with mock.patch.object(lm, "MAX_BODY_SIZE", 10):
            e = await self.recusa(scope(method="POST", headers=[("transfer-encoding", "chunked")]),
                                  receber(b"x" * 6, b"x" * 6, b"nunca lido"))
        self.assertEqual((e.status, e.mensagem), (413, "corpo da requisição maior que o limite de 10 bytes"))

    async def test_corpo_em_partes_junto(self):
        pedido = await lm.ler_pedido(scope(method="POST", headers=[("content-length", "6")]),
                                     receber(b"abc", b"def"))
        self.assertEqual(pedido.body, b"abcdef")

    async def test_corpo_que_para_408_entre_leituras(self):
        with mock.patch.object(lm, "BODY_READ_TIMEOUT", 0.2):
            t0 = time.monotonic()
            e = await self.recusa(scope(method="POST", headers=[("content-length", "10")]), receber(b"ab", fim=False))
        self.assertEqual((e.status, e.mensagem), (408, "tempo esgotado esperando o corpo da requisição"))
        self.assertLess(time.monotonic() - t0, 1)

    async def test_corpo_a_conta_gotas_408_no_total(self):
        async def gotas():
            await asyncio.sleep(0.05)
            return {"type": "http.request", "body": b"x", "more_body": True}
        with mock.patch.object(lm, "BODY_TOTAL_TIMEOUT", 0.3):
            t0 = time.monotonic()
            e = await self.recusa(scope(method="POST", headers=[("content-length", "1000")]), gotas)
        self.assertEqual(e.status, 408)
        self.assertLess(time.monotonic() - t0, 1)

    async def test_chunked_malformado_400(self):
        # o granian entrega um erro do corpo (chunked malformado) como http.disconnect
        e = await self.recusa(scope(method="POST", headers=[("transfer-encoding", "chunked")]),
                              receber(b"ab", b"cd", fim=False, depois={"type": "http.disconnect"}))
        self.assertEqual((e.status, e.mensagem), (400, "corpo da requisição incompleto ou malformado"))


class RecusarTest(unittest.IsolatedAsyncioTestCase):
    async def test_413_responde_e_drena_no_maximo_drenar_por(self):
        enviados, lidos = [], []

        async def send(m):
            enviados.append(m)

        async def gotas():  # um cliente que manda o resto devagar, para sempre
            lidos.append(1)
            await asyncio.sleep(0.05)
            return {"type": "http.request", "body": b"x", "more_body": True}
        with mock.patch.object(lm, "DRENAR_POR", 0.3):
            t0 = time.monotonic()
            await lm.recusar(lm.Recusa(413, "grande", True), {"request_id": "r1"}, gotas, send)
        self.assertLess(time.monotonic() - t0, 0.6)
        self.assertEqual(enviados[0]["status"], 413)
        self.assertIn((b"connection", b"close"), enviados[0]["headers"])
        self.assertIn((b"x-request-id", b"r1"), enviados[0]["headers"])
        self.assertEqual(enviados[1]["body"], '{"erro":"grande"}\n'.encode())
        self.assertGreater(len(lidos), 2, "o resto do corpo foi lido (e jogado fora)")


class UpstreamTest(ComServicos):
    async def test_repasse_transparente(self):
        falso = await self.servico(lambda c, b: http(201, b"corpo", [b"X-Servido-Por: r1", b"Connection: keep-alive",
                                                                      b"Server: granian"]))
        up = self.upstream(f"http://127.0.0.1:{falso.port}")
        resp = await self.get(up, "/users/a%20b?x=1", "POST", b"{}", [("X-Request-ID", "id1"), ("x-outro", "v")])
        self.assertEqual((resp.status, resp.body), (201, b"corpo"))
        self.assertIn((b"X-Servido-Por", b"r1"), resp.headers)
        self.assertIn((b"Server", b"granian"), resp.headers)
        self.assertNotIn(b"connection", [n.lower() for n, _ in resp.headers])
        pedido = falso.pedidos[0]
        self.assertTrue(pedido[0].startswith(b"POST /users/a%20b?x=1 HTTP/1.1\r\n"))
        self.assertEqual(pedido[1], b"{}")
        self.assertEqual((cabecalho(pedido, b"Host"), cabecalho(pedido, b"X-Request-ID")), (b"gw", b"id1"))
        for auto in (b"User-Agent", b"Accept", b"Accept-Encoding", b"Content-Type"):
            self.assertIsNone(cabecalho(pedido, auto), f"o aiohttp não inventa {auto!r}")

    async def travado(self):
        """Um serviço falso que só responde depois de soltar.set(), e o Upstream dele."""
        soltar = asyncio.Event()

        def roteiro(c, b):
            async def responder(writer):
                await soltar.wait()
                writer.write(http())
            return responder
        falso = await self.servico(roteiro)
        return soltar, falso, self.upstream(f"http://127.0.0.1:{falso.port}")

    async def test_bulkhead_503_ocupado_depois_da_espera(self):
        soltar, falso, up = await self.travado()
        with mock.patch.object(lm, "VAGAS", 2), mock.patch.object(lm, "ESPERA_VAGA", 0.05):
            presos = [asyncio.create_task(self.get(up)) for _ in range(2)]
            while len(falso.pedidos) < 2:
                await asyncio.sleep(0.01)
            t0 = time.monotonic()
            with self.assertRaises(lm.FalhaUpstream) as ctx:
                await self.get(up)
            self.assertGreaterEqual(time.monotonic() - t0, 0.04, "esperou pela vaga")
            self.assertLess(time.monotonic() - t0, 0.2, "e não mais que ESPERA_VAGA")
            self.assertEqual((ctx.exception.status, ctx.exception.mensagem), (503, "users_service ocupado"))
            self.assertEqual(len(falso.pedidos), 2, "o terceiro não chegou ao serviço")
            soltar.set()
            self.assertEqual([(await p).status for p in presos], [200, 200])
            self.assertEqual((await self.get(up)).status, 200, "as vagas voltam")
        self.assertEqual(up.ocupadas, 0)

    async def test_bulkhead_vaga_que_abre_na_espera(self):
        soltar, falso, up = await self.travado()
        with mock.patch.object(lm, "VAGAS", 1), mock.patch.object(lm, "ESPERA_VAGA", 2.0):
            preso = asyncio.create_task(self.get(up))
            while not falso.pedidos:
                await asyncio.sleep(0.01)
            terceiro = asyncio.create_task(self.get(up))
            await asyncio.sleep(0.05)
            self.assertFalse(terceiro.done(), "espera pela vaga")
            soltar.set()
            self.assertEqual([(await preso).status, (await terceiro).status], [200, 200])
        self.assertEqual(up.ocupadas, 0)

    async def falha(self, roteiro, limite, valor):
        """A FalhaUpstream de um GET a um serviço falso com `roteiro`, com limites.`limite` = valor,
        e quantos segundos ela levou."""
        falso = await self.servico(roteiro)
        with mock.patch.object(lm, limite, valor):
            up = self.upstream(f"http://127.0.0.1:{falso.port}")
            t0 = time.monotonic()
            with self.assertRaises(lm.FalhaUpstream) as ctx:
                await self.get(up)
        self.up = up
        return ctx.exception, time.monotonic() - t0

    async def test_travado_504_no_read_timeout(self):
        e, segundos = await self.falha(lambda c, b: lambda writer: asyncio.sleep(10), "READ_TIMEOUT", 0.3)
        self.assertLess(segundos, 1)
        self.assertEqual((e.status, e.mensagem), (504, "users_service não respondeu em 0.3 s"))

    async def test_corpo_parado_504_no_read_timeout(self):
        def para(c, b):
            async def responder(writer):
                writer.write(http(body=b"x" * 50)[:-50])  # os cabeçalhos, e o corpo nunca chega
                await asyncio.sleep(10)
            return responder
        e, segundos = await self.falha(para, "READ_TIMEOUT", 0.3)
        self.assertLess(segundos, 1)
        self.assertEqual(e.status, 504)

    async def test_a_conta_gotas_504_no_total(self):
        def lento(c, b):
            async def responder(writer):
                writer.write(http(body=b"x" * 50)[:-50])
                for _ in range(50):
                    writer.write(b"x")
                    await asyncio.sleep(0.1)
            return responder
        e, segundos = await self.falha(lento, "TOTAL_TIMEOUT", 0.5)
        self.assertLess(segundos, 1)
        self.assertEqual((e.status, e.mensagem), (504, "users_service não respondeu em 0.5 s"))

    async def test_recusado_503(self):
        with socket.socket() as livre:
            livre.bind(("127.0.0.1", 0))
            port = livre.getsockname()[1]
        up = self.upstream(f"http://127.0.0.1:{port}")
        with self.assertRaises(lm.FalhaUpstream) as ctx:
            await self.get(up)
        self.assertEqual((ctx.exception.status, ctx.exception.mensagem), (503, "users_service indisponível"))

    async def replicas(self, *roteiros):
        """Um Upstream com um nome que resolve para 127.0.0.1, .2 e .3 (mesma porta)."""
        primeiro = await self.servico(roteiros[0])
        falsos = [primeiro] + [await self.servico(r, f"127.0.0.{i + 2}", primeiro.port)
                               for i, r in enumerate(roteiros[1:])]
        infos = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (f"127.0.0.{i + 1}", primeiro.port))
                 for i in range(len(roteiros))]
        p = mock.patch("socket.getaddrinfo", return_value=infos)
        p.start()
        self.addCleanup(p.stop)
        return falsos, self.upstream(f"http://servico:{primeiro.port}")

    async def test_rodizio_entre_replicas(self):
        falsos, up = await self.replicas(eco, eco, eco)
        for _ in range(6):
            await self.get(up)
        self.assertEqual([len(f.pedidos) for f in falsos], [2, 2, 2])

    async def test_replica_fora_do_ar_pulada_ate_para_post(self):
        falsos, up = await self.replicas(eco, eco)
        await falsos[1].fechar()
        await asyncio.sleep(0.05)
        with self.assertLogs("gateway", "WARNING") as logs:
            for method in ("POST", "GET", "POST", "GET"):
                self.assertEqual((await self.get(up, method=method, body=b"{}")).status, 200)
        self.assertEqual(len(falsos[0].pedidos), 4)
        self.assertIn("fora do rodízio por 5 s", "\n".join(logs.output))

    async def test_cortada_depois_de_enviar_get_tenta_outra_post_nao(self):
        def corta(c, b):
            async def responder(writer):
                writer.transport.abort()
            return responder
        falsos, up = await self.replicas(corta, eco)
        self.assertEqual((await self.get(up)).body, b"/users", "GET: na outra réplica")
        up._fora_ate.clear()
        up._vez = iter([0, 0])  # a próxima escolha é a primeira réplica, a que corta
        with self.assertRaises(lm.FalhaUpstream) as ctx:
            await self.get(up, method="POST", body=b"{}")
        self.assertEqual(ctx.exception.status, 503)
        self.assertEqual(len(falsos[1].pedidos), 1, "o POST não foi repetido em outra réplica")

    async def test_conexao_do_pool_fechando_get_tenta_outra_post_503(self):
        # a réplica morreu (docker kill) com uma conexão no pool: o aiohttp a acha fechando na hora
        # de escrever ("Cannot write to closing transport") e não repete; antes, isso dava 500
        falsos, up = await self.replicas(eco, eco)
        original, falhas = aiohttp.ClientSession.request, []

        async def request(sessao, method, url, **kw):
            if not falhas:
                falhas.append(url)
                raise aiohttp.ClientConnectionResetError("Cannot write to closing transport")
            return await original(sessao, method, url, **kw)
        with mock.patch.object(aiohttp.ClientSession, "request", request), self.assertLogs("gateway", "WARNING"):
            self.assertEqual((await self.get(up)).status, 200, "GET: na outra réplica")
            falhas.clear()
            up._fora_ate.clear()
            with self.assertRaises(lm.FalhaUpstream) as ctx:
                await self.get(up, method="POST", body=b"{}")
        self.assertEqual(ctx.exception.status, 503)
        self.assertEqual(sum(len(f.pedidos) for f in falsos), 1, "o POST não foi repetido")

    async def test_conexao_caida_no_meio_do_corpo_502(self):
        falso = await self.servico(eco)
        up = self.upstream(f"http://127.0.0.1:{falso.port}")
        with mock.patch.object(aiohttp.ClientResponse, "read", side_effect=aiohttp.ServerDisconnectedError()), \
                self.assertLogs("gateway", "WARNING"), self.assertRaises(lm.FalhaUpstream) as ctx:
            await self.get(up)
        self.assertEqual((ctx.exception.status, ctx.exception.mensagem), (502, "users_service cortou a resposta no meio"))

    async def test_resposta_antes_de_ler_o_corpo(self):
        # o users_service responde 405 a um POST sem ler o corpo, e fecha
        def recusa(c, b):
            async def responder(writer):
                writer.write(http(405, b'{"erro":"metodo"}', [b"Connection: close"]))
                await writer.drain()
                writer.close()
            return responder
        falso = await self.servico(recusa, ler_corpo=False)
        up = self.upstream(f"http://127.0.0.1:{falso.port}")
        for _ in range(3):
            resp = await self.get(up, method="POST", body=b" " * 900 * 1024)
            self.assertEqual((resp.status, resp.body), (405, b'{"erro":"metodo"}'))
        self.assertEqual(up._fora_ate, {}, "a réplica não sai do rodízio")

    async def test_servico_que_se_comporta_mal_nao_mistura_respostas(self):
        # cada pedido recebe o próprio caminho de volta; as armadilhas tentam fazer o
        # pedido seguinte, na mesma conexão do pool, ler a resposta de outro
        def mau(c, b):
            alvo = c.split(b" ")[1]
            if alvo.startswith(b"/continue"):
                return b"HTTP/1.1 100 Continue\r\n\r\n" + http(body=alvo)
            if alvo.startswith(b"/sobra"):
                return http(body=alvo, extra=http(body=b"/falsa"))
            if alvo.startswith(b"/negativo"):
                return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nxx\r\n0\r\n\r\n"
            return http(body=alvo)
        falso = await self.servico(mau)
        up = self.upstream(f"http://127.0.0.1:{falso.port}")
        for armadilha in ("/continue/1", "/sobra/2", "/negativo/3"):
            with self.subTest(armadilha=armadilha):
                try:
                    resp = await self.get(up, armadilha)
                    self.assertEqual((resp.status, resp.body), (200, armadilha.encode()))
                except lm.FalhaUpstream as e:
                    self.assertEqual(e.status, 502)
                for i in range(3):
                    self.assertEqual((await self.get(up, f"/depois/{i}")).body, f"/depois/{i}".encode())

    async def test_resposta_grande_declarada_502_sem_ler(self):
        e, _ = await self.falha(lambda c, b: http(body=b"x" * 2000), "MAX_RESPONSE_SIZE", 1000)
        self.assertEqual((e.status, e.mensagem), (502, "users_service respondeu mais que o limite de 1000 bytes"))
        self.assertEqual((self.up.ocupadas, len(self.up._sessao.connector._acquired)), (0, 0),
                         "a vaga e a conexão foram devolvidas")

    async def test_resposta_sem_fim_502_no_limite(self):
        def sem_fim(c, b):
            async def responder(writer):
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for _ in range(10000):
                    writer.write(b"400\r\n" + b"x" * 1024 + b"\r\n")
                    await writer.drain()
            return responder
        e, _ = await self.falha(sem_fim, "MAX_RESPONSE_SIZE", 100 * 1024)
        self.assertEqual(e.status, 502)

    async def test_resposta_chunked_inteira_com_content_length(self):
        corpo = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (b"abc", b"de")) + b"0\r\n\r\n"
        falso = await self.servico(lambda c, b: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + corpo)
        up = self.upstream(f"http://127.0.0.1:{falso.port}")
        resp = await self.get(up)
        self.assertEqual((resp.body, resp.com_tamanho), (b"abcde", False))

    async def test_resposta_grande_em_blocos_inteira(self):
        corpo = bytes(range(256)) * 4096  # 1 MiB
        falso = await self.servico(lambda c, b: http(body=corpo))
        up = self.upstream(f"http://127.0.0.1:{falso.port}")
        resp = await self.get(up)
        self.assertIsNotNone(resp.blocos)
        self.assertEqual(resp.body, corpo)
        self.assertIn((b"content-length", b"1048576"), resp.headers)
        self.assertEqual(up.ocupadas, 0)
        self.assertEqual((await self.get(up)).status, 200)
        self.assertEqual(falso.conexoes, 1, "a conexão voltou ao pool")

    async def test_get_do_gateway_le_a_resposta_inteira(self):
        falso = await self.servico(lambda c, b: http(body=b"[" + b"1," * 50000 + b"1]"))
        up = self.upstream(f"http://127.0.0.1:{falso.port}")
        resp = await up.get("/users", "rid")
        self.assertIsNone(resp.blocos, "a composição e o /health leem o corpo aqui")
        self.assertEqual(len(resp.dados()), 50001)
        self.assertEqual(up.ocupadas, 0)

    async def test_resposta_em_blocos_cortada_no_prazo(self):
        def lento(c, b):
            async def responder(writer):
                writer.write(http(body=b"x" * 200 * 1024)[:-150 * 1024])
                await asyncio.sleep(5)
            return responder
        falso = await self.servico(lento)
        with mock.patch.object(lm, "TOTAL_TIMEOUT", 0.4):
            up = self.upstream(f"http://127.0.0.1:{falso.port}")
            resp = await up.request("GET", "/users", [])
            enviados = []

            async def send(m):
                enviados.append(m)
            t0 = time.monotonic()
            with self.assertLogs("gateway", "WARNING"):
                await resp.blocos.enviar(send, {"type": "http.response.start"})
        self.assertLess(time.monotonic() - t0, 1)
        self.assertTrue(all(m.get("more_body") for m in enviados[1:]), "sem a mensagem final: a conexão é cortada")
        self.assertEqual(up.ocupadas, 0)


if __name__ == "__main__":
    unittest.main()
