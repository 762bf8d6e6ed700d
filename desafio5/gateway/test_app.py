"""Testes unitários do gateway: repasse transparente, balanceamento, X-Request-ID e erros.

Rodam dentro da imagem: docker compose run --rm --no-deps gateway python -m unittest -v
Nada de rede: getaddrinfo e http.client.HTTPConnection são dublês com roteiro.
"""
import socket
import threading
import unittest
from unittest import mock

import app as gw


def resposta(status=200, body=b'{"ok":true}\n', content_type="application/json",
             servido_por="replica-1"):
    return gw.Resposta(status, "OK", [("Content-Type", content_type),
                                      ("Content-Length", str(len(body))),
                                      ("X-Servido-Por", servido_por), ("Server", "granian")], body)


class FakeConexao:
    """Dublê de gw.Conexao (criada por gw.conectar): registra chamadas e segue um roteiro."""
    criadas, tentativas = [], []

    def __init__(self, host, port, host_header):
        FakeConexao.tentativas.append(host)
        erro = FakeConexao.roteiro["connect"].get(host)
        if erro:
            raise erro
        self.host, self.port, self.host_header = host, port, host_header
        self.requests, self.closed, self.fechar = [], False, False
        FakeConexao.criadas.append(self)

    def trocar(self, method, path, headers, body):
        self.requests.append((method, path, body, headers))
        passo = FakeConexao.roteiro["respostas"].pop(0)
        if isinstance(passo, BaseException):
            raise passo
        return passo

    def close(self):
        self.closed = True


