"""Desafio 3: web + Postgres + Redis pelo compose.

O que se verifica, sem usar os nomes do nosso enunciado (os papéis vêm do motor de dentro):
a web responde HTTP; GET de / e das rotas achadas no código muda dados no Postgres (linhas e
conteúdo das tabelas, lidos com psql dentro do contêiner do banco) e no Redis (INFO: chaves,
mudanças desde o último save, comandos de escrita); e as linhas do Postgres sobrevivem a um
down + up (partida.religar). As chaves do Redis depois do down + up viram só uma nota: um cache
não precisa de volume.

Os servidores (rotas, papéis, quem responde HTTP) estão em servidores.py, que os desafios 4 e 5
também usam; as fotos do Postgres e do Redis, em dados.py.
"""
from __future__ import annotations

import time
from pathlib import Path

from . import motor
from .dados import pg_diferenca, pg_foto, pg_pronto, pg_resumo, redis_foto, redis_mudou, redis_resumo
from .modelo import Resultado
from .servidores import chave, conteineres, descrever, esperar_http, papeis, pegar, rotas_de, servidores_http

# ----------------------------------------------------------------- a avaliação

CORPO_POST = {"nome": "avaliador", "name": "avaliador", "titulo": "avaliador", "title": "avaliador",
              "descricao": "avaliador", "description": "avaliador", "texto": "avaliador",
              "text": "avaliador", "mensagem": "avaliador", "message": "avaliador",
              "email": "avaliador@example.com", "idade": 20, "age": 20, "curso": "avaliador",
              "valor": 1, "value": 1, "quantidade": 1, "produto": "avaliador", "product": "avaliador",
              "item": "avaliador", "usuario": "avaliador", "user": "avaliador", "username": "avaliador",
              "conteudo": "avaliador", "content": "avaliador", "preco": 1, "price": 1, "nota": 10}
ORCAMENTO_REQUISICOES = 90  # segundos para cada rodada de requisições (um app que trava não prende o juiz)


def _requisicoes(webs, rotas, vezes=2, method="GET"):
    """Manda as requisições; devolve as linhas de evidência (as primeiras) e quantas respostas < 500."""
    linhas, boas = [], 0
    fim = time.monotonic() + ORCAMENTO_REQUISICOES
    for c, _, base in webs:
        for rota in rotas:
            if time.monotonic() > fim:
                linhas.append("(tempo das requisições esgotado: %ds; as rotas seguintes ficaram de fora)"
                              % ORCAMENTO_REQUISICOES)
                return linhas, boas
            for _ in range(vezes):
                status, _, evid = pegar(base + rota, timeout=6, method=method,
                                        body=CORPO_POST if method == "POST" else None)
                if 0 < status < 500:
                    boas += 1
            if len(linhas) < 12:
                linhas.append(evid)
    return linhas, boas


def avaliar(pasta: Path, partida) -> Resultado:
    r = Resultado(desafio=3, pasta=str(pasta), partida=getattr(partida, "descricao", ""))
    cs, pap, webs = esperar_http(partida, 1)
    compose = getattr(partida, "modo", "") == "compose" or any(
        a[1:2] == ["compose"] for a in getattr(partida, "comandos", []) or [])
    r.verificar("orquestrado pelo compose", compose, getattr(partida, "descricao", ""), base=True)
    pgs = [c for c in cs if pap.get(c.get("Id")) == "postgres"]
    rds = [c for c in cs if pap.get(c.get("Id")) == "redis"]
    r.verificar("há um contêiner Postgres", bool(pgs), descrever(cs, pap), base=True)
    r.verificar("há um contêiner Redis", bool(rds), descrever(cs, pap), base=True)
    if webs:
        _, _, evid = pegar(webs[0][2] + "/", timeout=6)
        r.verificar("a web responde HTTP", True, evid, base=True)
    else:
        r.verificar("a web responde HTTP", False,
                    "nenhum contêiner respondeu HTTP nas suas portas: " + descrever(cs, pap), base=True)
        return r.decidir()

    rotas = rotas_de(pasta)
    pg, rd = (pgs[0] if pgs else None), (rds[0] if rds else None)
    pg_antes, pg_erro = pg_foto(pg) if pg else ({}, "sem Postgres")
    rd_antes, rd_erro = redis_foto(rd) if rd else ({}, "sem Redis")

    linhas, _ = _requisicoes(webs, rotas)
    evid_req = "rotas: %s\n%s" % (" ".join(rotas), "\n".join(linhas))

    estado = {"pg": ({}, pg_erro), "rd": ({}, rd_erro)}

    def mudou():
        if pg:
            estado["pg"] = pg_foto(pg)
        if rd:
            estado["rd"] = redis_foto(rd)
        return (not pg or pg_diferenca(pg_antes, estado["pg"][0])) and (not rd or redis_mudou(rd_antes, estado["rd"][0]))

    motor.wait(mudou, timeout=4, every=1)
    metodo = "GET"
    if (pg and not pg_diferenca(pg_antes, estado["pg"][0])) or (rd and not redis_mudou(rd_antes, estado["rd"][0])):
        # nada mudou só com GET: um POST com um corpo JSON genérico em cada rota
        linhas_post, _ = _requisicoes(webs, rotas, vezes=1, method="POST")
        evid_req += "\nsó com GET faltou mudança; também POST (JSON genérico):\n" + "\n".join(linhas_post[:6])
        metodo = "GET e POST"
        motor.wait(mudou, timeout=4, every=1)
    pg_depois, pg_erro2 = estado["pg"]
    rd_depois, rd_erro2 = estado["rd"]

    if pg:
        dif = pg_diferenca(pg_antes, pg_depois)
        evid = "antes: %s\ndepois: %s\n%s\n%s" % (pg_resumo(pg_antes), pg_resumo(pg_depois),
                                                  "; ".join(dif) or "nada mudou", evid_req)
        if pg_erro or pg_erro2:
            evid = (pg_erro or pg_erro2) + "\n" + evid
        r.verificar("requisições (%s) mudam dados no Postgres" % metodo, bool(dif) and not (pg_erro or pg_erro2), evid)
    else:
        r.verificar("requisições mudam dados no Postgres", False, "nenhum contêiner Postgres")
    if rd:
        dif = redis_mudou(rd_antes, rd_depois)
        evid = "antes: %s\ndepois: %s\n%s" % (redis_resumo(rd_antes), redis_resumo(rd_depois), "; ".join(dif) or "nada mudou")
        if rd_erro or rd_erro2:
            evid = (rd_erro or rd_erro2) + "\n" + evid
        r.verificar("requisições (%s) mudam dados no Redis" % metodo, bool(dif) and not (rd_erro or rd_erro2), evid)
    else:
        r.verificar("requisições mudam dados no Redis", False, "nenhum contêiner Redis")

    if not pg or not pg_depois:
        r.verificar("os dados do Postgres sobrevivem a down + up", False,
                    "sem tabelas para comparar (%s)" % (pg_erro2 or "nenhum contêiner Postgres"))
        return r.decidir()
    mudadas = [t for t in pg_depois if pg_antes.get(t) != pg_depois[t]]
    if not sum(pg_depois[t][0] for t in mudadas):
        # só as linhas iniciais: um volume novo as recria (scripts de init), nada a provar
        r.verificar("os dados do Postgres sobrevivem a down + up", False,
                    "não verificável: as requisições não gravaram linhas no Postgres (%s)" % pg_resumo(pg_depois))
        return r.decidir()
    _persistencia(r, partida, pg, rd, pg_depois, rd_depois)
    return r.decidir()


