"""Testes do veredicto (modelo), dos relatórios, da turma e da higiene, sem docker."""
import csv
import json
import tempfile
import unittest
from pathlib import Path

from juiz import higiene, relatorio, turma
from juiz.modelo import Resultado


class Decidir(unittest.TestCase):
    def test_veredictos(self):
        r = Resultado(1)
        r.verificar("sobe", True, base=True)
        r.verificar("a", True)
        self.assertEqual(r.decidir().veredicto, "passou")
        r.verificar("b", False)
        self.assertEqual(r.decidir().veredicto, "parcial")
        self.assertIn("b", r.motivo)
        r2 = Resultado(1)
        r2.verificar("sobe", True, base=True)
        r2.verificar("central", False)
        r2.verificar("extra", True, essencial=False)
        self.assertEqual(r2.decidir().veredicto, "falhou")
        self.assertEqual(Resultado(2).decidir().veredicto, "falhou")


def resultados():
    r1 = Resultado(1, pasta="desafio1", partida="README.md: 5 comandos docker")
    r1.verificar("um contêiner responde HTTP", True, "GET / → 200\n{\"a\": 1}", base=True)
    r1.verificar("o cliente recebe respostas", False, "```\nnada\n```")
    r1.decidir()
    r1.notas.append("Dockerfile: roda como root")
    r3 = Resultado(3, veredicto="recusado", motivo="desafio3/docker-compose.yml:4: privileged: true")
    return [r1, Resultado(2, veredicto="ausente", motivo="nenhuma pasta do desafio 2"), r3]


class Relatorios(unittest.TestCase):
    def test_escrever(self):
        saida = Path(tempfile.mkdtemp()) / "aluno-a"
        relatorio.escrever(saida, "aluno-a", resultados(), {"total": 12.3})
        linhas = (saida / "veredictos.txt").read_text().splitlines()
        self.assertEqual([l.split("\t")[0] for l in linhas], ["desafio%d" % n for n in range(1, 6)])
        self.assertEqual([l.split("\t")[1] for l in linhas], ["falhou", "ausente", "recusado", "falhou", "falhou"])
        self.assertTrue(all(len(l.split("\t")) == 3 for l in linhas))
        self.assertIn("parou antes", linhas[3])  # um desafio que o juiz não chegou a avaliar
        dados = json.loads((saida / "results.json").read_text())
        self.assertEqual(dados["score"], 0.0)
        # os cinco no results.json, também os que o juiz não chegou a avaliar (senão o máximo
        # encolhe, e quem estourou o tempo no desafio 4 teria a nota sobre 3)
        self.assertEqual(dados["max_score"], 5.0)
        self.assertEqual(set(dados["tests"][0]), {"name", "score", "max_score", "status", "output"})
        self.assertEqual([t["status"] for t in dados["tests"]], ["failed"] * 5)
        self.assertIn("parou antes", dados["tests"][3]["output"])
        md = (saida / "RELATORIO.md").read_text()
        self.assertTrue(md.startswith("# Avaliação: aluno-a\n\n| desafio | veredicto | motivo |"))
        self.assertIn("````", md)  # a evidência com ``` fica numa cerca maior
        self.assertIn("roda como root", md)

    def test_turma(self):
        saida = Path(tempfile.mkdtemp())
        relatorio.escrever(saida / "b-aluno", "b-aluno", resultados())
        relatorio.escrever(saida / "a-aluno", "a-aluno", [])
        (saida / "lixo").mkdir()
        turma.escrever(saida)
        linhas = list(csv.reader((saida / "turma.csv").open()))
        self.assertEqual(linhas[0], ["entrega", "desafio1", "desafio2", "desafio3", "desafio4", "desafio5"])
        self.assertEqual(linhas[1], ["a-aluno"] + ["falhou"] * 5)
        self.assertEqual(linhas[2], ["b-aluno", "falhou", "ausente", "recusado", "falhou", "falhou"])
        pagina = (saida / "turma.html").read_text()
        self.assertIn('<a href="b-aluno/RELATORIO.md">b-aluno</a>', pagina)
        self.assertIn('class="v v-recusado"', pagina)
        self.assertNotIn("http", pagina.replace("http-equiv", ""))  # nada de fora
        self.assertIn("| [b-aluno](b-aluno/RELATORIO.md) | falhou | ausente | recusado | falhou | falhou |",
                      (saida / "turma.md").read_text())


class Higiene(unittest.TestCase):
    def test_notas(self):
        p = Path(tempfile.mkdtemp())
        (p / "Dockerfile").write_text("FROM python\nENV DB_PASSWORD=segredo\nCMD [\"python\"]\n")
        (p / "docker-compose.yml").write_text("services:\n  db:\n    image: postgres:latest\n    ports:\n"
                                             "      - \"5432:5432\"\n")
        notas = "\n".join(higiene.notas(p))
        self.assertIn("`python` sem versão fixa", notas)
        self.assertIn("roda como root", notas)
        self.assertIn("Dockerfile:2: segredo", notas)
        self.assertIn("serviço db usa `postgres:latest`", notas)
        self.assertIn("Postgres publicado no host", notas)


if __name__ == "__main__":
    unittest.main()
