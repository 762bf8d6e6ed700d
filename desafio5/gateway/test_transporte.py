"""Testes unitários do transporte: o cliente HTTP/1.1, os pools, o rodízio e as novas tentativas.

Rodam dentro da imagem: docker compose run --rm --no-deps gateway python -m unittest -v
Três níveis: Upstream com conexões dublês (roteiro), Conexao contra um socketpair,
e Upstream contra serviços falsos de verdade (sockets em 127.0.0.1), para o que
depende do kernel: resposta antes do corpo todo, conexão que não responde.
"""
import socket
import threading
import time
import unittest
from unittest import mock

import transporte as tr


def resposta(status=200, body=b'{"ok":true}\n', servido_por="replica-1"):
    return tr.Resposta(status, "OK", [("Content-Type", "application/json"),
                                      ("Content-Length", str(len(body))),
                                      ("X-Servido-Por", servido_por)], body)


class FakeSock:
    def settimeout(self, valor):
        pass


class FakeConexao:
    """Dublê de tr.Conexao (criada por tr.conectar): registra chamadas e segue um roteiro."""
    criadas, tentativas, roteiro = [], [], {}

    def __init__(self, host, port, host_header, timeout=None):
        FakeConexao.tentativas.append(host)
        erro = FakeConexao.roteiro["connect"].get(host)
        if erro:
            raise erro
        self.host, self.port, self.host_header = host, port, host_header
        self.requests, self.closed, self.fechar, self.sock = [], False, False, FakeSock()
        FakeConexao.criadas.append(self)

    def trocar(self, method, path, headers, body):
        self.requests.append((method, path, body, headers))
        passo = FakeConexao.roteiro["respostas"].pop(0)
        if isinstance(passo, BaseException):
            raise passo
        return passo

    def viva(self):
        return not self.closed

    def close(self):
        self.closed = True


