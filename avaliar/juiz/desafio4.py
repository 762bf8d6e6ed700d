"""Desafio 4: dois serviços HTTP; a resposta de B traz dados que A serviu, buscados na hora.

Sem os nomes do enunciado: cada contêiner que responde HTTP recebe GET de / e das rotas achadas
no código; um par (A, rota de A, B, rota de B) em que valores do JSON de A aparecem na resposta
de B é a dependência. Depois `docker pause A`: a resposta de B tem de mudar (erro, outro corpo,
ou nenhuma resposta); `docker unpause A`: B volta a trazer os dados de A.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from . import motor
from .desafio3 import ORCAMENTO_REQUISICOES
from .servidores import descrever, esperar_http, pegar, rotas_de, trecho
from .modelo import Resultado

MIN_VALOR = 3          # valores mais curtos ("ok", 1, 22) aparecem em qualquer lugar
MAX_VALORES = 200


def valores(corpo) -> set:
    """Folhas (textos e números) do JSON de um corpo, como texto; sem JSON, as linhas curtas."""
    if isinstance(corpo, bytes):
        corpo = corpo.decode("utf-8", "replace")
    try:
        dados = json.loads(corpo)
    except ValueError:
        linhas = {l.strip() for l in corpo.splitlines() if MIN_VALOR <= len(l.strip()) <= 120}
        return set(list(linhas)[:MAX_VALORES])
    res = set()

    def andar(x):
        if len(res) >= MAX_VALORES:
            return
        if isinstance(x, dict):
            for v in x.values():
                andar(v)
        elif isinstance(x, list):
            for v in x:
                andar(v)
        elif isinstance(x, bool) or x is None:
            return
        elif isinstance(x, (int, float)):
            if len(str(x)) >= MIN_VALOR:
                res.add(str(x))
        elif isinstance(x, str) and MIN_VALOR <= len(x.strip()) <= 200:
            res.add(x.strip())

    andar(dados)
    return res


def _texto(corpo) -> str:
    texto = corpo.decode("utf-8", "replace") if isinstance(corpo, bytes) else str(corpo)
    try:  # \u00e1 e companhia: compara o texto de verdade
        texto = texto + "\n" + json.dumps(json.loads(texto), ensure_ascii=False)
    except ValueError:
        pass
    return texto


def coletar(webs, rotas, todas=None) -> dict:
    """{id: {rota: (status, corpo)}} das respostas 2xx de cada servidor; em ``todas`` (se dado),
    também as outras (para a evidência de uma falha)."""
    res = {}
    fim = time.monotonic() + ORCAMENTO_REQUISICOES
    for c, _, base in webs:
        res[c.get("Id")] = {}
        for rota in rotas:
            if time.monotonic() > fim:  # um serviço que trava não prende o juiz
                break
            status, corpo, _ = pegar(base + rota, timeout=6)
            if todas is not None:
                todas.setdefault(c.get("Id"), {})[rota] = (status, corpo)
            if 200 <= status < 300 and corpo.strip():
                res[c.get("Id")][rota] = (status, corpo)
    return res


def amostra(webs, todas, por_servidor=4) -> str:
    """Algumas respostas de cada servidor (as que não são 404 primeiro), uma por linha."""
    linhas = []
    for c, _, base in webs:
        itens = sorted((todas.get(c.get("Id")) or {}).items(), key=lambda kv: kv[1][0] == 404)
        for rota, (status, corpo) in itens[:por_servidor]:
            linhas.append("GET %s%s → %s %s" % (base, rota, status or "sem resposta", trecho(corpo, 100)))
    return "\n".join(linhas)


def achar_dependencia(webs, respostas):
    """O melhor (A, rota A, B, rota B, valores em comum), ou None."""
    melhor = None
    ids_valores_comuns = _valores_de_todos(respostas)
    for a, _, _ in webs:
        for rota_a, (_, corpo_a) in respostas.get(a.get("Id"), {}).items():
            va = valores(corpo_a) - ids_valores_comuns
            if not va:
                continue
            for b, _, _ in webs:
                if b.get("Id") == a.get("Id"):
                    continue
                for rota_b, (_, corpo_b) in respostas.get(b.get("Id"), {}).items():
                    tb = _texto(corpo_b)
                    comuns = sorted(v for v in va if v in tb)
                    if not comuns:
                        continue
                    nota = (len(comuns), -len(rota_b))
                    if melhor is None or nota > melhor[0]:
                        melhor = (nota, a, rota_a, b, rota_b, comuns)
    return None if melhor is None else melhor[1:]


def _valores_de_todos(respostas) -> set:
    """Valores que todo servidor devolve em alguma rota (status, 'ok'...): não provam nada."""
    conjuntos = []
    for por_rota in respostas.values():
        s = set()
        for _, corpo in por_rota.values():
            s |= valores(corpo)
        conjuntos.append(s)
    if len(conjuntos) < 2:
        return set()
    comum = conjuntos[0]
    for s in conjuntos[1:]:
        comum = comum & s
    return comum


def traz(corpo, comuns) -> list:
    tb = _texto(corpo)
    return [v for v in comuns if v in tb]


def avaliar(pasta: Path, partida) -> Resultado:
    r = Resultado(desafio=4, pasta=str(pasta), partida=getattr(partida, "descricao", ""))
    cs, pap, webs = esperar_http(partida, 2, excluir_papeis=())
    evid = "; ".join("%s responde em %s" % (motor.nome(c), base) for c, _, base in webs) or descrever(cs, pap)
    if not r.verificar("dois serviços respondem HTTP", len(webs) >= 2, evid, base=True):
        return r.decidir()

    rotas = rotas_de(pasta)
    todas = {}
    respostas = coletar(webs, rotas, todas)
    dep = achar_dependencia(webs, respostas)
    if dep is None:
        r.verificar("a resposta de B traz dados servidos por A", False,
                    "nenhum serviço devolve valores do JSON de outro (rotas: %s)\n%s"
                    % (" ".join(rotas), amostra(webs, todas)))
        return r.decidir()
    a, rota_a, b, rota_b, comuns = dep
    url_a = _url(webs, a) + rota_a
    url_b = _url(webs, b) + rota_b
    nome_a, nome_b = motor.nome(a), motor.nome(b)
    r.verificar("a resposta de B traz dados servidos por A", True,
                "A = %s, B = %s\nGET %s → %s\nGET %s → %s\nem comum: %s"
                % (nome_a, nome_b, url_a, trecho(respostas[a.get("Id")][rota_a][1]),
                   url_b, trecho(respostas[b.get("Id")][rota_b][1]), ", ".join(comuns[:8])))

    rc, out = motor.docker("pause", a.get("Id"), timeout=30)
    if rc != 0:
        r.verificar("com A pausado, a resposta de B muda", False, "docker pause %s falhou: %s" % (nome_a, trecho(out)))
        return r.decidir()
    try:
        status, corpo, evid = pegar(url_b, timeout=10)
        ainda = traz(corpo, comuns) if 200 <= status < 300 else []
        mudou = status == 0 or status >= 400 or not ainda
        r.verificar("com A pausado, a resposta de B muda (busca na hora)", mudou,
                    "docker pause %s\n%s%s" % (nome_a, evid,
                                               "" if mudou else "\nB ainda traz: %s (cópia guardada?)" % ", ".join(ainda[:5])))
    finally:
        motor.docker("unpause", a.get("Id"), timeout=30)

    final = {}

    def voltou():
        final["r"] = pegar(url_b, timeout=6)
        st, corpo, _ = final["r"]
        return 200 <= st < 300 and len(traz(corpo, comuns)) == len(comuns)

    ok = motor.wait(voltou, timeout=30, every=1)
    r.verificar("com A de volta, B volta a trazer os dados de A", ok,
                "docker unpause %s\n%s" % (nome_a, final.get("r", (0, b"", "sem resposta"))[2]), essencial=False)
    return r.decidir()


def _url(webs, c):
    for x, _, base in webs:
        if x.get("Id") == c.get("Id"):
            return base
    return ""
