"""Testes unitários do gateway: repasse transparente, X-Request-ID, pool e erros.

Rodam dentro da imagem: docker compose run --rm --no-deps gateway python -m unittest -v
"""
import http.client
import unittest
from unittest import mock

import app as gw


class FakeResponse:
    def __init__(self, status=200, body=b'{"ok":true}\n', content_type="application/json",
                 will_close=False):
        self.status, self._body, self.will_close = status, body, will_close
        self._ctype = content_type

    def read(self):
        return self._body

    def getheader(self, name):
        return self._ctype if name == "Content-Type" else None


class FakeConnection:
    """Dublê de http.client.HTTPConnection: registra chamadas e segue um roteiro."""
    criadas = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock, self.requests, self.closed = None, [], False
        FakeConnection.criadas.append(self)

    def connect(self):
        erro = FakeConnection.roteiro.get("connect")
        if erro:
            raise erro
        self.sock = mock.Mock()

    def request(self, method, path, body=None, headers=None):
        self.requests.append((method, path, body, headers))

    def getresponse(self):
        passo = FakeConnection.roteiro["respostas"].pop(0)
        if isinstance(passo, BaseException):
            raise passo
        return passo

    def close(self):
        self.closed = True
        self.sock = None


class GatewayTest(unittest.TestCase):
    def setUp(self):
        FakeConnection.criadas = []
        FakeConnection.roteiro = {"respostas": []}
        p = mock.patch.object(gw.http.client, "HTTPConnection", FakeConnection)
        p.start()
        self.addCleanup(p.stop)
        gw.UPSTREAMS = {nome: gw.Upstream(nome, url) for nome, url in gw.UPSTREAM_URLS.items()}
        self.client = gw.app.test_client()

    def responder(self, *passos):
        FakeConnection.roteiro["respostas"].extend(passos)

    def assertErro(self, resp, status, servico):
        self.assertEqual(resp.status_code, status)
        self.assertEqual(resp.mimetype, "application/json")
        self.assertEqual(resp.get_json()["servico"], servico)
        self.assertIn("erro", resp.get_json())

    def test_repasse_transparente(self):
        self.responder(FakeResponse(404, b'{"erro":"x"}\n', "application/json; charset=x"))
        resp = self.client.get("/users/9/extra?a=1&b=2")
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(resp.data, b'{"erro":"x"}\n')
        self.assertEqual(resp.headers["Content-Type"], "application/json; charset=x")
        conn = FakeConnection.criadas[0]
        self.assertEqual((conn.host, conn.port), ("users_service", 5003))
        self.assertEqual(conn.requests[0][:2], ("GET", "/users/9/extra?a=1&b=2"))
        self.assertEqual(conn.timeout, gw.CONNECT_TIMEOUT)
        conn.sock.settimeout.assert_called_with(gw.READ_TIMEOUT)

    def test_pool_reaproveita_a_conexao(self):
        self.responder(FakeResponse(), FakeResponse(), FakeResponse())
        for _ in range(3):
            self.assertEqual(self.client.get("/orders").status_code, 200)
        self.assertEqual(len(FakeConnection.criadas), 1, "keep-alive: uma conexão só")

    def test_conexao_velha_e_trocada_sem_erro(self):
        self.responder(FakeResponse(), http.client.RemoteDisconnected("fechou"), FakeResponse())
        self.assertEqual(self.client.get("/orders").status_code, 200)
        self.assertEqual(self.client.get("/orders").status_code, 200)
        self.assertEqual(len(FakeConnection.criadas), 2)
        self.assertTrue(FakeConnection.criadas[0].closed)

    def test_request_id_mantido_ou_criado(self):
        self.responder(FakeResponse(), FakeResponse())
        resp = self.client.get("/orders", headers={"X-Request-ID": "abc-123"})
        self.assertEqual(resp.headers["X-Request-ID"], "abc-123")
        enviado = FakeConnection.criadas[0].requests[0][3]
        self.assertEqual(enviado["X-Request-ID"], "abc-123")
        resp = self.client.get("/orders")
        self.assertRegex(resp.headers["X-Request-ID"], r"^[0-9a-f]{32}$")
        enviado = FakeConnection.criadas[0].requests[1][3]
        self.assertEqual(enviado["X-Request-ID"], resp.headers["X-Request-ID"])

    def test_servico_fora_503(self):
        FakeConnection.roteiro["connect"] = ConnectionRefusedError("recusada")
        self.assertErro(self.client.get("/users"), 503, "users_service")

    def test_servico_travado_504(self):
        self.responder(TimeoutError("lento"))
        self.assertErro(self.client.get("/orders/101"), 504, "orders_service")
        self.assertTrue(FakeConnection.criadas[0].closed, "conexão travada não volta ao pool")

    def test_composicao(self):
        self.responder(FakeResponse(body=b'{"id":1,"nome":"Ana"}'), FakeResponse(body=b'[{"id":101}]'))
        resp = self.client.get("/users/1/orders")
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.get_json(), {"usuario": {"id": 1, "nome": "Ana"},
                                           "pedidos": [{"id": 101}]})
        self.assertEqual(FakeConnection.criadas[1].requests[0][1], "/orders?user_id=1")

    def test_composicao_usuario_inexistente_404(self):
        self.responder(FakeResponse(404, b'{"erro":"nao"}'))
        resp = self.client.get("/users/99/orders")
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(len(FakeConnection.criadas), 1, "não consulta pedidos")

    def test_health_por_upstream(self):
        self.responder(FakeResponse(), ConnectionRefusedError("fora"))
        body = self.client.get("/health").get_json()
        self.assertEqual(body["upstreams"], {"users_service": "ok",
                                             "orders_service": "orders_service indisponível"})
        self.assertEqual(body["status"], "degradado")

    def test_rota_desconhecida_json(self):
        resp = self.client.get("/nada")
        self.assertEqual(resp.status_code, 404)
        self.assertIn("erro", resp.get_json())


if __name__ == "__main__":
    unittest.main()