class UpstreamTest(unittest.TestCase):
    """Upstream com conexões dublês: pool, rodízio, resolução do nome, novas tentativas."""

    def setUp(self):
        FakeConexao.criadas, FakeConexao.tentativas = [], []
        FakeConexao.roteiro = {"respostas": [], "connect": {}}
        self.dns = {"svc": ["10.0.0.1"]}
        for p in (mock.patch.object(tr, "conectar", FakeConexao),
                  mock.patch.object(tr.socket, "getaddrinfo", self.fake_getaddrinfo)):
            p.start()
            self.addCleanup(p.stop)
        self.up = tr.Upstream("svc", "http://svc:5003")

    def fake_getaddrinfo(self, host, port, type=0):
        if not self.dns.get(host):
            raise OSError(-2, "Name or service not known")
        return [(2, 1, 6, "", (ip, port)) for ip in self.dns[host]]

    def responder(self, *passos):
        FakeConexao.roteiro["respostas"].extend(passos)

    def get(self, method="GET", body=None):
        return self.up.request(method, "/users", body, {"X-Request-ID": "r1"})

    def assertFalha(self, status, mensagem, method="GET", body=None):
        with self.assertRaises(tr.FalhaUpstream) as ctx:
            self.get(method, body)
        self.assertEqual((ctx.exception.status, ctx.exception.mensagem), (status, mensagem))

    def test_conecta_no_endereco_com_o_host_do_servico(self):
        self.responder(resposta())
        self.assertEqual(self.get().status, 200)
        conn = FakeConexao.criadas[0]
        self.assertEqual((conn.host, conn.port, conn.host_header), ("10.0.0.1", 5003, "svc:5003"))
        self.assertEqual(conn.requests[0][:2], ("GET", "/users"))

    def test_pool_reaproveita_a_conexao(self):
        self.responder(resposta(), resposta(), resposta())
        for _ in range(3):
            self.assertEqual(self.get().status, 200)
        self.assertEqual(len(FakeConexao.criadas), 1, "keep-alive: uma conexão só")

    def test_conexao_velha_e_trocada_sem_erro(self):
        self.responder(resposta(), tr.ConexaoFechada("fechou"), resposta())
        self.assertEqual(self.get().status, 200)
        self.assertEqual(self.get().status, 200)
        self.assertEqual(len(FakeConexao.criadas), 2)
        self.assertTrue(FakeConexao.criadas[0].closed)

    def test_conexao_fechada_no_pool_nem_e_usada(self):
        self.responder(resposta(), resposta())
        self.get()
        FakeConexao.criadas[0].viva = lambda: False  # o serviço fechou enquanto ela esperava
        self.assertEqual(self.get("POST", b"{}").status, 200, "nem um POST se perde por isso")
        self.assertEqual(len(FakeConexao.criadas), 2)
        self.assertEqual(FakeConexao.criadas[0].requests[1:], [])

    def test_rodizio_por_requisicao_entre_replicas(self):
        self.dns["svc"] = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
        self.responder(*[resposta() for _ in range(6)])
        for _ in range(6):
            self.assertEqual(self.get().status, 200)
        usados = [c.host for c in FakeConexao.criadas for _ in c.requests]
        self.assertEqual(sorted(usados), ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2",
                                          "10.0.0.3", "10.0.0.3"])
        self.assertEqual(len(FakeConexao.criadas), 3, "um pool por endereço, reaproveitado")

    def test_recusada_tenta_o_proximo_e_deixa_o_endereco_de_fora(self):
        self.dns["svc"] = ["10.0.0.1", "10.0.0.2"]
        FakeConexao.roteiro["connect"]["10.0.0.1"] = ConnectionRefusedError("recusada")
        self.responder(*[resposta() for _ in range(4)])
        for _ in range(4):
            self.assertEqual(self.get().status, 200)
        self.assertEqual(FakeConexao.tentativas.count("10.0.0.1"), 1, "o endereço que falhou fica de fora")

    def test_post_nao_repetido_depois_de_enviado(self):
        self.dns["svc"] = ["10.0.0.1", "10.0.0.2"]
        self.responder(ConnectionResetError("cortada"), resposta())
        self.assertFalha(503, "svc indisponível", "POST", b"{}")
        self.assertEqual(len(FakeConexao.criadas), 1, "um POST que pode ter chegado não se repete")

    def test_post_recusado_na_conexao_vai_ao_proximo(self):
        self.dns["svc"] = ["10.0.0.1", "10.0.0.2"]
        FakeConexao.roteiro["connect"]["10.0.0.1"] = ConnectionRefusedError("recusada")
        self.responder(resposta(201))
        # o rodízio pode começar por qualquer um; recusa na conexão nunca é um POST enviado
        self.assertEqual(self.get("POST", b"{}").status, 201)

    def test_resolve_de_novo_depois_do_intervalo(self):
        self.responder(resposta(), resposta())
        with mock.patch.object(tr.time, "monotonic", return_value=1000.0):
            self.get()
        self.dns["svc"] = ["10.0.0.9"]
        with mock.patch.object(tr.time, "monotonic", return_value=1000.0 + tr.RESOLVE_EVERY):
            self.get()
        self.assertEqual(FakeConexao.tentativas, ["10.0.0.1", "10.0.0.9"])

    def test_nome_que_nao_resolve_503(self):
        self.dns["svc"] = []
        self.assertFalha(503, "svc indisponível")

    def test_nome_que_passa_a_resolver_vale_ja_na_proxima(self):
        self.dns["svc"] = []
        self.assertFalha(503, "svc indisponível")
        self.dns["svc"] = ["10.0.0.5"]  # a réplica subiu (ex.: logo depois do deploy)
        self.responder(resposta())
        self.assertEqual(self.get().status, 200, "sem esperar RESOLVE_EVERY")

    def test_servico_recusando_503(self):
        FakeConexao.roteiro["connect"]["10.0.0.1"] = ConnectionRefusedError("recusada")
        self.assertFalha(503, "svc indisponível")

    def test_conexao_nova_sem_resposta_504_sem_nova_tentativa(self):
        self.dns["svc"] = ["10.0.0.1", "10.0.0.2"]
        self.responder(TimeoutError("lento"), resposta())
        self.assertFalha(504, "svc não respondeu em 2 s")
        self.assertEqual(len(FakeConexao.criadas), 1, "conexão nova que não responde: serviço travado")
        self.assertTrue(FakeConexao.criadas[0].closed, "conexão travada não volta ao pool")

    def test_reaproveitada_sem_resposta_tenta_outro_endereco_uma_vez(self):
        self.dns["svc"] = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
        self.responder(resposta(), TimeoutError("sumiu"), resposta(servido_por="outra"))
        self.get()  # deixa uma conexão no pool do primeiro endereço
        self.up._vez = iter([0, 0, 0])  # a próxima vai ao mesmo endereço, pela conexão do pool
        self.assertEqual(self.get().headers[2], ("X-Servido-Por", "outra"))
        self.assertEqual([c.host for c in FakeConexao.criadas], ["10.0.0.1", "10.0.0.2"])

    def test_reaproveitada_sem_resposta_duas_vezes_504(self):
        self.dns["svc"] = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
        self.responder(resposta(), resposta(), TimeoutError("sumiu"), TimeoutError("também"), resposta())
        self.get()
        self.get()  # uma conexão no pool de cada um dos dois primeiros
        self.up._vez = iter([0, 0, 0])
        self.assertFalha(504, "svc não respondeu em 2 s")
        self.assertEqual(len(FakeConexao.criadas), 2, "uma nova tentativa só")

    def test_post_reaproveitado_sem_resposta_nao_se_repete(self):
        self.dns["svc"] = ["10.0.0.1", "10.0.0.2"]
        self.responder(resposta(), TimeoutError("sumiu"), resposta())
        self.get()
        self.up._vez = iter([0, 0])
        self.assertFalha(504, "svc não respondeu em 2 s", "POST", b"{}")
        self.assertEqual(len(FakeConexao.criadas), 1)


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
        conn = tr.Conexao(nosso, "users_service:5003")
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

    def test_host_do_cliente_no_lugar_do_nome_do_servico(self):
        nosso, deles = socket.socketpair()
        self.addCleanup(deles.close)
        conn = tr.Conexao(nosso, "users_service:5003")
        self.addCleanup(conn.close)
        deles.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        conn.trocar("GET", "/users", {"host": "localhost:5004"}, None)
        self.assertEqual(deles.recv(65536), b"GET /users HTTP/1.1\r\nhost: localhost:5004\r\n\r\n")

    def test_content_length_e_keep_alive(self):
        conn, (r1, r2), _ = self.trocar(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n[1]",
            b"HTTP/1.1 404 NOT FOUND\r\nContent-Length: 2\r\nX-Servido-Por: b\r\n\r\n{}")
        self.assertEqual((r1.status, r1.body, r1.content_type), (200, b"[1]", "application/json"))
        self.assertEqual((r2.status, r2.reason, r2.body), (404, "NOT FOUND", b"{}"))
        self.assertIn(("X-Servido-Por", "b"), r2.headers)
        self.assertFalse(conn.fechar)
        self.assertTrue(conn.viva(), "ociosa e aberta")

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
        with self.assertRaises(tr.ConexaoFechada):
            self.trocar()

    def test_content_length_malformado(self):
        with self.assertRaises(tr.ConexaoFechada):
            self.trocar(b"HTTP/1.1 200 OK\r\nContent-Length: muito\r\n\r\n")

    def test_resposta_que_nao_e_http(self):
        with self.assertRaises(tr.ConexaoFechada):
            self.trocar(b"SSH-2.0-OpenSSH\r\n\r\n")

    def test_fechada_pelo_servico_nao_esta_viva(self):
        nosso, deles = socket.socketpair()
        conn = tr.Conexao(nosso, "x")
        self.addCleanup(conn.close)
        deles.close()
        self.assertFalse(conn.viva())


