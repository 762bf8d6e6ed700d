"""Testes da triagem de segurança (a parte sem docker: leitura por linhas)."""
import tempfile
import unittest
from pathlib import Path

from juiz import triagem

RAIZ = Path(__file__).resolve().parents[2]
NO_PROJETO = unittest.skipUnless((RAIZ / "desafio1" / "README.md").is_file(), "fora do repositório do curso")


def pasta(arquivos):
    tmp = Path(tempfile.mkdtemp()) / "desafio3"
    for nome, texto in arquivos.items():
        f = tmp / nome
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(texto)
    return tmp


class Compose(unittest.TestCase):
    def test_recusas_com_linha(self):
        p = pasta({"docker-compose.yml": (
            "services:\n  web:\n    build: .\n    privileged: true\n    volumes:\n"
            "      - /var/run/docker.sock:/var/run/docker.sock\n      - ./app:/app\n      - dados:/dados\n"
            "      - ../../segredo:/s\n      - /:/host\n    network_mode: host\n    cap_add:\n      - NET_ADMIN\n"
            "  db:\n    image: postgres\n    pid: \"host\"\n    volumes:\n      - type: bind\n        source: /etc\n"
            "        target: /x\nvolumes:\n  dados:\n")})
        motivos = triagem.triar_pasta(p)
        texto = "\n".join(motivos)
        for esperado in ("docker-compose.yml:4: privileged", "docker-compose.yml:6: o socket do Docker",
                         "docker-compose.yml:9: bind mount de fora da pasta do desafio (../../segredo)",
                         "docker-compose.yml:10: bind mount de fora da pasta do desafio (/)",
                         "docker-compose.yml:11: network_mode: host", "docker-compose.yml:12: cap_add",
                         "docker-compose.yml:16: pid: host", "docker-compose.yml:19: bind mount de fora da pasta do desafio (/etc)"):
            self.assertIn(esperado, texto)
        self.assertNotIn(":7:", texto)
        self.assertNotIn(":8:", texto)

    @NO_PROJETO
    def test_projeto_passa(self):
        for n in range(1, 6):
            self.assertEqual(triagem.triar_pasta(RAIZ / ("desafio%d" % n)), [], n)


class Comandos(unittest.TestCase):
    def test_docker_run_do_readme(self):
        p = pasta({"README.md": "```\ndocker build -t x .\n"
                   "docker run -d --privileged --name a x\n"
                   "docker run -d -v $(pwd)/dados:/dados -v /etc:/etc2 --name b x\n"
                   "docker run -d -v ${PWD}/dados:/dados -v ~/.ssh:/s --net=host --name c x\n```\n"})
        texto = "\n".join(triagem.triar_pasta(p))
        self.assertIn("desafio3/README.md:3: --privileged", texto)
        self.assertIn("bind mount de fora da pasta do desafio (/etc)", texto)
        self.assertIn("bind mount de fora da pasta do desafio (~/.ssh)", texto)
        self.assertIn("--network host", texto)
        self.assertNotIn("dados)", texto)

    def test_docker_sock_em_script(self):
        p = pasta({"run.sh": "#!/bin/sh\ndocker run -d -v /var/run/docker.sock:/var/run/docker.sock img\n"})
        self.assertIn("desafio3/run.sh:2: o socket do Docker (docker.sock) montado", "\n".join(triagem.triar_pasta(p)))


if __name__ == "__main__":
    unittest.main()
