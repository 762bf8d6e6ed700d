"""Testes unitários do log de acesso (acesso.py): a linha e os lotes."""
import asyncio
import unittest

import acesso


class Saida:
    """Um stdout que guarda cada escrita (uma escrita = um lote)."""

    def __init__(self):
        self.escritas = []

    def write(self, texto):
        self.escritas.append(texto)


def scope(caminho=b"/users/1", rid="r1"):
    return {"method": "GET", "raw_path": caminho, "client": ("10.0.0.7", 40000),
            "http_version": "1.1", "request_id": rid}


class LogDeAcessoTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.saida = Saida()
        self.log = acesso.LogDeAcesso(self.saida)

    async def test_a_linha(self):
        self.log.entrou()
        self.log.saiu(scope(b"/users/a%0Ab"), 200)
        self.assertEqual(self.saida.escritas, ['10.0.0.7 "GET /users/a%0Ab HTTP/1.1" 200 request_id=r1\n'])
        self.log.entrou()
        self.log.saiu({"method": "GET", "raw_path": b"/x"}, 431)  # recusada antes do X-Request-ID
        self.assertEqual(self.saida.escritas[1], '- "GET /x HTTP/1.1" 431 request_id=-\n')

    async def test_http_1_0(self):
        """O granian diz "1" num pedido HTTP/1.0; a linha diz HTTP/1.0, como a do nginx."""
        self.log.entrou()
        self.log.saiu(dict(scope(), http_version="1"), 200)
        self.assertEqual(self.saida.escritas, ['10.0.0.7 "GET /users/1 HTTP/1.0" 200 request_id=r1\n'])

    async def test_um_lote_quando_a_ultima_em_andamento_termina(self):
        for _ in range(3):
            self.log.entrou()
        self.log.saiu(scope(rid="a"), 200)
        self.log.saiu(scope(rid="b"), 503)
        self.assertEqual(self.saida.escritas, [], "com requisições em andamento, espera o lote")
        self.log.saiu(scope(rid="c"), 200)
        self.assertEqual(len(self.saida.escritas), 1, "as três numa escrita só")
        self.assertEqual([linha.rsplit("=", 1)[1] for linha in self.saida.escritas[0].splitlines()],
                         ["a", "b", "c"])

    async def test_com_requisicoes_em_andamento_o_lote_sai_no_prazo(self):
        self.log.entrou()
        self.log.entrou()  # esta fica em andamento
        self.log.saiu(scope(), 200)
        self.assertEqual(self.saida.escritas, [])
        await asyncio.sleep(acesso.ESPERA + 0.05)
        self.assertEqual(self.saida.escritas, ['10.0.0.7 "GET /users/1 HTTP/1.1" 200 request_id=r1\n'])


if __name__ == "__main__":
    unittest.main()
