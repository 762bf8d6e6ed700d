"""Testes unitários do gateway: rotas, repasse transparente, X-Request-ID, limite do corpo e erros.

Rodam dentro da imagem: docker compose run --rm --no-deps gateway python -m unittest -v
Nada de rede: getaddrinfo e as conexões do transporte são dublês com roteiro (o
transporte em si tem os seus testes, em test_transporte.py).
"""
import io
import unittest
from unittest import mock

from werkzeug.test import EnvironBuilder, run_wsgi_app

import app as gw
import transporte
from test_transporte import FakeConexao


def resposta(status=200, body=b'{"ok":true}\n', content_type="application/json",
             servido_por="replica-1"):
    return transporte.Resposta(status, "OK", [("Content-Type", content_type),
                                      ("Content-Length", str(len(body))),
                                      ("X-Servido-Por", servido_por), ("Server", "granian")], body)


class GatewayTest(unittest.TestCase):
    def setUp(self):
        FakeConexao.criadas, FakeConexao.tentativas = [], []
        FakeConexao.roteiro = {"respostas": [], "connect": {}}
        self.dns = {"users_service": ["10.0.0.1"], "orders_service": ["10.0.1.1"]}
        patches = [mock.patch.object(transporte, "conectar", FakeConexao),
                   mock.patch.object(transporte.socket, "getaddrinfo", self.fake_getaddrinfo)]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        gw.UPSTREAMS.clear()
        gw.UPSTREAMS.update({nome: gw.Upstream(nome, url) for nome, url in gw.UPSTREAM_URLS.items()})
        self.client = gw.app.test_client()

    def fake_getaddrinfo(self, host, port, type=0):
        if not self.dns.get(host):
            raise OSError(-2, "Name or service not known")
        return [(2, 1, 6, "", (ip, port)) for ip in self.dns[host]]

    def responder(self, *passos):
        FakeConexao.roteiro["respostas"].extend(passos)

    def hosts(self):
        """Os endereços a que o gateway tentou conectar, na ordem."""
        return list(FakeConexao.tentativas)

    def assertErro(self, resp, status, servico, mensagem=None):
        self.assertEqual(resp.status_code, status)
        self.assertEqual(resp.mimetype, "application/json")
        self.assertEqual(resp.get_json()["servico"], servico)
        if mensagem:
            self.assertEqual(resp.get_json()["erro"], mensagem)

    def test_repasse_transparente(self):
        self.responder(resposta(404, b'{"erro":"x"}\n', "application/json; charset=x"))
        resp = self.client.get("/users/9/extra?a=1&b=2")
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(resp.data, b'{"erro":"x"}\n')
        self.assertEqual(resp.headers["Content-Type"], "application/json; charset=x")
        self.assertEqual(resp.headers["X-Servido-Por"], "replica-1")
        self.assertNotIn("granian", resp.headers.get("Server", ""))
        conn = FakeConexao.criadas[0]
        self.assertEqual((conn.host, conn.port, conn.host_header),
                         ("10.0.0.1", 5003, "users_service:5003"))
        self.assertEqual(conn.requests[0][:2], ("GET", "/users/9/extra?a=1&b=2"))

    def test_caminho_codificado_de_novo(self):
        self.responder(resposta())
        self.client.get("/users/a%20b/%C3%A9")
        self.assertEqual(FakeConexao.criadas[0].requests[0][1], "/users/a%20b/%C3%A9")

    def test_metodo_corpo_e_cabecalhos_repassados(self):
        self.responder(resposta(201))
        resp = self.client.post("/orders", data=b'{"x":1}', content_type="application/json",
                                headers={"X-Outro": "sim", "Proxy": "http://mau:1"})
        self.assertEqual(resp.status_code, 201)
        method, path, body, headers = FakeConexao.criadas[0].requests[0]
        self.assertEqual((method, path, body), ("POST", "/orders", b'{"x":1}'))
        self.assertEqual(headers["x-outro"], "sim")
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["host"], "localhost", "o Host do cliente chega ao serviço")
        self.assertNotIn("proxy", headers, "httpoxy: o cabeçalho Proxy não atravessa")

    def test_request_id_mantido_ou_criado(self):
        self.responder(resposta(), resposta())
        resp = self.client.get("/orders", headers={"X-Request-ID": "abc-123"})
        self.assertEqual(resp.headers["X-Request-ID"], "abc-123")
        self.assertEqual(FakeConexao.criadas[0].requests[0][3]["X-Request-ID"], "abc-123")
        resp = self.client.get("/orders")
        self.assertRegex(resp.headers["X-Request-ID"], r"^[0-9a-f]{32}$")
        enviado = FakeConexao.criadas[0].requests[1][3]
        self.assertEqual(enviado["X-Request-ID"], resp.headers["X-Request-ID"])

    def test_nome_que_nao_resolve_503(self):
        self.dns["users_service"] = []
        self.assertErro(self.client.get("/users"), 503, "users_service", "users_service indisponível")

    def test_servico_travado_504(self):
        self.responder(TimeoutError("lento"))
        self.assertErro(self.client.get("/orders/101"), 504, "orders_service",
                        "orders_service não respondeu em 2 s")
        self.assertTrue(FakeConexao.criadas[0].closed, "conexão travada não volta ao pool")

    def test_metodo_desconhecido_405_json(self):
        resp = self.client.open("/users", method="TRACE")
        self.assertEqual(resp.status_code, 405)
        self.assertEqual(resp.get_json(), {"erro": "método não permitido"})

    def test_composicao(self):
        self.responder(resposta(body=b'{"id":1,"nome":"Ana"}'), resposta(body=b'[{"id":101}]'))
        resp = self.client.get("/users/1/orders", headers={"X-Request-ID": "comp-1"})
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.get_json(), {"usuario": {"id": 1, "nome": "Ana"},
                                           "pedidos": [{"id": 101}]})
        self.assertEqual(FakeConexao.criadas[1].requests[0][1], "/orders?user_id=1")
        self.assertEqual(FakeConexao.criadas[1].requests[0][3]["X-Request-ID"], "comp-1")

    def test_composicao_usuario_inexistente_404(self):
        self.responder(resposta(404, b'{"erro":"nao"}'))
        resp = self.client.get("/users/99/orders")
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(len(FakeConexao.criadas), 1, "não consulta pedidos")

    def test_health_por_upstream(self):
        FakeConexao.roteiro["connect"]["10.0.1.1"] = ConnectionRefusedError("fora")
        self.responder(resposta())
        body = self.client.get("/health").get_json()
        self.assertEqual(body["upstreams"], {"users_service": "ok",
                                             "orders_service": "orders_service indisponível"})
        self.assertEqual(body["status"], "degradado")

    def test_rota_desconhecida_json(self):
        for path in ("/nada", "/usersx", "/orders2"):
            with self.subTest(path=path):
                resp = self.client.get(path)
                self.assertEqual(resp.status_code, 404)
                self.assertEqual(resp.get_json(), {"erro": "recurso não encontrado"})
        self.assertEqual(FakeConexao.tentativas, [], "nenhum serviço consultado")

    def test_caminhos_que_o_servico_responde_sao_repassados(self):
        # /users//1: o serviço responde 308 (barras juntas), e é essa a resposta que vale
        for path in ("/users//1", "/users/", "/orders//101"):
            with self.subTest(path=path):
                self.responder(resposta(308, b"redirecionando", "text/html"))
                resp = self.client.get(path)
                self.assertEqual(resp.status_code, 308)
                self.assertEqual(resp.data, b"redirecionando")
                self.assertEqual(FakeConexao.criadas[-1].requests[-1][1], path)

    def post_grande(self, tamanho, chunked=False, limite=1024):
        """POST /users com um corpo de `tamanho` bytes; com chunked, sem Content-Length."""
        entrada = io.BytesIO(b"x" * tamanho)
        environ = EnvironBuilder("/users", method="POST", input_stream=entrada, content_length=tamanho,
                                 headers={"X-Request-ID": "grande"}).get_environ()
        if chunked:  # como o granian entrega um corpo chunked: sem CONTENT_LENGTH
            del environ["CONTENT_LENGTH"]
            environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        with mock.patch.object(gw, "MAX_BODY_SIZE", limite):  # (o test client recalcularia o tamanho)
            corpo, status, headers = run_wsgi_app(gw.app, environ, buffered=True)  # com a drenagem
        return gw.app.response_class(corpo, status=status, headers=headers), entrada

    def test_corpo_declarado_maior_que_o_limite_413_sem_consultar_o_servico(self):
        resp, entrada = self.post_grande(1025)
        self.assertEqual(resp.status_code, 413)
        self.assertEqual(resp.get_json(), {"erro": "corpo da requisição maior que o limite de 1 KiB"})
        self.assertEqual(resp.headers["X-Request-ID"], "grande")
        self.assertEqual(resp.headers["Connection"], "close")
        self.assertEqual(FakeConexao.tentativas, [], "o serviço nem é consultado")
        self.assertEqual(entrada.tell(), 1025, "o resto do corpo é lido e descartado depois da resposta")

    def test_corpo_chunked_maior_que_o_limite_413(self):
        resp, _ = self.post_grande(200 * 1024, chunked=True, limite=100 * 1024)
        self.assertEqual(resp.status_code, 413)
        self.assertEqual(resp.get_json(), {"erro": "corpo da requisição maior que o limite de 100 KiB"})
        self.assertEqual(FakeConexao.tentativas, [])

    def test_corpo_no_limite_e_repassado(self):
        for chunked in (False, True):
            with self.subTest(chunked=chunked):
                self.responder(resposta(201))
                resp, _ = self.post_grande(100 * 1024, chunked=chunked, limite=100 * 1024)
                self.assertEqual(resp.status_code, 201)
                self.assertEqual(FakeConexao.criadas[0].requests[-1][2], b"x" * 100 * 1024)

    def test_limite_do_corpo_vale_em_qualquer_caminho(self):
        with mock.patch.object(gw, "MAX_BODY_SIZE", 10):
            resp = self.client.post("/health", data=b"x" * 11)
        self.assertEqual(resp.status_code, 413)
        self.assertEqual(resp.get_json(), {"erro": "corpo da requisição maior que o limite de 10 bytes"})


if __name__ == "__main__":
    unittest.main()
