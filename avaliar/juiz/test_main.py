"""Testes do __main__ que não precisam de docker."""
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from juiz import __main__ as juiz_main


class Runner(unittest.TestCase):
    def test_modulo_que_falta_vira_erro_do_avaliador(self):
        raiz = Path(tempfile.mkdtemp())
        (raiz / "desafio4").mkdir()
        with mock.patch("importlib.import_module", side_effect=ImportError("No module named 'juiz.desafio4'")):
            r = juiz_main.avaliar_desafio(4, raiz / "desafio4", raiz, {"desafios": {}}, {})
        self.assertEqual(r.veredicto, "falhou")
        self.assertIn("erro do avaliador", r.motivo)

    def test_recusado_nao_roda_nada(self):
        raiz = Path(tempfile.mkdtemp())
        (raiz / "d1").mkdir()
        tri = {"desafios": {"1": {"recusado": True, "motivos": ["d1/docker-compose.yml:3: privileged: true"]}}}
        with mock.patch("juiz.partida.subir", side_effect=AssertionError("não devia subir")):
            r = juiz_main.avaliar_desafio(1, raiz / "d1", raiz, tri, {})
        self.assertEqual(r.veredicto, "recusado")
        self.assertIn("privileged", r.motivo)

    def test_sem_jeito_de_subir(self):
        raiz = Path(tempfile.mkdtemp())
        (raiz / "desafio1").mkdir()
        (raiz / "desafio1" / "README.md").write_text("só texto\n")
        r = juiz_main.avaliar_desafio(1, raiz / "desafio1", raiz, {"desafios": {}}, {})
        self.assertEqual(r.veredicto, "falhou")
        self.assertIn("nenhum jeito de subir", r.motivo)

    def test_entrega_que_nao_existe(self):
        saida = Path(tempfile.mkdtemp())
        self.assertEqual(juiz_main.cmd_avaliar(Path("/nao/existe/mesmo"), saida), 0)
        linhas = (saida / "veredictos.txt").read_text().splitlines()
        self.assertEqual(len(linhas), 5)
        self.assertTrue(all("\tfalhou\terro do avaliador" in l for l in linhas))


if __name__ == "__main__":
    unittest.main()