class GatewayTest(unittest.TestCase):
    def setUp(self):
        FakeConexao.criadas, FakeConexao.tentativas = [], []
        FakeConexao.roteiro = {"respostas": [], "connect": {}}
        self.dns = {"users_service": ["10.0.0.1"], "orders_service": ["10.0.1.1"]}
        patches = [mock.patch.object(gw, "conectar", FakeConexao),
                   mock.patch.object(gw.socket, "getaddrinfo", self.fake_getaddrinfo)]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        gw.UPSTREAMS.clear()
        gw.UPSTREAMS.update({nome: gw.Upstream(nome, url) for nome, url in gw.UPSTREAM_URLS.items()})
        self.client = gw.app.test_client()

    def fake_getaddrinfo(self, host, port, type=0):
        if not self.dns.get(host):
            raise OSError(-2, "Name or service not known")
        return [(2, 1, 6, "", (ip, port)) for ip in self.dns[host]]

    def responder(self, *passos):
        FakeConexao.roteiro["respostas"].extend(passos)

    def hosts(self):
        """Os endereços a que o gateway tentou conectar, na ordem."""
        return list(FakeConexao.tentativas)

    def assertErro(self, resp, status, servico, mensagem=None):
        self.assertEqual(resp.status_code, status)
        self.assertEqual(resp.mimetype, "application/json")
        self.assertEqual(resp.get_json()["servico"], servico)
        if mensagem:
            self.assertEqual(resp.get_json()["erro"], mensagem)

    def test_repasse_transparente(self):
        self.responder(resposta(404, b'{"erro":"x"}\n', "application/json; charset=x"))
        resp = self.client.get("/users/9/extra?a=1&b=2")
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(resp.data, b'{"erro":"x"}\n')
        self.assertEqual(resp.headers["Content-Type"], "application/json; charset=x")
        self.assertEqual(resp.headers["X-Servido-Por"], "replica-1")
        self.assertNotIn("granian", resp.headers.get("Server", ""))
        conn = FakeConexao.criadas[0]
        self.assertEqual((conn.host, conn.port, conn.host_header),
                         ("10.0.0.1", 5003, "users_service:5003"))
        self.assertEqual(conn.requests[0][:2], ("GET", "/users/9/extra?a=1&b=2"))

    def test_caminho_codificado_de_novo(self):
        self.responder(resposta())
        self.client.get("/users/a%20b/%C3%A9")
        self.assertEqual(FakeConexao.criadas[0].requests[0][1], "/users/a%20b/%C3%A9")

    def test_metodo_corpo_e_cabecalhos_repassados(self):
        self.responder(resposta(201))
        resp = self.client.post("/orders", data=b'{"x":1}', content_type="application/json",
                                headers={"X-Outro": "sim", "Proxy": "http://mau:1"})
        self.assertEqual(resp.status_code, 201)
        method, path, body, headers = FakeConexao.criadas[0].requests[0]
        self.assertEqual((method, path, body), ("POST", "/orders", b'{"x":1}'))
        self.assertEqual(headers["x-outro"], "sim")
        self.assertEqual(headers["content-type"], "application/json")
        self.assertNotIn("proxy", headers, "httpoxy: o cabeçalho Proxy não atravessa")

    def test_pool_reaproveita_a_conexao(self):
        self.responder(resposta(), resposta(), resposta())
        for _ in range(3):
            self.assertEqual(self.client.get("/orders").status_code, 200)
        self.assertEqual(len(FakeConexao.criadas), 1, "keep-alive: uma conexão só")

    def test_conexao_velha_e_trocada_sem_erro(self):
        self.responder(resposta(), gw.ConexaoFechada("fechou"), resposta())
        self.assertEqual(self.client.get("/orders").status_code, 200)
        self.assertEqual(self.client.get("/orders").status_code, 200)
        self.assertEqual(len(FakeConexao.criadas), 2)
        self.assertTrue(FakeConexao.criadas[0].closed)

    def test_rodizio_por_requisicao_entre_replicas(self):
        self.dns["users_service"] = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
        self.responder(*[resposta() for _ in range(6)])
        for _ in range(6):
            self.assertEqual(self.client.get("/users").status_code, 200)
        usados = [c.host for c in FakeConexao.criadas for _ in c.requests]
        self.assertEqual(sorted(usados), ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2",
                                          "10.0.0.3", "10.0.0.3"])
        self.assertEqual(len(FakeConexao.criadas), 3, "um pool por endereço, reaproveitado")

    def test_recusada_tenta_o_proximo_e_deixa_o_endereco_de_fora(self):
        self.dns["users_service"] = ["10.0.0.1", "10.0.0.2"]
        FakeConexao.roteiro["connect"]["10.0.0.1"] = ConnectionRefusedError("recusada")
        self.responder(*[resposta() for _ in range(4)])
        for _ in range(4):
            self.assertEqual(self.client.get("/users").status_code, 200)
        self.assertEqual(self.hosts().count("10.0.0.1"), 1, "o endereço que falhou fica de fora")

    def test_post_nao_repetido_depois_de_enviado(self):
        self.dns["orders_service"] = ["10.0.1.1", "10.0.1.2"]
        self.responder(ConnectionResetError("cortada"), resposta())
        self.assertErro(self.client.post("/orders", data=b"{}"), 503, "orders_service")
        self.assertEqual(len(FakeConexao.criadas), 1, "um POST que pode ter chegado não se repete")

    def test_post_recusado_na_conexao_vai_ao_proximo(self):
        self.dns["orders_service"] = ["10.0.1.1", "10.0.1.2"]
        FakeConexao.roteiro["connect"]["10.0.1.1"] = ConnectionRefusedError("recusada")
        self.responder(resposta(201))
        # o rodízio pode começar por qualquer um; recusa na conexão nunca é um POST enviado
        self.assertEqual(self.client.post("/orders", data=b"{}").status_code, 201)

    def test_resolve_de_novo_depois_do_intervalo(self):
        self.responder(resposta(), resposta())
        with mock.patch.object(gw.time, "monotonic", return_value=1000.0):
            self.client.get("/users")
        self.dns["users_service"] = ["10.0.0.9"]
        with mock.patch.object(gw.time, "monotonic", return_value=1000.0 + gw.RESOLVE_EVERY):
            self.client.get("/users")
        self.assertEqual(self.hosts(), ["10.0.0.1", "10.0.0.9"])

    def test_request_id_mantido_ou_criado(self):
        self.responder(resposta(), resposta())
        resp = self.client.get("/orders", headers={"X-Request-ID": "abc-123"})
        self.assertEqual(resp.headers["X-Request-ID"], "abc-123")
        self.assertEqual(FakeConexao.criadas[0].requests[0][3]["X-Request-ID"], "abc-123")
        resp = self.client.get("/orders")
        self.assertRegex(resp.headers["X-Request-ID"], r"^[0-9a-f]{32}$")
        enviado = FakeConexao.criadas[0].requests[1][3]
        self.assertEqual(enviado["X-Request-ID"], resp.headers["X-Request-ID"])

    def test_nome_que_nao_resolve_503(self):
        self.dns["users_service"] = []
        self.assertErro(self.client.get("/users"), 503, "users_service", "users_service indisponível")

    def test_nome_que_passa_a_resolver_vale_ja_na_proxima(self):
        self.dns["users_service"] = []
        self.assertEqual(self.client.get("/users").status_code, 503)
        self.dns["users_service"] = ["10.0.0.5"]  # a réplica subiu (ex.: logo depois do deploy)
        self.responder(resposta())
        self.assertEqual(self.client.get("/users").status_code, 200, "sem esperar RESOLVE_EVERY")

    def test_servico_recusando_503(self):
        FakeConexao.roteiro["connect"]["10.0.0.1"] = ConnectionRefusedError("recusada")
        self.assertErro(self.client.get("/users"), 503, "users_service")

    def test_servico_travado_504(self):
        self.responder(TimeoutError("lento"))
        self.assertErro(self.client.get("/orders/101"), 504, "orders_service",
                        "orders_service não respondeu em 2 s")
        self.assertTrue(FakeConexao.criadas[0].closed, "conexão travada não volta ao pool")

    def test_metodo_desconhecido_405_json(self):
        resp = self.client.open("/users", method="TRACE")
        self.assertEqual(resp.status_code, 405)
        self.assertEqual(resp.get_json(), {"erro": "método não permitido"})

    def test_composicao(self):
        self.responder(resposta(body=b'{"id":1,"nome":"Ana"}'), resposta(body=b'[{"id":101}]'))
        resp = self.client.get("/users/1/orders", headers={"X-Request-ID": "comp-1"})
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.get_json(), {"usuario": {"id": 1, "nome": "Ana"},
                                           "pedidos": [{"id": 101}]})
        self.assertEqual(FakeConexao.criadas[1].requests[0][1], "/orders?user_id=1")
        self.assertEqual(FakeConexao.criadas[1].requests[0][3]["X-Request-ID"], "comp-1")

    def test_composicao_usuario_inexistente_404(self):
        self.responder(resposta(404, b'{"erro":"nao"}'))
        resp = self.client.get("/users/99/orders")
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(len(FakeConexao.criadas), 1, "não consulta pedidos")

    def test_health_por_upstream(self):
        FakeConexao.roteiro["connect"]["10.0.1.1"] = ConnectionRefusedError("fora")
        self.responder(resposta())
        body = self.client.get("/health").get_json()
        self.assertEqual(body["upstreams"], {"users_service": "ok",
                                             "orders_service": "orders_service indisponível"})
        self.assertEqual(body["status"], "degradado")

    def test_rota_desconhecida_json(self):
        for path in ("/nada", "/users/", "/usersx"):
            with self.subTest(path=path):
                resp = self.client.get(path)
                self.assertEqual(resp.status_code, 404)
                self.assertIn("erro", resp.get_json())


