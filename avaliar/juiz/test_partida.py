"""Testes da extração de comandos (sem docker): python3 -m unittest (na pasta avaliar/)."""
import tempfile
import unittest
from pathlib import Path

from juiz import partida

RAIZ = Path(__file__).resolve().parents[2]
NO_PROJETO = unittest.skipUnless((RAIZ / "desafio1" / "README.md").is_file(), "fora do repositório do curso")


class ComandosDoProjeto(unittest.TestCase):
    @NO_PROJETO
    def test_desafio1_do_projeto(self):
        p = partida.descobrir(RAIZ / "desafio1")
        self.assertEqual(p.modo, "comandos")
        self.assertEqual(p.comandos, [
            ["docker", "network", "create", "desafio1-net"],
            ["docker", "build", "-t", "d1-server", "-f", "Dockerfile.server", "."],
            ["docker", "build", "-t", "d1-client", "-f", "Dockerfile.client", "."],
            ["docker", "run", "-d", "--network", "desafio1-net", "--name", "server", "d1-server"],
            ["docker", "run", "-d", "--network", "desafio1-net", "--name", "client", "d1-client"]])
        self.assertTrue(all(d == (RAIZ / "desafio1").resolve() for d in p.dirs))

    @NO_PROJETO
    def test_desafio2_do_projeto_para_no_rm(self):
        p = partida.descobrir(RAIZ / "desafio2")
        self.assertEqual(p.comandos, [
            ["docker", "volume", "create", "desafio2-volume"],
            ["docker", "build", "-t", "d2-image", "."],
            ["docker", "run", "--name", "d2-db", "-v", "desafio2-volume:/data", "d2-image"]])

    @NO_PROJETO
    def test_desafio3_e_compose(self):
        p = partida.descobrir(RAIZ / "desafio3")
        self.assertEqual(p.modo, "compose")
        self.assertEqual(p.compose.name, "docker-compose.yml")


class Extracao(unittest.TestCase):
    def entrega(self, arquivos):
        tmp = Path(tempfile.mkdtemp())
        for nome, texto in arquivos.items():
            f = tmp / nome
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(texto)
        return tmp

    def test_continuacao_interativo_e_prompt(self):
        raiz = self.entrega({"d1/README.md": "```\n$ docker network create rede\n"
                             "$ docker run -it --rm \\\n   --network rede --name web -p 5000:5000 img\n"
                             "docker logs -f web\n```\n"})
        p = partida.descobrir(raiz / "d1")
        self.assertEqual(p.comandos, [["docker", "network", "create", "rede"],
                                      ["docker", "run", "--rm", "--network", "rede", "--name", "web",
                                       "-p", "5000:5000", "img"]])

    def test_cd_da_raiz_e_e_comercial(self):
        raiz = self.entrega({"Desafio-1/README.md": "```bash\ncd Desafio-1 && docker build -t s .\n"
                             "docker run -d s; docker stop x\ndocker run -d outra\n```\n",
                             "Desafio-1/Dockerfile": "FROM alpine:3.20\n"})
        p = partida.descobrir(raiz / "Desafio-1")
        self.assertEqual(p.comandos, [["docker", "build", "-t", "s", "."], ["docker", "run", "-d", "s"]])

    def test_pula_pipes_e_subshell(self):
        raiz = self.entrega({"d2/README.md": "```sh\ndocker ps | grep x\nID=$(docker run -d x)\n"
                             "docker run --name a x\n```\n"})
        p = partida.descobrir(raiz / "d2")
        self.assertEqual(p.comandos, [["docker", "run", "--name", "a", "x"]])

    def test_blocos_de_saida_sao_ignorados(self):
        raiz = self.entrega({"d2/README.md": "```text\n$ docker run --name nada x\n```\n"
                             "```powershell\ndocker run `\n  --name a x\n```\n"})
        p = partida.descobrir(raiz / "d2")
        self.assertEqual(p.comandos, [["docker", "run", "--name", "a", "x"]])

    def test_script_e_readme_de_cima(self):
        raiz = self.entrega({"README.md": "```\ncd desafio2\ndocker volume create v\n"
                             "docker run -v v:/data img\ncd ../desafio1\ndocker run -d outra\n```\n",
                             "desafio2/app.py": "", "desafio1/app.py": ""})
        p = partida.descobrir(raiz / "desafio2")
        self.assertEqual(p.comandos, [["docker", "volume", "create", "v"], ["docker", "run", "-v", "v:/data", "img"]])
        raiz2 = self.entrega({"d1/start.sh": "#!/bin/sh\nset -e\ndocker network create n\n"
                              "read -p 'enter' x\ndocker run -d --net n --name s img\n"})
        p = partida.descobrir(raiz2 / "d1")
        self.assertEqual(len(p.comandos), 2)
        self.assertIn("start.sh", p.descricao)

    def test_sem_comandos(self):
        raiz = self.entrega({"d1/README.md": "nada aqui\n"})
        self.assertIsNone(partida.descobrir(raiz / "d1"))

    def test_preparar_run(self):
        self.assertEqual(partida.preparar_run(["docker", "run", "--rm", "--name", "a", "img", "--rm"]),
                         (["docker", "run", "-d", "--name", "a", "img", "--rm"], True))
        self.assertEqual(partida.preparar_run(["docker", "run", "-dit", "img"]), (["docker", "run", "-d", "img"], False))
        self.assertEqual(partida.preparar_run(["docker", "run", "--name", "a", "--rm", "-d", "img"]),
                         (["docker", "run", "--name", "a", "--rm", "-d", "img"], False))
        self.assertEqual(partida.preparar_run(["docker", "run", "-e", "-d", "img", "-d"]),
                         (["docker", "run", "-d", "-e", "-d", "img", "-d"], True))


