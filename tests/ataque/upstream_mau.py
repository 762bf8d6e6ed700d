"""Um serviço que se comporta mal, para o ./run.sh test 5 (achados 5, 6 e 8 da issue #22).

Fica no lugar do users_service atrás de um segundo gateway (e de um nginx, a referência),
na porta 5003, e responde conforme o caminho:
  /users/eco             200 com a linha do pedido, os cabeçalhos e o tamanho do corpo (JSON)
  /users/continue/ID     um "100 Continue" antes do 200 (corpo: ID)
  /users/sobra/ID        o 200 (corpo: ID) e, logo atrás, bytes de uma segunda resposta ("FALSA")
  /users/negativo/ID     chunked com um tamanho de chunk -1
  /users/grande          50 MiB, com Content-Length
  /users/sem-fim         chunked sem fim (no máximo 60 s)
  /users/lento           Content-Length 20, um byte por segundo
  /users/ID (o resto)    200 com o próprio caminho no corpo
  /registro              os pedidos recebidos até agora, um por linha (para ver o que chegou)
  /health                200
  HEAD de qualquer caminho: os cabeçalhos de um corpo de 10 bytes, sem o corpo (como deve ser)
Escrito à mão sobre asyncio de propósito: é o serviço que ninguém deveria escrever.
"""
import asyncio
import json
import os
import re

REGISTRO = []  # a linha e o X-Marca de cada pedido recebido


def resposta(corpo, status=b"200 OK", tipo=b"text/plain"):
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: " + tipo + b"\r\nContent-Length: %d\r\n\r\n" % len(corpo)
            + corpo)


async def atender(reader, writer):
    try:
        while True:
            cabecalho = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
            linha, _, resto = cabecalho.partition(b"\r\n")
            headers = [h.split(b":", 1) for h in resto.split(b"\r\n") if b":" in h]
            headers = [(n.strip().lower().decode("latin-1"), v.strip().decode("latin-1")) for n, v in headers]
            tamanho = int(dict(headers).get("content-length", "0") or 0)
            corpo = await reader.readexactly(min(tamanho, 10 * 1024 * 1024))
            alvo = linha.split(b" ")[1] if linha.count(b" ") >= 2 else b"?"
            REGISTRO.append(f"{linha.decode('latin-1')} marca={dict(headers).get('x-marca', '-')}")
            del REGISTRO[:-1000]
            if not await responder(alvo, linha, headers, corpo, writer):
                return
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()


async def responder(alvo, linha, headers, corpo, writer):
    """Escreve a resposta de `alvo`; False quando a conexão deve fechar."""
    ident = alvo.rsplit(b"/", 1)[-1]
    if linha.startswith(b"HEAD "):  # (no HEAD ele se comporta bem: os cabeçalhos do GET, sem corpo)
        writer.write(resposta(b"x" * 10)[:-10])
        return True
    if alvo == b"/users/eco" or alvo.startswith(b"/users/eco?"):
        writer.write(resposta(json.dumps({"linha": linha.decode("latin-1"), "headers": headers,
                                          "corpo": len(corpo)}).encode(), tipo=b"application/json"))
    elif alvo.startswith(b"/users/continue/"):
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + resposta(ident))
    elif alvo.startswith(b"/users/sobra/"):
        writer.write(resposta(ident) + resposta(b"FALSA"))
    elif alvo.startswith(b"/users/negativo/"):
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n" + ident + b"\r\n0\r\n\r\n")
    elif alvo == b"/users/grande":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (50 * 1024 * 1024))
        for _ in range(50 * 16):
            writer.write(b"x" * 65536)
            await writer.drain()
    elif alvo == b"/users/sem-fim":
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        fim = asyncio.get_running_loop().time() + 60
        while asyncio.get_running_loop().time() < fim:
            writer.write(b"10000\r\n" + b"x" * 65536 + b"\r\n")
            await writer.drain()
        return False
    elif alvo == b"/users/lento":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")
        for _ in range(20):
            await writer.drain()
            await asyncio.sleep(1)
            writer.write(b"x")
    elif alvo == b"/registro":
        writer.write(resposta("\n".join(REGISTRO).encode()))
    elif re.fullmatch(rb"/health|/users/[^/]*", alvo):
        writer.write(resposta(alvo))
    else:
        writer.write(resposta(b"nada", b"404 Not Found"))
    return True


async def main():
    server = await asyncio.start_server(atender, "0.0.0.0", int(os.environ.get("PORTA", "5003")))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
