"""Testes dos trechos de resposta que o desafio 1 procura no log do cliente."""
import tempfile
import unittest
from pathlib import Path

from juiz import desafio1


class Trechos(unittest.TestCase):
    def test_json(self):
        corpo = b'{"hora":"2026-12-01T20:36:27+00:00","mensagem":"Ol\xc3\xa1 do servidor Flask!","servidor":"b0a8bfa47290"}'
        trechos = desafio1.pedacos(corpo)
        self.assertIn("Olá do servidor Flask!", trechos)
        self.assertNotIn("2026-12-01T20:36:27+00:00", trechos)
        log = ("cliente: consultando http://server:8080\n"
               "[20:36:26] resposta: " + corpo.decode() + "\n"
               "[20:36:28] servidor indisponível em http://server:8080: curl: (7) Failed to connect\n"
               "[20:36:30] Resposta: {'mensagem': 'Olá do servidor Flask!'}\n")
        self.assertEqual(len(desafio1.acertos(log, trechos)), 2)

    def test_corpo_curto_e_html(self):
        self.assertEqual(desafio1.acertos("ok\nok\nerro\n", desafio1.pedacos(b"ok")), ["ok", "ok"])
        html = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
        self.assertEqual(len(desafio1.acertos("<h1>Welcome to nginx!</h1>\nx\n", desafio1.pedacos(html))), 1)

    def test_hora_no_corpo_fica_de_fora(self):
        trechos = desafio1.pedacos(b"resposta do server em 20:41:52\n")
        self.assertEqual(trechos, ["resposta do server em"])
        log = "resposta do server em 20:41:54\nfalhou\nresposta do server em 20:41:56\n"
        self.assertEqual(len(desafio1.acertos(log, trechos)), 2)

    def test_caminhos_chamados(self):
        cs = [{"Config": {"Cmd": ["sh", "-c", "while true; do curl -s http://api:3000/api/hello; sleep 2; done"],
                          "Env": ["URL=http://web:5000/dados", "DOC=https://docs.docker.com"]}}]
        self.assertEqual(desafio1.caminhos_chamados(Path(tempfile.mkdtemp()), cs), ["/api/hello", "/dados"])

    def test_menciona(self):
        self.assertTrue(desafio1._menciona("URL=http://server:8080", "server"))
        self.assertTrue(desafio1._menciona("requests.get('http://web/api')", "web"))
        self.assertTrue(desafio1._menciona("HOST=api:5000", "api"))
        self.assertFalse(desafio1._menciona("http://servidor:8080", "server"))
        self.assertFalse(desafio1._menciona("o server responde", "server"))


if __name__ == "__main__":
    unittest.main()