def _persistencia(r, partida, pg, rd, pg_antes, rd_antes):
    from . import partida as modulo_partida  # o módulo de H2 (religar)
    inicio = time.monotonic()
    ok, log = modulo_partida.religar(partida)
    if not ok:
        r.verificar("os dados do Postgres sobrevivem a down + up", False,
                    "down + up falhou:\n" + "\n".join(str(log).strip().splitlines()[-15:]))
        return
    cs = conteineres(partida)
    por_chave = {chave(c): c for c in cs}
    novo_pg = por_chave.get(chave(pg))
    if novo_pg is None:
        pap = papeis(cs)
        novos = [c for c in cs if pap.get(c.get("Id")) == "postgres"]
        novo_pg = novos[0] if novos else None
    if novo_pg is None:
        r.verificar("os dados do Postgres sobrevivem a down + up", False,
                    "depois do down + up não há contêiner Postgres rodando")
        return
    motor.wait(lambda: pg_pronto(novo_pg), timeout=90, every=2)
    depois, erro = pg_foto(novo_pg)
    # o Redis antes de qualquer requisição nova (um GET / criaria a chave de novo); só uma
    # observação na evidência e uma nota: um cache não precisa sobreviver
    redis_txt = ""
    novo_rd = por_chave.get(chave(rd)) if rd is not None else None
    if novo_rd is not None and rd_antes.get("chaves"):
        motor.wait(lambda: not redis_foto(novo_rd)[1], timeout=20, every=1)
        foto, erro_rd = redis_foto(novo_rd)
        redis_txt = "\nRedis: " + erro_rd if erro_rd else ""
    if novo_rd is not None and rd_antes.get("chaves") and not redis_txt:
        redis_txt = "\nRedis (não conta para o veredicto): chaves %d → %d" % (rd_antes.get("chaves", 0), foto.get("chaves", 0))
        if foto.get("chaves", 0) < rd_antes.get("chaves", 0):
            redis_txt += " (sem volume ou sem persistência; num cache pode ser o esperado)"
            r.notas.append("o Redis perdeu chaves no down + up (%d → %d): sem volume ou sem "
                           "persistência (num cache isso pode ser o esperado)"
                           % (rd_antes.get("chaves", 0), foto.get("chaves", 0)))
    perdas = [t for t, (n, _) in pg_antes.items() if n > 0 and depois.get(t, (0, ""))[0] < n]
    perdas += [t + " (sumiu)" for t, (n, _) in pg_antes.items() if n == 0 and t not in depois]
    evid = "antes do down: %s\ndepois do up (%ds): %s" % (pg_resumo(pg_antes), time.monotonic() - inicio,
                                                         pg_resumo(depois))
    if erro:
        evid = erro + "\n" + evid
    if perdas:
        evid += "\nperderam linhas: " + ", ".join(perdas)
    evid += redis_txt
    r.verificar("os dados do Postgres sobrevivem a down + up", bool(depois) and not perdas and not erro, evid)

    webs = servidores_http(conteineres(partida))
    if not webs:
        motor.wait(lambda: bool(servidores_http(conteineres(partida))), timeout=60, every=2)
        webs = servidores_http(conteineres(partida))
    if webs:
        _, _, evid = pegar(webs[0][2] + "/", timeout=6)
        r.verificar("a web responde depois do down + up", True, evid, essencial=False)
    else:
        r.verificar("a web responde depois do down + up", False,
                    "nenhum contêiner responde HTTP depois do up", essencial=False)