class ServicoFalso:
    """Um serviço HTTP de verdade em 127.0.0.1, com um comportamento por pedido:
    "responde" (200, lendo o corpo), "405" (responde sem ler o corpo e fecha, como o
    granian do users_service num POST), "trava" (lê o pedido e nunca responde)."""

    def __init__(self, test, *comportamentos, depois="responde"):
        self.roteiro, self.depois, self.pedidos = list(comportamentos), depois, 0
        self.escuta = socket.create_server(("127.0.0.1", 0))
        self.port = self.escuta.getsockname()[1]
        self.conexoes = []
        test.addCleanup(self.parar)
        threading.Thread(target=self._aceitar, daemon=True).start()

    def _aceitar(self):
        while True:
            try:
                sock, _ = self.escuta.accept()
            except OSError:
                return
            self.conexoes.append(sock)
            threading.Thread(target=self._atender, args=(sock,), daemon=True).start()

    def _atender(self, sock):
        arquivo = sock.makefile("rb")
        try:
            while True:
                linhas = []
                while (linha := arquivo.readline()) not in (b"\r\n", b""):
                    linhas.append(linha)
                if not linhas:
                    return
                self.pedidos += 1
                modo = self.roteiro.pop(0) if self.roteiro else self.depois
                tamanho = next((int(l.split(b":")[1]) for l in linhas
                                if l.lower().startswith(b"content-length:")), 0)
                if modo == "trava":
                    arquivo.read(tamanho)
                    threading.Event().wait(30)  # a máquina sumiu: nem resposta, nem FIN
                    return
                if modo == "405":
                    body = b'{"erro":"m\xc3\xa9todo n\xc3\xa3o permitido"}\n'
                    sock.sendall(b"HTTP/1.1 405 METHOD NOT ALLOWED\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                    return  # fecha sem ler o corpo: o kernel manda RST a quem ainda envia
                arquivo.read(tamanho)
                body = b'{"porta":%d}' % self.port
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        except OSError:
            return
        finally:
            arquivo.close()
            sock.close()

    def parar(self):
        self.escuta.close()
        for sock in self.conexoes:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class UpstreamRedeTest(unittest.TestCase):
    """Upstream contra serviços falsos de verdade: cada IP "do nome" vai a um ServicoFalso."""

    def setUp(self):
        self.portas = {}
        conectar = tr.conectar

        def conectar_local(ip, port, host, timeout=None):
            return conectar("127.0.0.1", self.portas[ip], host, timeout)

        getaddrinfo = socket.getaddrinfo

        def fake_getaddrinfo(host, port, *args, **kwargs):
            if host != "users_service":  # o connect de verdade, em 127.0.0.1
                return getaddrinfo(host, port, *args, **kwargs)
            return [(2, 1, 6, "", (ip, port)) for ip in sorted(self.portas)]

        for p in (mock.patch.object(tr, "conectar", conectar_local),
                  mock.patch.object(tr.socket, "getaddrinfo", fake_getaddrinfo),
                  mock.patch.object(tr, "READ_TIMEOUT", 0.3),
                  mock.patch.object(tr, "TOTAL_TIMEOUT", 0.6)):
            p.start()
            self.addCleanup(p.stop)
        self.up = tr.Upstream("users_service", "http://users_service:5003")
        self.addCleanup(lambda: [tr._fechar_todas(pool) for pool in self.up._pools.values()])

    def servicos(self, *servicos):
        for i, s in enumerate(servicos, 1):
            self.portas[f"10.0.0.{i}"] = s.port
        return servicos

    def test_resposta_antes_do_corpo_e_repassada_e_a_replica_segue_no_rodizio(self):
        (servico,) = self.servicos(ServicoFalso(self, depois="405"))
        corpo = b"x" * (4 * 1024 * 1024)  # maior que os buffers do socket: o envio quebra
        for i in range(10):
            with self.subTest(vez=i):
                resp = self.up.request("POST", "/users", corpo, {"X-Request-ID": "r1"})
                self.assertEqual(resp.status, 405)
                self.assertEqual(resp.json(), {"erro": "método não permitido"})
        self.assertEqual(self.up._fora_ate, {}, "responder sem ler o corpo não é falha da réplica")
        self.assertEqual(servico.pedidos, 10)

    def test_pool_nao_guarda_conexao_que_o_servico_fechou(self):
        self.servicos(ServicoFalso(self, "405", depois="responde"))
        resp = self.up.request("POST", "/users", b"{}", {})  # pequeno: cabe no buffer, nada quebra
        self.assertEqual(resp.status, 405)
        time.sleep(0.05)  # o FIN do serviço chega
        resp = self.up.request("POST", "/users", b"{}", {})
        self.assertEqual(resp.status, 200, "o POST seguinte vai por uma conexão nova, não falha")

    def test_reaproveitada_que_nao_responde_vai_a_outro_endereco(self):
        # a réplica 1 responde uma vez (a conexão fica no pool) e some, como a máquina que caiu
        self.servicos(ServicoFalso(self, "responde", depois="trava"), ServicoFalso(self))
        self.assertEqual(self.up.request("GET", "/users").status, 200)  # 10.0.0.1, fica no pool
        self.assertEqual(self.up.request("GET", "/users").status, 200)  # 10.0.0.2
        inicio = time.monotonic()
        resp = self.up.request("GET", "/users")  # a vez de 10.0.0.1, pela conexão do pool
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.json(), {"porta": self.portas["10.0.0.2"]})
        self.assertLess(time.monotonic() - inicio, tr.TOTAL_TIMEOUT)

    def test_servico_travado_de_verdade_504_dentro_do_prazo(self):
        self.servicos(ServicoFalso(self, "responde", depois="trava"),
                      ServicoFalso(self, "responde", depois="trava"),
                      ServicoFalso(self, "responde", depois="trava"))
        # a nova tentativa teria outros 0,5 s (1 s ao todo); o prazo total corta em 0,6
        with mock.patch.object(tr, "READ_TIMEOUT", 0.5), mock.patch.object(tr, "TOTAL_TIMEOUT", 0.6):
            for _ in range(3):
                self.up.request("GET", "/users")  # uma conexão no pool de cada réplica
            inicio = time.monotonic()
            with self.assertRaises(tr.FalhaUpstream) as ctx:
                self.up.request("GET", "/users")
        self.assertEqual((ctx.exception.status, ctx.exception.mensagem),
                         (504, "users_service não respondeu em 0.5 s"))
        self.assertLess(time.monotonic() - inicio, 0.85)


if __name__ == "__main__":
    unittest.main()