class Subir(unittest.TestCase):
    """_rodar_comandos com um docker de mentira."""

    def rodar(self, comandos, respostas):
        from unittest import mock
        chamados = []

        def sh(args, timeout=60, cwd=None):
            chamados.append(list(args))
            for chave, resposta in respostas:
                if chave in " ".join(args):
                    return resposta
            return 0, ""
        p = partida.Partida(pasta=Path("/tmp"), modo="comandos", comandos=comandos, dirs=[Path("/tmp")] * len(comandos))
        with mock.patch("juiz.motor.sh", side_effect=sh), mock.patch("juiz.motor.logs", return_value="saída\n"), \
                mock.patch("juiz.motor.wait", return_value=True):
            ok, log = partida.subir(p)
        return ok, log, chamados, p

    def test_nome_repetido_fica_o_primeiro(self):
        id1, id2 = "a" * 64, "b" * 64
        ok, log, chamados, p = self.rodar(
            [["docker", "run", "-d", "--name", "web", "img"], ["docker", "run", "-d", "--name", "web", "-p", "80:80", "img"]],
            [("80:80", (125, 'docker: Error response from daemon: Conflict. The container name "/web" is already in use')),
             ("run -d --name web img", (0, id1 + "\n"))])
        self.assertTrue(ok, log)
        self.assertEqual(p.iniciados, [id1])

    def test_build_que_falha_para_tudo(self):
        ok, log, chamados, p = self.rodar(
            [["docker", "build", "-t", "x", "."], ["docker", "run", "-d", "x"]],
            [("build", (1, "ERROR: failed to solve: python:3.99: not found"))])
        self.assertFalse(ok)
        self.assertIn("failed to solve", log)
        self.assertEqual(len(chamados), 1)

    def test_primeiro_plano_vira_destacado_e_guarda_a_saida(self):
        ok, log, chamados, p = self.rodar([["docker", "run", "--rm", "-v", "v:/d", "img"]], [("run", (0, "c" * 64))])
        self.assertTrue(ok)
        self.assertEqual(chamados[0], ["docker", "run", "-d", "-v", "v:/d", "img"])
        self.assertEqual(p.saidas, {"c" * 64: "saída\n"})


if __name__ == "__main__":
    unittest.main()
