"""Testes do desafio 5 sem Docker: a comparação de corpos, a escolha do gateway e a avaliação
inteira sobre o motor de mentira de test_desafio4 (que sabe pausar contêineres)."""
import tempfile
import unittest
from pathlib import Path

from juiz import desafio5
from juiz.test_desafio4 import MotorFalso, Partida

USERS = [{"id": 1, "nome": "Ana Souza"}, {"id": 2, "nome": "Bruno Lima"}]
ORDERS = [{"id": 101, "produto": "Notebook"}, {"id": 102, "produto": "Mouse"}]
SAUDE = {"status": "ok"}


def users(caminho, pausados):
    return {"/users": (200, USERS), "/health": (200, SAUDE)}.get(caminho, (404, {"erro": "nada"}))


def orders(caminho, pausados):
    return {"/orders": (200, ORDERS), "/health": (200, SAUDE)}.get(caminho, (404, {"erro": "nada"}))


def gateway(copia_orders=False, sem_orders=False):
    def f(caminho, pausados):
        if caminho == "/health":
            return 200, SAUDE
        if caminho == "/api/users":
            return (504, {"erro": "users fora"}) if "u" in pausados else (200, USERS)
        if caminho == "/api/orders" and not sem_orders:
            if copia_orders:
                return 200, ORDERS
            return (504, {"erro": "orders fora"}) if "o" in pausados else (200, ORDERS)
        return 404, {"erro": "nada"}
    return f


def avaliar(g):
    # o gateway por último: no empate (só repassa a um serviço), vale o nome que sugere gateway
    falso = MotorFalso({"u": ("10.0.0.3", 5003, users), "o": ("10.0.0.4", 5002, orders),
                        "meu-gateway": ("10.0.0.2", 8080, g)})
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "nginx.conf").write_text("location /api/users {\n}\nlocation /api/orders {\n}\n")
        (Path(d) / "app.py").write_text('@app.get("/users")\n@app.get("/orders")\n@app.get("/health")\n')
        patches = falso.aplicar()
        for p in patches:
            p.start()
        try:
            return desafio5.avaliar(Path(d), Partida())
        finally:
            for p in patches:
                p.stop()


class TestForma(unittest.TestCase):
    def test_json_igual_com_outra_formatacao(self):
        self.assertEqual(desafio5.forma(b'{"a": 1, "b": [1, 2]}'), desafio5.forma(b'{"b":[1,2],"a":1}'))
        self.assertNotEqual(desafio5.forma(b'{"a": 1}'), desafio5.forma(b'{"a": 2}'))
        self.assertEqual(desafio5.forma(b" texto \n"), ("texto", "texto"))

    def test_corpo_de_dois_servicos_nao_conta(self):
        resp = {"g": {"/health": (200, b'{"status": "ok!!!"}')},
                "u": {"/health": (200, b'{"status": "ok!!!"}')},
                "o": {"/health": (200, b'{"status": "ok!!!"}')}}
        self.assertEqual(desafio5.casar("g", resp), {})


class TestAvaliar(unittest.TestCase):
    def test_gateway_de_verdade_passou(self):
        r = avaliar(gateway())
        self.assertEqual(r.veredicto, "passou", r.motivo)
        evid = "\n".join(v.evidencia for v in r.verificacoes)
        self.assertIn("gateway = meu-gateway", evid)
        self.assertIn("/api/users", evid)

    def test_copia_no_gateway_parcial(self):
        r = avaliar(gateway(copia_orders=True))
        self.assertEqual(r.veredicto, "parcial")
        self.assertIn("repassa de fato", r.motivo)

    def test_sem_rota_de_um_servico_parcial(self):
        r = avaliar(gateway(sem_orders=True))
        self.assertEqual(r.veredicto, "parcial")
        self.assertIn("dois serviços", r.motivo)
        self.assertIn("gateway = meu-gateway;", "\n".join(v.evidencia for v in r.verificacoes))


if __name__ == "__main__":
    unittest.main()
