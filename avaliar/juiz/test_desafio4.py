"""Testes do desafio 4 sem Docker: os valores de um JSON, a dependência entre dois serviços
e a avaliação inteira sobre um motor de mentira que sabe pausar contêineres."""
import json
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from juiz import desafio4, motor

USUARIOS = [{"id": 1, "nome": "Ana", "idade": 28}, {"id": 2, "nome": "Bruno", "idade": 34}]


def conteiner(cid, ip, porta):
    return {"Id": cid, "Name": "/%s" % cid, "Config": {"Image": "img-" + cid, "Env": [],
                                                     "ExposedPorts": {"%d/tcp" % porta: {}}, "Labels": {}},
            "State": {"Running": True}, "NetworkSettings": {"Networks": {"rede": {"IPAddress": ip}}}}


class MotorFalso:
    """HTTP de mentira: {ip:porta: função(caminho, pausados) -> (status, corpo)}."""

    def __init__(self, servidores):
        self.servidores = servidores  # {cid: (ip, porta, função)}
        self.pausados = set()
        self.cs = [conteiner(cid, ip, porta) for cid, (ip, porta, _) in servidores.items()]

    def _achar(self, url):
        resto = url.split("://", 1)[1]
        hostporta, _, caminho = resto.partition("/")
        for cid, (ip, porta, f) in self.servidores.items():
            if hostporta == "%s:%d" % (ip, porta):
                return cid, f, "/" + caminho
        return None, None, None

    def http(self, url, method="GET", timeout=3, body=None, headers=None):
        cid, f, caminho = self._achar(url)
        if cid is None or cid in self.pausados:
            return 0, {}, b"timed out"
        st, corpo = f(caminho, self.pausados)
        return st, {}, corpo if isinstance(corpo, bytes) else json.dumps(corpo, ensure_ascii=False).encode()

    def http_probe(self, c, timeout=2):
        ip, porta, _ = self.servidores[c["Id"]]
        st, _, corpo = self.http("http://%s:%d/" % (ip, porta))
        return [(porta, st, corpo)] if st else []

    def docker(self, *args, timeout=60):
        if args[0] == "pause":
            self.pausados.add(args[1])
        elif args[0] == "unpause":
            self.pausados.discard(args[1])
        return 0, ""

    def containers(self, all=False, filtros=()):
        return list(self.cs)

    def role(self, c):
        return "http"

    def aplicar(self):
        return [mock.patch.object(motor, n, getattr(self, n))
                for n in ("role", "http_probe", "http", "docker", "containers")] + \
            [mock.patch.object(motor, "wait", lambda pred, timeout=30, every=0.5: bool(pred()))]


def servico_a(caminho, pausados):
    if caminho == "/usuarios":
        return 200, USUARIOS
    return 404, {"erro": "nada"}


def servico_b(na_hora=True):
    def f(caminho, pausados):
        if caminho != "/info":
            return 404, {"erro": "nada"}
        if na_hora and "a" in pausados:
            return 503, {"erro": "service_a indisponível"}
        return 200, {"usuarios": ["Usuário %s (%d anos)" % (u["nome"], u["idade"]) for u in USUARIOS]}
    return f


class Partida:
    modo, projeto, descricao, comandos, iniciados = "compose", "", "compose: teste", [], []


def avaliar(falso):
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "app.py").write_text('@app.get("/usuarios")\n@app.route("/info")\n')
        patches = falso.aplicar()
        for p in patches:
            p.start()
        try:
            return desafio4.avaliar(Path(d), Partida())
        finally:
            for p in patches:
                p.stop()


class TestValores(unittest.TestCase):
    def test_folhas_do_json(self):
        v = desafio4.valores(json.dumps({"a": [{"nome": "Ana", "id": 1, "ativo": True, "ano": 2023}], "s": "ok"}))
        self.assertEqual(v, {"Ana", "2023"})

    def test_texto_sem_json(self):
        self.assertEqual(desafio4.valores(b"linha um\nx\n"), {"linha um"})

    def test_unicode_escapado_no_b(self):
        self.assertEqual(desafio4.traz(b'{"f": "Usu\\u00e1rio Jos\\u00e9"}', ["José"]), ["José"])


class TestAvaliar(unittest.TestCase):
    def test_b_busca_a_na_hora_passou(self):
        r = avaliar(MotorFalso({"a": ("10.0.0.2", 5001, servico_a), "b": ("10.0.0.3", 7000, servico_b())}))
        self.assertEqual(r.veredicto, "passou", r.motivo)
        evid = "\n".join(v.evidencia for v in r.verificacoes)
        self.assertIn("A = a, B = b", evid)
        self.assertIn("503", evid)

    def test_b_com_copia_fixa_parcial(self):
        r = avaliar(MotorFalso({"a": ("10.0.0.2", 5001, servico_a), "b": ("10.0.0.3", 7000, servico_b(False))}))
        self.assertEqual(r.veredicto, "parcial")
        self.assertIn("pausado", r.motivo)

    def test_b_sem_dados_de_a_falhou(self):
        b = lambda caminho, pausados: (200, {"info": "nada a ver"})  # noqa: E731
        r = avaliar(MotorFalso({"a": ("10.0.0.2", 5001, servico_a), "b": ("10.0.0.3", 7000, b)}))
        self.assertEqual(r.veredicto, "falhou")

    def test_um_servico_so_falhou(self):
        r = avaliar(MotorFalso({"a": ("10.0.0.2", 5001, servico_a)}))
        self.assertEqual(r.veredicto, "falhou")


if __name__ == "__main__":
    unittest.main()