class ConexaoTest(unittest.TestCase):
    """O cliente HTTP/1.1 mínimo contra um "serviço" do outro lado de um socketpair."""

    def trocar(self, *respostas, method="GET", body=None):
        nosso, deles = socket.socketpair()
        nosso.settimeout(2)  # um erro no cliente vira falha do teste, não um teste travado
        self.addCleanup(deles.close)
        recebido = []

        def servico():
            for r in respostas:
                recebido.append(deles.recv(65536))
                deles.sendall(r)
            if not respostas:
                recebido.append(deles.recv(65536))
                deles.close()

        t = threading.Thread(target=servico)
        t.start()
        conn = gw.Conexao(nosso, "users_service:5003")
        self.addCleanup(conn.close)
        resultados = []
        try:
            for _ in respostas or [None]:
                resultados.append(conn.trocar(method, "/users?x=1", {"X-Request-ID": "r1"}, body))
        finally:
            t.join(5)
        return conn, resultados, recebido

    def test_pedido_bem_formado(self):
        _, _, recebido = self.trocar(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                                     method="POST", body=b'{"a":1}')
        self.assertEqual(recebido[0], b"POST /users?x=1 HTTP/1.1\r\nHost: users_service:5003\r\n"
                                      b"X-Request-ID: r1\r\nContent-Length: 7\r\n\r\n{\"a\":1}")

    def test_content_length_e_keep_alive(self):
        conn, (r1, r2), _ = self.trocar(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n[1]",
            b"HTTP/1.1 404 NOT FOUND\r\nContent-Length: 2\r\nX-Servido-Por: b\r\n\r\n{}")
        self.assertEqual((r1.status, r1.body, r1.content_type), (200, b"[1]", "application/json"))
        self.assertEqual((r2.status, r2.reason, r2.body), (404, "NOT FOUND", b"{}"))
        self.assertIn(("X-Servido-Por", "b"), r2.headers)
        self.assertFalse(conn.fechar)

    def test_chunked(self):
        _, (r,), _ = self.trocar(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n")
        self.assertEqual(r.body, b"abcde")

    def test_connection_close_e_head(self):
        conn, (r,), _ = self.trocar(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n",
                                    method="HEAD")
        self.assertEqual(r.body, b"")
        self.assertTrue(conn.fechar, "Connection: close não volta ao pool")

    def test_servico_fechou(self):
        with self.assertRaises(gw.ConexaoFechada):
            self.trocar()

    def test_content_length_malformado(self):
        with self.assertRaises(gw.ConexaoFechada):
            self.trocar(b"HTTP/1.1 200 OK\r\nContent-Length: muito\r\n\r\n")

    def test_resposta_que_nao_e_http(self):
        with self.assertRaises(gw.ConexaoFechada):
            self.trocar(b"SSH-2.0-OpenSSH\r\n\r\n")


if __name__ == "__main__":
    unittest.main()
