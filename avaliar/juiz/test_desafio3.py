"""Testes do desafio 3 sem Docker: rotas, fotos do Postgres e do Redis e a avaliação inteira
sobre um motor de mentira (contêineres, HTTP, psql e redis-cli simulados)."""
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from juiz import dados, desafio3, motor, servidores


def conteiner(cid, imagem, ip, porta, servico, env=()):
    return {"Id": cid, "Name": "/p-%s-1" % servico,
            "Config": {"Image": imagem, "Env": list(env), "ExposedPorts": {"%d/tcp" % porta: {}},
                       "Labels": {"com.docker.compose.project": "avd9", "com.docker.compose.service": servico}},
            "State": {"Running": True},
            "NetworkSettings": {"Networks": {"rede": {"IPAddress": ip}}}}


class Partida:
    def __init__(self, pasta):
        self.pasta, self.modo, self.projeto, self.descricao = pasta, "compose", "avd9", "compose: teste"
        self.comandos, self.iniciados = [], []


class MotorFalso:
    """Uma web que, a cada GET /, grava uma linha no Postgres e faz INCR no Redis."""

    def __init__(self, grava_pg=True, grava_redis=True, volume=True, so_post=False):
        self.grava_pg, self.grava_redis, self.volume, self.so_post = grava_pg, grava_redis, volume, so_post
        self.linhas, self.chaves, self.escritas = 5, 1, 0
        self.cs = [conteiner("w", "minha-web", "10.0.0.2", 8000, "web"),
                   conteiner("d", "postgres:17", "10.0.0.3", 5432, "banco", ["POSTGRES_USER=u"]),
                   conteiner("r", "redis:7", "10.0.0.4", 6379, "cache")]

    def role(self, c):
        return {"w": "http", "d": "postgres", "r": "redis"}[c["Id"]]

    def http_probe(self, c, timeout=2):
        return [(8000, 200, b"ok")] if c["Id"] == "w" else []

    def http(self, url, method="GET", timeout=3, body=None, headers=None):
        if url.endswith(":8000/itens") and method == "POST" and self.so_post:
            if isinstance(body, dict) and body.get("nome"):
                self.linhas += 1
                return 201, {}, b'{"id": 9}'
            return 400, {}, b'{"erro": "nome"}'
        if url.endswith(":8000/") and method == "GET":
            if self.grava_pg and not self.so_post:
                self.linhas += 1
            if self.grava_redis:
                self.escritas += 1
                self.chaves = 2
            return 200, {}, b'{"visitas": %d}' % self.linhas
        return 404, {}, b"{}"

    def docker(self, *args, timeout=60):
        if "psql" in args:
            sql = args[-1]
            if "pg_database" in sql:
                return 0, "postgres\nu\n"
            if sql == "SELECT 1":
                return 0, "1\n"
            return (0, "public.visitas|%d|h%d\n" % (self.linhas, self.linhas)) if args[args.index("-d") + 1] == "u" else (0, "")
        if "redis-cli" in args:
            return 0, ("# Server\nredis_version:7.4.5\nrdb_changes_since_last_save:%d\nrdb_last_save_time:100\n"
                       "cmdstat_incr:calls=%d,usec=1\ncmdstat_get:calls=9,usec=1\n# Keyspace\ndb0:keys=%d,expires=0\n"
                       % (self.escritas, self.escritas, self.chaves))
        return 0, ""

    def containers(self, all=False, filtros=()):
        return list(self.cs)

    def religar(self, partida):
        if not self.volume:
            self.linhas = 5
        return True, "ok"

    def aplicar(self):
        return [mock.patch.object(motor, n, getattr(self, n)) for n in ("role", "http_probe", "http", "docker", "containers")] + \
            [mock.patch("juiz.partida.religar", self.religar),
             mock.patch.object(motor, "wait", lambda pred, timeout=30, every=0.5: bool(pred()))]


def avaliar(falso, pasta):
    patches = falso.aplicar()
    for p in patches:
        p.start()
    try:
        return desafio3.avaliar(pasta, Partida(pasta))
    finally:
        for p in patches:
            p.stop()


