"""Testes unitários da web do desafio 3 (stdlib unittest + test client do Flask).

Rodam no estágio test do Dockerfile (a imagem de produção mais este arquivo), sem banco
nem cache: as dependências são substituídas por dublês. Uso, na pasta desafio3:
docker build --target test web
"""
import datetime
import os
import types
import unittest
from unittest import mock

os.environ["DB_WAIT_ON_START"] = "0"

import psycopg2  # noqa: E402
import redis  # noqa: E402

import app as web  # noqa: E402
import cache  # noqa: E402
import db  # noqa: E402


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


class FakeConn:
    """Dublê de uma conexão psycopg2, o bastante para o ThreadedConnectionPool de verdade."""

    def __init__(self, roteiro):
        self.roteiro, self.closed, self.executados = roteiro, 0, []
        self.autocommit = False
        self.info = types.SimpleNamespace(transaction_status=0)  # ociosa

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def cursor(self):
        conn = self

        class Cursor:
            description = [types.SimpleNamespace(name=n)
                           for n in ("id", "numero", "caminho", "cliente", "quando")]

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def execute(self, sql, params=()):
                erro = conn.roteiro.pop(0) if conn.roteiro else None
                if erro == "caiu":
                    conn.closed = 2  # o que o psycopg2 faz quando o servidor fecha a conexão
                    raise psycopg2.OperationalError("server closed the connection unexpectedly")
                if erro == "timeout":
                    raise psycopg2.errors.QueryCanceled("canceling statement due to statement timeout")
                conn.executados.append(sql)

            def fetchall(self):
                return [(7, 7, "/", "127.0.0.1", datetime.datetime(2026, 11, 29))]

            def fetchone(self):
                return (7,)

        return Cursor()

    def close(self):
        self.closed = 1


ALUNO = {"id": 1, "nome": "Ana Souza", "curso": "Engenharia de Software", "idade": 21}


