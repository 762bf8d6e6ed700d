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
        self.log.saiu(scope(b"/users/a%0Ab"), 200)
        self.log.saiu({"method": "GET", "raw_path": b"/x"}, 431)  # recusada antes do X-Request-ID
        self.log.escrever()
        self.assertEqual(self.saida.escritas, ['10.0.0.7 "GET /users/a%0Ab HTTP/1.1" 200 request_id=r1\n'
                                               '- "GET /x HTTP/1.1" 431 request_id=-\n'])

    async def test_http_1_0(self):
        """O granian diz "1" num pedido HTTP/1.0; a linha diz HTTP/1.0, como a do nginx."""
        self.log.saiu(dict(scope(), http_version="1"), 200)
        self.log.escrever()
        self.assertEqual(self.saida.escritas, ['10.0.0.7 "GET /users/1 HTTP/1.0" 200 request_id=r1\n'])

    async def test_as_linhas_saem_num_lote_no_prazo(self):
        self.log.saiu(scope(rid="a"), 200)
        self.log.saiu(scope(rid="b"), 503)
        self.assertEqual(self.saida.escritas, [], "o lote espera o prazo")
        await asyncio.sleep(acesso.ESPERA + 0.05)
        self.assertEqual(self.saida.escritas, ['10.0.0.7 "GET /users/1 HTTP/1.1" 200 request_id=a\n'
                                               '10.0.0.7 "GET /users/1 HTTP/1.1" 503 request_id=b\n'])

    async def test_um_lote_cheio_sai_na_hora(self):
        for i in range(acesso.LOTE + 1):
            self.log.saiu(scope(rid=str(i)), 200)
        self.assertEqual(len(self.saida.escritas), 1, "LOTE linhas numa escrita só, sem esperar")
        self.assertEqual(len(self.saida.escritas[0].splitlines()), acesso.LOTE)
        await asyncio.sleep(acesso.ESPERA + 0.05)
        self.assertEqual(self.saida.escritas[1:], ['10.0.0.7 "GET /users/1 HTTP/1.1" 200 '
                                                   f'request_id={acesso.LOTE}\n'])

    async def test_no_fim_do_processo_o_lote_que_falta_sai(self):
        """O lifespan do ASGI: o granian avisa o fim depois das últimas requisições."""
        mensagens = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        respostas = []

        async def receive():
            if mensagens[0]["type"] == "lifespan.shutdown":
                self.log.saiu(scope(rid="ultima"), 200)  # termina antes do aviso do fim
            return mensagens.pop(0)

        async def send(mensagem):
            respostas.append((mensagem["type"], list(self.saida.escritas)))
        await self.log.ciclo_de_vida(receive, send)
        fim = ['10.0.0.7 "GET /users/1 HTTP/1.1" 200 request_id=ultima\n']
        self.assertEqual(respostas, [("lifespan.startup.complete", []),
                                     ("lifespan.shutdown.complete", fim)])
        self.log.saiu(scope(rid="depois"), 200)  # (uma que ainda termine: direto, sem lote)
        self.assertEqual(self.saida.escritas[1:], ['10.0.0.7 "GET /users/1 HTTP/1.1" 200 request_id=depois\n'])


if __name__ == "__main__":
    unittest.main()