class TestRotas(unittest.TestCase):
    def test_flask_express_nginx_e_http_server(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            (d / "web").mkdir()
            (d / "web" / "app.py").write_text('@app.route("/itens")\n@app.get("/aluno/<int:id>")\n'
                                              'if self.path == "/contagem":\n')
            (d / "server.js").write_text("app.get('/visitas', (req, res) => {})\n")
            (d / "nginx.conf").write_text("location /api/ {\n proxy_pass http://x;\n}\n")
            rotas = servidores.rotas_de(d)
        self.assertEqual(rotas[0], "/")
        for r in ("/itens", "/visitas", "/api/", "/api", "/contagem"):
            self.assertIn(r, rotas)
        self.assertFalse(any("<" in r for r in rotas))

    def test_trecho_curto_numa_linha(self):
        self.assertEqual(servidores.trecho(b"a\n  b"), "a b")
        self.assertTrue(servidores.trecho("x" * 500, 10).endswith("…"))


class TestPortas(unittest.TestCase):
    def test_portas_em_listen_do_proc(self):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "42" / "net").mkdir(parents=True)
            cab = "  sl  local_address rem_address   st tx_queue rx_queue\n"
            (Path(d) / "42" / "net" / "tcp").write_text(
                cab + "   0: 00000000:1F40 00000000:0000 0A 0\n   1: 0400000A:C350 0500000A:1F90 01 0\n")
            (Path(d) / "42" / "net" / "tcp6").write_text(
                cab + "   0: 00000000000000000000000000000000:138B 00000000000000000000000000000000:0000 0A 0\n")
            self.assertEqual(servidores.portas_escutando({"State": {"Pid": 42}}, raiz=d), [5003, 8000])
            self.assertEqual(servidores.portas_escutando({"State": {"Pid": 0}}, raiz=d), [])


class TestFotos(unittest.TestCase):
    def test_diferenca_do_postgres(self):
        antes = {"db/public.t": (3, "a"), "db/public.u": (1, "b")}
        depois = {"db/public.t": (5, "c"), "db/public.u": (1, "z"), "db/public.v": (0, "")}
        dif = dados.pg_diferenca(antes, depois)
        self.assertIn("db/public.t: 3 → 5 linhas", dif)
        self.assertIn("db/public.u: conteúdo mudou (1 linhas)", dif)
        self.assertEqual(len(dif), 3)
        self.assertEqual(dados.pg_diferenca(antes, dict(antes)), [])

    def test_redis_mudou(self):
        a = {"chaves": 1, "mudancas": 2, "ultimo_save": 10, "escritas": 2}
        self.assertEqual(dados.redis_mudou(a, dict(a)), [])
        self.assertTrue(dados.redis_mudou(a, dict(a, escritas=3)))
        self.assertTrue(dados.redis_mudou(a, dict(a, ultimo_save=11, mudancas=0)))

    def test_senha_do_redis_pelo_comando(self):
        c = {"Config": {"Cmd": ["redis-server", "--requirepass", "s3gredo"], "Env": []}}
        self.assertEqual(dados._redis_senha(c), "s3gredo")


class TestAvaliar(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.pasta = Path(self.tmp.name)
        (self.pasta / "app.py").write_text('@app.get("/")\n')

    def tearDown(self):
        self.tmp.cleanup()

    def test_tudo_certo_passou(self):
        r = avaliar(MotorFalso(), self.pasta)
        self.assertEqual(r.veredicto, "passou", r.motivo)
        self.assertIn("visitas", " ".join(v.evidencia for v in r.verificacoes))

    def test_sem_volume_parcial(self):
        r = avaliar(MotorFalso(volume=False), self.pasta)
        self.assertEqual(r.veredicto, "parcial")
        self.assertIn("sobrevivem", r.motivo)

    def test_redis_sem_escrita_parcial(self):
        r = avaliar(MotorFalso(grava_redis=False), self.pasta)
        self.assertEqual(r.veredicto, "parcial")
        self.assertIn("Redis", r.motivo)

    def test_so_post_grava_no_postgres_passou(self):
        (self.pasta / "app.py").write_text('@app.get("/")\n@app.post("/itens")\n')
        r = avaliar(MotorFalso(so_post=True), self.pasta)
        self.assertEqual(r.veredicto, "passou", r.motivo)
        self.assertIn("POST", " ".join(v.nome for v in r.verificacoes))

    def test_sem_redis_rodando_falhou(self):
        falso = MotorFalso(grava_pg=False)
        falso.cs = falso.cs[:2]
        r = avaliar(falso, self.pasta)
        self.assertEqual(r.veredicto, "falhou")
        self.assertIn("há um contêiner Redis", r.motivo)

    def test_nada_grava_falhou(self):
        r = avaliar(MotorFalso(grava_pg=False, grava_redis=False), self.pasta)
        self.assertEqual(r.veredicto, "falhou")


if __name__ == "__main__":
    unittest.main()
