"""Desafio 5: um gateway na frente de dois serviços.

Sem os nomes do enunciado: cada contêiner que responde HTTP recebe GET de / e das rotas achadas
no código (as do gateway e as dos serviços). O gateway é o contêiner cujas respostas são iguais
(o mesmo JSON, ou o mesmo texto) às de outros dois, cada um com um corpo só dele. Depois, com
um serviço pausado, a rota do gateway para o outro tem de continuar respondendo o mesmo corpo;
e vice-versa.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import motor
from .servidores import descrever, esperar_http, pegar, rotas_de, trecho
from .desafio4 import amostra, coletar
from .modelo import Resultado


def forma(corpo):
    """O que se compara: o JSON decodificado (a ordem das chaves e os espaços não contam), ou o
    texto sem espaços nas pontas."""
    texto = corpo.decode("utf-8", "replace") if isinstance(corpo, bytes) else str(corpo)
    try:
        return ("json", json.dumps(json.loads(texto), sort_keys=True, ensure_ascii=False))
    except ValueError:
        return ("texto", texto.strip())


def _trivial(f) -> bool:
    """Corpos que não distinguem um serviço: vazios, muito curtos."""
    return len(f[1]) < 8


def casar(gateway_id, respostas) -> dict:
    """{id do serviço: [(rota do gateway, rota do serviço)]}: rotas do gateway cujo corpo é
    igual ao de uma rota do serviço, e só dele (um corpo que dois serviços dão não conta)."""
    donos = {}  # forma -> {ids dos serviços (não o gateway) que a servem}
    for cid, por_rota in respostas.items():
        if cid == gateway_id:
            continue
        for _, corpo in por_rota.values():
            donos.setdefault(forma(corpo), set()).add(cid)
    res = {}
    for rota_g, (_, corpo_g) in respostas.get(gateway_id, {}).items():
        f = forma(corpo_g)
        if _trivial(f) or len(donos.get(f, ())) != 1:
            continue
        (sid,) = donos[f]
        for rota_s, (_, corpo_s) in respostas[sid].items():
            if forma(corpo_s) == f:
                res.setdefault(sid, []).append((rota_g, rota_s))
                break
    return res


def achar_gateway(webs, respostas):
    """(gateway, {serviço: [(rota g, rota s)]}) com mais serviços casados; ou (None, {})."""
    melhor, nota_melhor = (None, {}), None
    for g, _, _ in webs:
        casados = casar(g.get("Id"), respostas)
        if not casados:
            continue
        # empate (um gateway que só repassa a um serviço casa com ele, e ele com o gateway):
        # o nome que sugere gateway, depois quem responde mais rotas
        sugere = bool(re.search(r"gateway|gw|proxy|nginx|api|borda|entrada", motor.nome(g) + " " + motor.imagem(g), re.I))
        nota = (len(casados), sum(len(v) for v in casados.values()), sugere, len(respostas.get(g.get("Id"), {})))
        if nota_melhor is None or nota > nota_melhor:
            melhor, nota_melhor = (g, casados), nota
    return melhor


def avaliar(pasta: Path, partida) -> Resultado:
    r = Resultado(desafio=5, pasta=str(pasta), partida=getattr(partida, "descricao", ""))
    cs, pap, webs = esperar_http(partida, 3, excluir_papeis=())
    evid = "; ".join("%s responde em %s" % (motor.nome(c), base) for c, _, base in webs) or descrever(cs, pap)
    if not r.verificar("três contêineres respondem HTTP (gateway e dois serviços)", len(webs) >= 3, evid, base=True):
        return r.decidir()
    base_de = {c.get("Id"): base for c, _, base in webs}
    nome_de = {c.get("Id"): motor.nome(c) for c, _, _ in webs}

    rotas = rotas_de(pasta)
    todas = {}
    respostas = coletar(webs, rotas, todas)
    g, casados = achar_gateway(webs, respostas)
    if g is None:
        r.verificar("o gateway responde pelas rotas de cada serviço o mesmo que o serviço", False,
                    "nenhum contêiner devolve o mesmo corpo que outro (rotas: %s)\n%s"
                    % (" ".join(rotas), amostra(webs, todas)))
        return r.decidir()
    gid = g.get("Id")
    servicos = [c for c, _, _ in webs if c.get("Id") != gid]
    # um serviço por rota: a primeira rota casada de cada serviço é a que se usa nas pausas
    escolha = {}
    for s in servicos:
        sid = s.get("Id")
        pares = casados.get(sid)
        if pares:
            rota_g, rota_s = pares[0]
            escolha[sid] = rota_g
            outras = ", ".join("%s=%s" % p for p in pares[1:4])
            r.verificar("o gateway responde pela rota de %s o mesmo que o serviço" % nome_de[sid], True,
                        "gateway = %s\nGET %s%s → %s\nGET %s%s → %s%s"
                        % (nome_de[gid], base_de[gid], rota_g, trecho(respostas[gid][rota_g][1]),
                           base_de[sid], rota_s, trecho(respostas[sid][rota_s][1]),
                           "\noutras rotas iguais: " + outras if outras else ""))
    if len(escolha) < 2:
        faltam = [nome_de[s.get("Id")] for s in servicos if s.get("Id") not in escolha]
        r.verificar("o gateway responde pelas rotas dos dois serviços", False,
                    "gateway = %s; nenhuma rota dele devolve o corpo de: %s (rotas: %s)\n%s"
                    % (nome_de[gid], ", ".join(faltam), " ".join(rotas), amostra(webs, todas)))
        return r.decidir()

    dois = [sid for sid in escolha][:2]
    for parado, vivo in ((dois[0], dois[1]), (dois[1], dois[0])):
        _pausa(r, gid, parado, vivo, escolha, respostas, base_de, nome_de)
    return r.decidir()


def _pausa(r, gid, parado, vivo, escolha, respostas, base_de, nome_de):
    nome = "com %s pausado, o gateway ainda responde pela rota de %s" % (nome_de[parado], nome_de[vivo])
    rc, out = motor.docker("pause", parado, timeout=30)
    if rc != 0:
        r.verificar(nome, False, "docker pause %s falhou: %s" % (nome_de[parado], trecho(out)))
        return
    try:
        rota = escolha[vivo]
        esperado = forma(respostas[gid][rota][1])
        status, corpo, evid = pegar(base_de[gid] + rota, timeout=8)
        ok = 200 <= status < 300 and forma(corpo) == esperado
        r.verificar(nome, ok, "docker pause %s\n%s%s"
                    % (nome_de[parado], evid, "" if ok else "\nesperado: " + trecho(esperado[1])))
        # e a rota do pausado falha (ou muda): o gateway repassa de fato, não guarda uma cópia
        st, corpo_p, evid_parado = pegar(base_de[gid] + escolha[parado], timeout=8)
        repassa = not (200 <= st < 300 and forma(corpo_p) == forma(respostas[gid][escolha[parado]][1]))
        r.verificar("com %s pausado, a rota dele pelo gateway falha (o gateway repassa de fato)" % nome_de[parado],
                    repassa, evid_parado + ("" if repassa else "\no mesmo corpo com o serviço pausado: "
                                            "uma cópia no gateway, não um repasse"), essencial=False)
    finally:
        motor.docker("unpause", parado, timeout=30)
        motor.wait(lambda: 200 <= pegar(base_de[gid] + escolha[parado], timeout=5)[0] < 300, timeout=20, every=1)
