"""Testes unitários do gateway: repasse transparente, X-Request-ID e mapeamento de erros.

Rodam dentro da imagem: docker compose run --rm --no-deps gateway python -m unittest -v
"""
import unittest
from unittest import mock

import requests

import app as gw


def upstream(status=200, body=b'{"ok":true}\n', content_type="application/json"):
    r = mock.Mock(status_code=status, content=body, headers={"Content-Type": content_type})
    r.json.side_effect = lambda: __import__("json").loads(body)
    return r


class GatewayTest(unittest.TestCase):
    def setUp(self):
        self.client = gw.app.test_client()

    def patch(self, servico, **kwargs):
        p = mock.patch.object(gw.SESSIONS[servico], "request", **kwargs)
        m = p.start()
        self.addCleanup(p.stop)
        return m

    def assertErro(self, resp, status, servico):
        self.assertEqual(resp.status_code, status)
        self.assertEqual(resp.mimetype, "application/json")
        self.assertEqual(resp.get_json()["servico"], servico)
        self.assertIn("erro", resp.get_json())

    def test_repasse_transparente(self):
        req = self.patch("users_service",
                         return_value=upstream(404, b'{"erro":"x"}\n', "application/json; charset=x"))
        resp = self.client.get("/users/9/extra?a=1&b=2")
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(resp.data, b'{"erro":"x"}\n')
        self.assertEqual(resp.headers["Content-Type"], "application/json; charset=x")
        args, kwargs = req.call_args
        self.assertEqual(args, ("GET", "http://users_service:5003/users/9/extra"))
        self.assertEqual(kwargs["params"], b"a=1&b=2")
        self.assertEqual(kwargs["timeout"], (gw.CONNECT_TIMEOUT, gw.READ_TIMEOUT))

    def test_request_id_mantido_ou_criado(self):
        req = self.patch("orders_service", return_value=upstream())
        resp = self.client.get("/orders", headers={"X-Request-ID": "abc-123"})
        self.assertEqual(resp.headers["X-Request-ID"], "abc-123")
        self.assertEqual(req.call_args.kwargs["headers"]["X-Request-ID"], "abc-123")
        resp = self.client.get("/orders")
        self.assertRegex(resp.headers["X-Request-ID"], r"^[0-9a-f]{32}$")
        self.assertEqual(req.call_args.kwargs["headers"]["X-Request-ID"],
                         resp.headers["X-Request-ID"])

    def test_servico_fora_503_e_o_outro_continua(self):
        self.patch("users_service", side_effect=requests.ConnectionError("recusada"))
        self.patch("orders_service", return_value=upstream())
        self.assertErro(self.client.get("/users"), 503, "users_service")
        self.assertEqual(self.client.get("/orders").status_code, 200)

    def test_servico_travado_504(self):
        self.patch("orders_service", side_effect=requests.ReadTimeout("lento"))
        self.assertErro(self.client.get("/orders/101"), 504, "orders_service")

    def test_composicao(self):
        self.patch("users_service", return_value=upstream(body=b'{"id":1,"nome":"Ana"}'))
        orders = self.patch("orders_service", return_value=upstream(body=b'[{"id":101}]'))
        resp = self.client.get("/users/1/orders")
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.get_json(), {"usuario": {"id": 1, "nome": "Ana"},
                                           "pedidos": [{"id": 101}]})
        self.assertEqual(orders.call_args.kwargs["params"], {"user_id": 1})

    def test_composicao_usuario_inexistente_404(self):
        self.patch("users_service", return_value=upstream(404, b'{"erro":"nao"}'))
        orders = self.patch("orders_service", return_value=upstream())
        resp = self.client.get("/users/99/orders")
        self.assertEqual(resp.status_code, 404)
        orders.assert_not_called()

    def test_health_por_upstream(self):
        self.patch("users_service", return_value=upstream())
        self.patch("orders_service", side_effect=requests.ConnectionError())
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
