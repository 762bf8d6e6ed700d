"""O log de acesso do gateway: uma linha por requisição no stdout, como a dos serviços.

    10.0.0.7 "GET /users/1 HTTP/1.1" 200 request_id=3f2a...

Quem pediu, o pedido (o caminho como veio: um %0A não quebra a linha), o status e o
X-Request-ID (o do cliente ou o criado pelo gateway). Um cliente que sai enquanto o
gateway espera o serviço fica com 499, como no nginx (no meio do corpo que ele envia, 400).

As linhas saem em lotes, como no `access_log ... buffer= flush=` do nginx (que o bench usa
igual): uma escrita no máximo ESPERA s depois da primeira linha do lote, ou antes, com
LOTE linhas; no fim do processo (o docker stop, depois das últimas requisições: o
lifespan do ASGI), o que falta. Uma escrita por linha custava ~0,1 ms a cada requisição
com 1 cliente e ~7% da vazão com 8 (cada uma é uma chamada ao sistema, e o Docker lê
cada pedaço do pipe). Sem o módulo logging: ele custava ~20% da CPU de cada requisição
(o log do granian o usa).
"""
import asyncio
import sys

ESPERA = 0.1  # s que uma linha espera no lote, no máximo
LOTE = 256  # linhas: um lote cheio sai na hora (a memória do lote fica limitada)
# o granian põe "1" no http_version de um pedido HTTP/1.0 (o ASGI pede "1.0")
VERSOES = {"1": "1.0"}


class LogDeAcesso:
    def __init__(self, saida=None):
        self.saida = saida  # None: o sys.stdout do momento (os testes o trocam)
        self.linhas, self.parando = [], False

    def saiu(self, scope, status):
        """A linha da requisição que terminou, no lote (que sai cheio, no prazo ou no fim)."""
        cliente = (scope.get("client") or ("-",))[0]
        versao = scope.get("http_version", "1.1")
        self.linhas.append(
            f'{cliente} "{scope["method"]} {scope["raw_path"].decode("latin-1")} '
            f'HTTP/{VERSOES.get(versao, versao)}" {status} '
            f'request_id={scope.get("request_id", "-")}\n')
        if self.parando or len(self.linhas) >= LOTE:
            self.escrever()
        elif len(self.linhas) == 1:  # a primeira do lote: o prazo dele
            asyncio.get_running_loop().call_later(ESPERA, self.escrever)

    def escrever(self):
        if self.linhas:
            (self.saida or sys.stdout).write("".join(self.linhas))
            self.linhas.clear()

    async def ciclo_de_vida(self, receive, send):
        """O lifespan do ASGI: no fim do processo (docker stop), o lote que falta sai."""
        while (await receive())["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        self.parando = True
        self.escrever()
        await send({"type": "lifespan.shutdown.complete"})
