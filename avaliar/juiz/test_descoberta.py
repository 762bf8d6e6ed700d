"""Testes da descoberta (pastas, imagens base, rotas), sem docker."""
import tempfile
import unittest
from pathlib import Path

from juiz import descoberta

RAIZ = Path(__file__).resolve().parents[2]
NO_PROJETO = unittest.skipUnless((RAIZ / "desafio1" / "README.md").is_file(), "fora do repositório do curso")


def entrega(arquivos):
    tmp = Path(tempfile.mkdtemp())
    for nome, texto in arquivos.items():
        f = tmp / nome
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(texto)
    return tmp


class Pastas(unittest.TestCase):
    def test_nomes(self):
        for nome, n in [("desafio1", 1), ("Desafio-2", 2), ("desafio 3", 3), ("desafio_4", 4), ("challenge5", 5),
                        ("d1", 1), ("ex2", 2), ("01-desafio3", 3), ("Desafio1-network", 1)]:
            self.assertEqual(descoberta.numero(nome), n, nome)
        for nome in ("desafio10", "dados", "docs", "deploy"):
            self.assertIsNone(descoberta.numero(nome), nome)

    @NO_PROJETO
    def test_projeto(self):
        achadas = descoberta.pastas(RAIZ)
        self.assertEqual({n: p.name for n, p in achadas.items()},
                         {n: "desafio%d" % n for n in range(1, 6)})

    def test_aninhadas_e_por_conteudo(self):
        raiz = entrega({"docker/Desafio 1/Dockerfile": "FROM x\n", "docker/Desafio 1/sub/desafio1-app/a.py": "",
                        "banco/README.md": "docker volume create v\n", "banco/Dockerfile": "FROM python\nimport sqlite3",
                        "stack/docker-compose.yml": "services:\n  db:\n    image: postgres\n  cache:\n    image: redis\n"})
        achadas = descoberta.pastas(raiz)
        self.assertEqual(achadas[1].name, "Desafio 1")
        self.assertEqual(achadas[2].name, "banco")
        self.assertEqual(achadas[3].name, "stack")
        self.assertNotIn(4, achadas)


    def test_repositorio_de_um_desafio(self):
        raiz = entrega({"docker-compose.yml": "services:\n  web:\n    build: .\n  db:\n    image: postgres:16\n"
                        "  cache:\n    image: redis:7\n", "Dockerfile": "FROM python:3.12\n"})
        self.assertEqual(descoberta.pastas(raiz), {3: raiz})


class Imagens(unittest.TestCase):
    def test_froms(self):
        texto = ("ARG PY=python:3.12-slim\nARG OUTRA\nFROM --platform=$BUILDPLATFORM ${PY} AS base\n"
                 "FROM base AS test\nFROM ${OUTRA:-alpine:3.20}\nFROM scratch\n")
        self.assertEqual(descoberta.froms(texto), ["python:3.12-slim", "alpine:3.20"])

    def test_compose_sem_build(self):
        texto = ("services:\n  web:\n    build: .\n    image: minha-web\n  db:\n    image: \"postgres:16\"  # banco\n"
                 "volumes:\n  dados:\n")
        self.assertEqual(descoberta.imagens_compose(texto), ["postgres:16"])

    @NO_PROJETO
    def test_imagens_do_projeto(self):
        self.assertEqual(sorted(descoberta.imagens_base(RAIZ)),
                         sorted(["curlimages/curl:8.16.0", "python:3.13.9-slim", "postgres:17.6", "redis:7.4.5"]))

    def test_imagem_de_docker_run(self):
        raiz = entrega({"desafio1/README.md": "```\ndocker build -t srv .\ndocker run -d --name s srv\n"
                        "docker run -d --name c -e A=1 curlimages/curl:8.10.1 sh -c 'x'\n```\n",
                        "desafio1/Dockerfile": "FROM python:3.11-slim\n"})
        self.assertEqual(descoberta.imagens_base(raiz), ["python:3.11-slim", "curlimages/curl:8.10.1"])


class Rotas(unittest.TestCase):
    def test_rotas(self):
        raiz = entrega({"app.py": "@app.route('/api/dados')\n@app.get(\"/health\")\n@app.route('/x/<int:id>')\n",
                        "index.js": "app.get('/users', h)\nrouter.post(`/itens`, h)\napp.get('/u/:id')\n",
                        "nginx.conf": "location / {\n}\nlocation /api/ {\n}\nlocation ~ \\.php$ {\n}\n"})
        self.assertEqual(descoberta.rotas(raiz), ["/", "/api/dados", "/health", "/users", "/itens", "/api/"])
        raiz2 = entrega({"s.py": "if self.path == '/api/hello':\n    pass\nelif self.path.startswith(\"/itens\"):\n",
                         "s.js": "if (req.url === '/dados') {}\n"})
        self.assertEqual(descoberta.rotas(raiz2), ["/dados", "/api/hello", "/itens"])


if __name__ == "__main__":
    unittest.main()
