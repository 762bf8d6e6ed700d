"""Testes unitários da web do desafio 3 (stdlib unittest + test client do Flask).

Rodam dentro da própria imagem, sem banco nem cache: as dependências são
substituídas por dublês. Uso: docker compose run --rm --no-deps web python -m unittest -v
"""
import os
import unittest
from unittest import mock

os.environ["DB_WAIT_ON_START"] = "0"

import psycopg2  # noqa: E402
import redis  # noqa: E402

import app as web  # noqa: E402


class FakeRedis:
    def __init__(self, down=False):
        self.data, self.down, self.gets = {}, down, 0

    def _check(self):
        if self.down:
            raise redis.ConnectionError("cache fora")

    def get(self, key):
        self._check()
        self.gets += 1
        return self.data.get(key)

    def set(self, key, value, ex=None):
        self._check()
        self.data[key] = value

    def incr(self, key):
        self._check()
        self.data[key] = int(self.data.get(key, 0)) + 1
        return self.data[key]

    def ping(self):
        self._check()
        return True


ALUNO = {"id": 1, "nome": "Ana Souza", "curso": "Engenharia de Software", "idade": 21}


class WebTest(unittest.TestCase):
    def setUp(self):
        self.client = web.app.test_client()
        self.cache = FakeRedis()
        self.queries = []
        patches = [mock.patch.object(web, "cache", self.cache),
                   mock.patch.object(web, "query", self.fake_query)]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)

    def fake_query(self, sql, params=()):
        web.g.consultas = web.g.get("consultas", 0) + 1
        self.queries.append(sql)
        if "WHERE id" in sql:
            return [ALUNO] if params == (1,) else []
        if "FROM alunos" in sql:
            return [ALUNO]
        return [{"ok": 1}]

    def assertJsonError(self, resp, status):
        self.assertEqual(resp.status_code, status)
        self.assertEqual(resp.mimetype, "application/json")
        self.assertIn("erro", resp.get_json())
        self.assertNotIn(b"Traceback", resp.data)

    def test_aluno_miss_then_hit_without_db(self):
        first = self.client.get("/aluno/1")
        self.assertEqual(first.status_code, 200)
        self.assertEqual(first.headers["X-Cache"], "MISS")
        self.assertEqual(first.get_json()["aluno"], ALUNO)
        n = len(self.queries)
        second = self.client.get("/aluno/1")
        self.assertEqual(second.status_code, 200)
        self.assertEqual(second.headers["X-Cache"], "HIT")
        self.assertEqual(second.get_json()["fonte"], "cache")
        self.assertEqual(len(self.queries), n, "um HIT não pode consultar o banco")
        self.assertEqual(first.headers["X-Consultas-DB"], "1")
        self.assertEqual(second.headers["X-Consultas-DB"], "0")

    def test_aluno_not_found_is_404_json(self):
        self.assertJsonError(self.client.get("/aluno/42"), 404)

    def test_bad_ids(self):
        for path in ("/aluno/abc", "/aluno/-1", "/aluno/1%27%20OR%20%271%27=%271"):
            with self.subTest(path=path):
                self.assertJsonError(self.client.get(path), 404)
        for path in ("/aluno/0", f"/aluno/{2**31}", "/aluno/99999999999999999999"):
            with self.subTest(path=path):
                self.assertJsonError(self.client.get(path), 400)
        self.assertEqual(self.queries, [], "ids inválidos não chegam ao banco")

    def test_cache_down_answers_from_db_and_says_so(self):
        self.cache.down = True
        resp = self.client.get("/todos")
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.headers["X-Cache"], "BYPASS")
        self.assertEqual(resp.get_json()["fonte"], "banco")
        self.assertIn("aviso", resp.get_json())

    def test_db_down_is_503_json(self):
        def down(*_a, **_k):
            raise web.Indisponivel("banco de dados (db)")
        with mock.patch.object(web, "query", down):
            self.assertJsonError(self.client.get("/todos"), 503)
            self.assertJsonError(self.client.get("/health"), 503)

    def test_log_limit_parsing(self):
        self.assertEqual(web.parse_limit(None), web.LOG_LIMIT_DEFAULT)
        self.assertEqual(web.parse_limit("5"), 5)
        self.assertEqual(web.parse_limit("999999999999999999999"), web.LOG_LIMIT_MAX)
        for bad in ("abc", "0", "-1", "1.5", "", "²", "1; DROP TABLE acessos"):
            with self.subTest(bad=bad):
                self.assertIsNone(web.parse_limit(bad))
        self.assertJsonError(self.client.get("/log?limit=abc"), 400)

    def test_counter_uses_incr(self):
        conn = mock.MagicMock()
        with mock.patch.object(web, "connect_db", return_value=conn):
            for expected in (1, 2, 3):
                resp = self.client.get("/")
                self.assertEqual(resp.status_code, 200)
                self.assertEqual(resp.get_json()["acessos"], expected)

    def test_unknown_route_is_json(self):
        self.assertJsonError(self.client.get("/nao-existe"), 404)

    def test_connect_failure_becomes_indisponivel(self):
        with mock.patch.object(web.psycopg2, "connect",
                               side_effect=psycopg2.OperationalError("x")):
            with self.assertRaises(web.Indisponivel):
                web.connect_db()


if __name__ == "__main__":
    unittest.main()
