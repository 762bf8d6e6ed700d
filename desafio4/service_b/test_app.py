"""Testes unitários do service_b: formato da frase e mapeamento de erros.

Rodam no estágio test do Dockerfile (a imagem de produção mais este arquivo). Uso, na
pasta desafio4: docker build --target test service_b
"""
import unittest
from unittest import mock

import requests

import app as svc


def resposta(status=200, corpo=None):
    r = mock.Mock(status_code=status)
    r.json.return_value = corpo
    return r


class InfoTest(unittest.TestCase):
    def setUp(self):
        self.client = svc.app.test_client()

    def get_info(self, **kwargs):
        with mock.patch.object(svc.session, "get", **kwargs) as get:
            resp = self.client.get("/info")
        return resp, get

    def test_frase_exata(self):
        self.assertEqual(svc.frase({"nome": "Ana", "idade": 28, "ativo_desde": 2023}),
                         "Usuário Ana (28 anos) - ativo desde 2023")

    def test_info_uma_frase_por_usuario_com_timeouts(self):
        usuarios = [{"nome": "Ana", "idade": 28, "ativo_desde": 2023},
                    {"nome": "Bruno", "idade": 34, "ativo_desde": 2023}]
        resp, get = self.get_info(return_value=resposta(200, usuarios))
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.get_json()["usuarios"], ["Usuário Ana (28 anos) - ativo desde 2023",
                                                       "Usuário Bruno (34 anos) - ativo desde 2023"])
        self.assertEqual(get.call_args.kwargs["timeout"], (svc.CONNECT_TIMEOUT, svc.READ_TIMEOUT))

    def assertErro(self, resp, status):
        self.assertEqual(resp.status_code, status)
        self.assertEqual(resp.mimetype, "application/json")
        self.assertIn("erro", resp.get_json())
        self.assertNotIn(b"Traceback", resp.data)

    def test_service_a_fora_503(self):
        resp, _ = self.get_info(side_effect=requests.ConnectionError("recusada"))
        self.assertErro(resp, 503)

    def test_service_a_travado_504(self):
        resp, _ = self.get_info(side_effect=requests.ReadTimeout("lento"))
        self.assertErro(resp, 504)
        resp, _ = self.get_info(side_effect=requests.ConnectTimeout("lento"))
        self.assertErro(resp, 504)

    def test_service_a_resposta_ruim_502(self):
        self.assertErro(self.get_info(return_value=resposta(500, None))[0], 502)
        self.assertErro(self.get_info(return_value=resposta(200, [{"x": 1}]))[0], 502)
        ruim = resposta(200)
        ruim.json.side_effect = ValueError("não é JSON")
        self.assertErro(self.get_info(return_value=ruim)[0], 502)

    def test_health_informa_dependencia(self):
        with mock.patch.object(svc.session, "get", side_effect=requests.ConnectionError()):
            resp = self.client.get("/health")
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.get_json()["service_a"], "service_a indisponível")


if __name__ == "__main__":
    unittest.main()
