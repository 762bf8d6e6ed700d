"""O log de acesso do gateway: uma linha por requisição no stdout, como a dos serviços.

    10.0.0.7 "GET /users/1 HTTP/1.1" 200 request_id=3f2a...

Quem pediu, o pedido (o caminho como veio: um %0A não quebra a linha), o status e o
X-Request-ID (o do cliente ou o criado pelo gateway). Um cliente que sai enquanto o
gateway espera o serviço fica com 499, como no nginx (no meio do corpo que ele envia, 400).

As linhas saem em lotes: uma escrita quando não há outra requisição em andamento (o
gateway parado, ou o docker stop esperando as últimas: nada fica para trás) ou, com
requisições em andamento, no máximo ESPERA s depois da primeira linha do lote. Uma escrita
por linha custava ~15% da vazão (cada uma é uma chamada ao sistema, e o Docker lê cada
pedaço do pipe); é o `access_log ... buffer= flush=` do nginx, que o bench usa igual.
Sem o módulo logging: ele custava ~20% da CPU de cada requisição (o log do granian o usa).
"""
import asyncio
import sys

ESPERA = 0.1  # s que uma linha espera no lote, no máximo, com requisições em andamento
# o granian põe "1" no http_version de um pedido HTTP/1.0 (o ASGI pede "1.0")
VERSOES = {"1": "1.0"}


class LogDeAcesso:
    def __init__(self, saida=None):
        self.saida = saida  # None: o sys.stdout do momento (os testes o trocam)
        self.linhas, self.em_andamento = [], 0

    def entrou(self):
        self.em_andamento += 1

    def saiu(self, scope, status):
        """A linha da requisição que terminou; escreve o lote se era a última em andamento."""
        self.em_andamento -= 1
        cliente = (scope.get("client") or ("-",))[0]
        versao = scope.get("http_version", "1.1")
        self.linhas.append(
            f'{cliente} "{scope["method"]} {scope["raw_path"].decode("latin-1")} '
            f'HTTP/{VERSOES.get(versao, versao)}" {status} '
            f'request_id={scope.get("request_id", "-")}\n')
        if self.em_andamento == 0:
            self.escrever()
        elif len(self.linhas) == 1:  # a primeira do lote: o prazo dele
            asyncio.get_running_loop().call_later(ESPERA, self.escrever)

    def escrever(self):
        if self.linhas:
            (self.saida or sys.stdout).write("".join(self.linhas))
            self.linhas.clear()
