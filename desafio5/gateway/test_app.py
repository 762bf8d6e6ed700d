"""Testes unitários do gateway (app.py): as rotas, o repasse, a composição, o /health e os erros.

Rodam no estágio de teste da imagem: docker build --target test desafio5/gateway
A função ASGI é chamada como o granian a chamaria (scope, receive, send), e os dois
serviços são falsos de verdade em 127.0.0.1 (os de test_limites.py).
"""
import asyncio
import contextlib
import io
import json
import unittest
import urllib.parse

import app as gw
import limites as lm
from test_limites import ComServicos, http, receber


class GatewayTest(ComServicos):
    async def asyncSetUp(self):
        self.users = await self.servico(self.responder_users)
        self.orders = await self.servico(lambda c, b: http(body=b'[{"id":101}]'))
        self.respostas_users = []
        gw.SERVICOS["users"] = self.upstream(f"http://127.0.0.1:{self.users.port}", "users_service")
        gw.SERVICOS["orders"] = self.upstream(f"http://127.0.0.1:{self.orders.port}", "orders_service")

    def responder_users(self, cabecalho, corpo):
        if self.respostas_users:
            return self.respostas_users.pop(0)
        return http(body=b'{"id":1,"nome":"Ana"}', headers=[b"X-Servido-Por: replica-1"])

    async def chamar(self, path="/users", method="GET", headers=(), partes=()):
        """O gateway inteiro, como o granian o chama; guarda os cabeçalhos e o corpo da resposta."""
        caminho, _, query = path.partition("?")
        scope = {"type": "http", "method": method, "path": urllib.parse.unquote(caminho),
                 "raw_path": caminho.encode(), "query_string": query.encode(),
                 "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
                 "client": ("10.0.0.7", 40000), "http_version": "1.1"}
        enviados = []

        async def send(mensagem):
            enviados.append(mensagem)
        saida = io.StringIO()  # o log de acesso (stdout)
        try:
            with contextlib.redirect_stdout(saida):
                try:
                    await gw.app(scope, receber(*partes), send)
                finally:
                    gw.log_de_acesso.escrever()  # o lote já (o gateway o escreve em até ESPERA s)
        finally:
            self.log = saida.getvalue()
        inicio = enviados[0]
        self.headers = {k.decode(): v.decode() for k, v in inicio["headers"]}
        self.body = b"".join(m.get("body", b"") for m in enviados[1:])
        return inicio["status"]

    def json(self):
        return json.loads(self.body)

    async def test_repasse_transparente(self):
        self.respostas_users.append(http(404, b'{"erro":"x"}\n', [b"X-Servido-Por: r9"]))
        self.assertEqual(await self.chamar("/users/9/extra?a=1&b=%20", headers=[("Host", "gw:5004")]), 404)
        self.assertEqual(self.body, b'{"erro":"x"}\n')
        self.assertEqual((self.headers["Content-Type"], self.headers["X-Servido-Por"]), ("application/json", "r9"))
        self.assertEqual(self.headers["content-length"], "13")
        cabecalho = self.users.pedidos[0][0]
        self.assertTrue(cabecalho.startswith(b"GET /users/9/extra?a=1&b=%20 HTTP/1.1\r\n"), cabecalho)
        self.assertIn(b"\r\nHost: gw:5004\r\n", cabecalho, "o Host do cliente chega ao serviço")

    async def test_caminhos_que_o_servico_responde_sao_repassados(self):
        # (um id de 5.000 dígitos não é a composição: o int() do Python recusaria, com um 500)
        for path in ("/users//1", "/users/", "/users/a%20b/%C3%A9", "/users/1/orders/2",
                     f"/users/{'9' * 5000}/orders"):
            with self.subTest(path=path):
                self.respostas_users.append(http(308, b"redirecionando"))
                self.assertEqual(await self.chamar(path), 308)
                self.assertTrue(self.users.pedidos[-1][0].startswith(f"GET {path} ".encode()))

    async def test_post_com_corpo(self):
        self.assertEqual(await self.chamar("/orders", "POST", [("Content-Length", "7"), ("content-type", "x/y")],
                                           [b'{"x":', b"1}"]), 200)
        cabecalho, corpo = self.orders.pedidos[0]
        self.assertEqual(corpo, b'{"x":1}')
        self.assertIn(b"\r\ncontent-type: x/y\r\n", cabecalho)

    async def test_request_id_mantido_ou_criado(self):
        await self.chamar("/orders", headers=[("X-Request-ID", "abc-123")])
        self.assertEqual(self.headers["x-request-id"], "abc-123")
        self.assertIn(b"\r\nX-Request-ID: abc-123\r\n", self.orders.pedidos[0][0])
        await self.chamar("/orders", headers=[("X-Request-ID", "x" * 300)])
        self.assertRegex(self.headers["x-request-id"], r"^[0-9a-f]{32}$")
        self.assertIn(f"\r\nX-Request-ID: {self.headers['x-request-id']}\r\n".encode(), self.orders.pedidos[1][0])

    async def test_log_de_acesso_uma_linha_com_o_request_id(self):
        await self.chamar("/users/1?senha=x", headers=[("X-Request-ID", "log-1")])
        self.assertEqual(self.log, '10.0.0.7 "GET /users/1 HTTP/1.1" 200 request_id=log-1\n')
        await self.chamar("/users/a%0Ab")  # o criado pelo gateway; o caminho como veio
        self.assertEqual(self.log, '10.0.0.7 "GET /users/a%0Ab HTTP/1.1" 200 request_id='
                         f'{self.headers["x-request-id"]}\n')
        await self.chamar("/users", "POST", [("Content-Length", str(lm.MAX_BODY_SIZE + 1))])
        self.assertRegex(self.log, r'^10\.0\.0\.7 "POST /users HTTP/1\.1" 413 request_id=[0-9a-f]{32}\n$')

    async def test_log_de_acesso_499_quando_o_cliente_sai(self):
        async def demora(pedido):
            raise asyncio.CancelledError  # (o granian cancela a tarefa de quem desconectou)
        gw.ROTAS.insert(0, (gw.re.compile("/demora"), demora))
        self.addCleanup(gw.ROTAS.pop, 0)
        with self.assertRaises(asyncio.CancelledError):
            await self.chamar("/demora", headers=[("X-Request-ID", "saiu")])
        self.assertEqual(self.log, '10.0.0.7 "GET /demora HTTP/1.1" 499 request_id=saiu\n')

    async def test_composicao(self):
        self.assertEqual(await self.chamar("/users/1/orders", headers=[("X-Request-ID", "comp-1")]), 200)
        self.assertEqual(self.json(), {"usuario": {"id": 1, "nome": "Ana"}, "pedidos": [{"id": 101}]})
        self.assertTrue(self.orders.pedidos[0][0].startswith(b"GET /orders?user_id=1 HTTP/1.1"))
        self.assertIn(b"X-Request-ID: comp-1", self.orders.pedidos[0][0])

    async def test_composicao_usuario_inexistente_404(self):
        self.respostas_users.append(http(404, b'{"erro":"nao"}'))
        self.assertEqual(await self.chamar("/users/99/orders"), 404)
        self.assertEqual(self.json(), {"erro": "nao"})
        self.assertEqual(self.orders.pedidos, [], "não consulta pedidos")

    async def test_health_por_upstream(self):
        await self.orders.fechar()
        self.assertEqual(await self.chamar("/health"), 200)
        self.assertEqual(self.json(), {"gateway": "ok", "status": "degradado", "upstreams": {
            "users_service": "ok", "orders_service": "orders_service indisponível"}})

    async def test_servico_fora_do_ar_503_e_o_outro_segue(self):
        await self.users.fechar()
        self.assertEqual(await self.chamar("/users"), 503)
        self.assertEqual(self.json(), {"erro": "users_service indisponível", "servico": "users_service"})
        self.assertEqual(await self.chamar("/orders"), 200)

    async def test_rota_desconhecida_e_metodos_404_405(self):
        for path, method, status, erro in (("/nada", "GET", 404, "recurso não encontrado"),
                                           ("/usersx", "GET", 404, "recurso não encontrado"),
                                           ("*", "OPTIONS", 404, "recurso não encontrado"),
                                           ("/health", "POST", 405, "método não permitido"),
                                           ("/users/1/orders", "POST", 405, "método não permitido"),
                                           ("/users/1/orders", "DELETE", 405, "método não permitido"),
                                           ("/users", "TRACE", 405, "método não permitido")):
            with self.subTest(path=path, method=method):
                self.assertEqual(await self.chamar(path, method), status)
                self.assertEqual(self.json(), {"erro": erro})
        self.assertEqual((self.users.pedidos, self.orders.pedidos), ([], []), "nenhum serviço consultado")

    async def test_recusas_da_porta_em_json(self):
        self.assertEqual(await self.chamar("/users", headers=[("Host", "a"), ("Host", "b")]), 400)
        self.assertEqual(self.json(), {"erro": "mais de um cabeçalho Host"})
        self.assertEqual(self.headers["connection"], "close")
        self.assertEqual(await self.chamar("/users", "POST", [("Content-Length", str(lm.MAX_BODY_SIZE + 1)),
                                                             ("X-Request-ID", "grande")]), 413)
        self.assertEqual(self.json(), {"erro": "corpo da requisição maior que o limite de 1 MiB"})
        self.assertEqual(self.headers["x-request-id"], "grande")
        self.assertEqual(self.users.pedidos, [], "o serviço nem é consultado")

    async def test_erro_inesperado_500_sem_traceback(self):
        async def quebra(pedido):
            raise RuntimeError("segredo interno")
        gw.ROTAS.insert(0, (gw.re.compile("/quebra"), quebra))
        self.addCleanup(gw.ROTAS.pop, 0)
        with self.assertLogs("gateway", "ERROR"):
            self.assertEqual(await self.chamar("/quebra"), 500)
        self.assertEqual(self.json(), {"erro": "erro interno do servidor"})


if __name__ == "__main__":
    unittest.main()