class WebTest(unittest.TestCase):
    def setUp(self):
        self.client = web.app.test_client()
        self.cache = FakeRedis()
        self.queries = []
        patches = [mock.patch.object(cache, "cliente", self.cache),
                   mock.patch.object(db, "query", self.fake_query),
                   mock.patch.object(db, "_contagem_pronta", True)]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)

    def fake_query(self, sql, params=()):
        db.g.consultas = db.g.get("consultas", 0) + 1
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
            raise db.Indisponivel("banco de dados (db)")
        with mock.patch.object(db, "query", down):
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
        with self.real_pool():
            for expected in (1, 2, 3):
                resp = self.client.get("/")
                self.assertEqual(resp.status_code, 200)
                self.assertEqual(resp.get_json()["acessos"], expected)
        self.assertEqual(len(self.conexoes), db.POOL_MAX, "o pool abre POOL_MAX conexões...")
        self.assertTrue(all(c.autocommit for c in self.conexoes if c.executados),
                        "autocommit: uma ida ao banco por comando, sem BEGIN/COMMIT")
        usadas = [c for c in self.conexoes if c.executados]
        self.assertEqual(len(usadas), 1, "... e as três requisições usam a mesma")

    def real_pool(self):
        """O ThreadedConnectionPool de verdade, com psycopg2.connect trocado por um dublê."""
        self.conexoes, self.roteiro = [], []

        def connect(**_kwargs):
            if self.roteiro and self.roteiro[0] == "recusa":
                self.roteiro.pop(0)
                raise psycopg2.OperationalError("connection refused")
            self.conexoes.append(FakeConn(self.roteiro))
            return self.conexoes[-1]

        db._pool = None
        self.addCleanup(setattr, db, "_pool", None)
        return mock.patch.object(psycopg2, "connect", connect)

    def test_pooled_connection_that_dropped_is_discarded_and_retried(self):
        with self.real_pool():
            self.assertEqual(self.client.get("/").status_code, 200)
            self.roteiro.append("caiu")  # o banco reiniciou: a conexão do pool morreu
            resp = self.client.get("/")
            self.assertEqual(resp.status_code, 200, "a próxima requisição já funciona")
            self.assertEqual(resp.get_json()["acessos"], 2, "o contador sobe uma vez só")
            caidas = [c for c in self.conexoes if c.closed]
            self.assertEqual(len(caidas), 1, "a conexão que caiu foi fechada")
            self.assertNotIn(caidas[0], db._pool._pool, "e não volta ao pool")
            inserts = sum(len(c.executados) for c in self.conexoes)
            self.assertEqual(inserts, 2, "um INSERT por requisição, o segundo noutra conexão")

    def test_db_down_is_503_before_touching_the_counter(self):
        with self.real_pool():
            self.roteiro.append("recusa")
            self.assertJsonError(self.client.get("/"), 503)
        self.assertEqual(self.cache.data, {}, "sem banco, o contador não muda")

    def test_statement_timeout_is_503_and_not_retried(self):
        with self.real_pool():
            self.roteiro.append("timeout")
            self.assertJsonError(self.client.get("/log"), 503)
            fechadas = [c for c in self.conexoes if c.closed]
            self.assertEqual(len(fechadas), 1, "a conexão do erro não volta ao pool...")
            self.assertEqual(sum(len(c.executados) for c in self.conexoes), 0,
                             "... e um erro de consulta não é repetido noutra")

    def test_log_uses_one_connection_for_both_queries(self):
        with self.real_pool():
            resp = self.client.get("/log?limit=5")
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.headers["X-Consultas-DB"], "2")
        self.assertEqual([len(c.executados) for c in self.conexoes if c.executados], [2])

    def test_log_total_comes_from_the_trigger_count_not_count_star(self):
        with self.real_pool():
            resp = self.client.get("/log?limit=5")
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.get_json()["total"], 7)
        sqls = [sql for c in self.conexoes for sql in c.executados]
        self.assertIn("ORDER BY id DESC LIMIT", sqls[0])
        self.assertIn("FROM acessos_contagem", sqls[1])
        self.assertFalse(any("count(*) FROM acessos" in sql.replace("\n", " ") for sql in sqls),
                         "nada de COUNT(*) na tabela inteira a cada chamada")

    def test_first_log_creates_the_count_once_per_process(self):
        db._contagem_pronta = False  # o banco estava fora na partida (ou é um volume antigo)
        with self.real_pool():
            first = self.client.get("/log")
            second = self.client.get("/log")
        self.assertEqual(first.status_code, 200)
        self.assertEqual(second.status_code, 200)
        sqls = [sql for c in self.conexoes for sql in c.executados]
        criacao = [sql for sql in sqls if "CREATE TABLE acessos_contagem" in sql]
        self.assertEqual(len(criacao), 1, "a criação roda uma vez só por processo")
        for trecho in ("pg_advisory_xact_lock", "to_regclass('acessos_contagem') IS NOT NULL",
                       "LOCK TABLE acessos", "REFERENCING NEW TABLE", "FOR EACH STATEMENT",
                       "AFTER TRUNCATE", "SET n = (SELECT count(*) FROM acessos) WHERE fatia = 0"):
            self.assertIn(trecho, criacao[0])
        self.assertEqual(first.headers["X-Consultas-DB"], "5", "SET, DO, RESET e as duas consultas")
        self.assertEqual(second.headers["X-Consultas-DB"], "2")

    def test_count_creation_failure_is_503_and_retried_later(self):
        db._contagem_pronta = False
        with self.real_pool():
            self.roteiro.append("recusa")
            self.assertJsonError(self.client.get("/log"), 503)
            self.assertFalse(db._contagem_pronta)
            self.assertEqual(self.client.get("/log").status_code, 200)
        self.assertTrue(db._contagem_pronta)

    def test_unknown_route_is_json(self):
        self.assertJsonError(self.client.get("/nao-existe"), 404)

    def test_connect_failure_becomes_indisponivel(self):
        with self.real_pool():
            self.roteiro.append("recusa")
            with self.assertRaises(db.Indisponivel):
                db.get_conn()


if __name__ == "__main__":
    unittest.main()
