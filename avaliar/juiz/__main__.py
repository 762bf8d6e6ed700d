"""python3 -m juiz triagem ENTREGA SAIDA | avaliar ENTREGA SAIDA | turma SAIDA"""
from __future__ import annotations

import importlib
import os
import re
import sys
import time
import traceback
from pathlib import Path

from . import descoberta, higiene, motor, partida, relatorio, triagem, turma
from .modelo import Resultado

USO = __doc__


def diga(texto):
    print(texto, flush=True)


def _nome(entrega: Path) -> str:
    if os.environ.get("JUIZ_NOME"):
        return os.environ["JUIZ_NOME"]
    return re.sub(r"[^a-z0-9._-]+", "-", entrega.resolve().name.lower()).strip("-") or "entrega"


def _cauda(texto: str, n=40) -> str:
    return "\n".join(texto.strip().splitlines()[-n:])


def avaliar_desafio(n: int, pasta: Path, entrega: Path, tri: dict, tempos: dict) -> Resultado:
    r = Resultado(n, pasta=str(pasta.relative_to(entrega)) if pasta != entrega else ".")
    info = (tri.get("desafios") or {}).get(str(n)) or {}
    if info.get("recusado"):
        r.veredicto = "recusado"
        r.motivo = "; ".join(info.get("motivos") or [])[:600]
        for m in info.get("motivos") or []:
            r.verificar("triagem de segurança", False, m)
        r.veredicto = "recusado"
        return r
    try:
        modulo = importlib.import_module("juiz.desafio%d" % n)
    except Exception as erro:  # noqa: BLE001 - o módulo de um desafio pode faltar
        r.veredicto, r.motivo = "falhou", "erro do avaliador: módulo desafio%d: %s" % (n, erro)
        return r
    p = partida.descobrir(pasta)
    if p is None:
        r.veredicto = "falhou"
        r.motivo = "nenhum jeito de subir: sem arquivo compose nem linhas `docker run` no README ou scripts"
        r.notas = higiene.notas(pasta, None, n)
        return r
    r.partida = p.descricao
    t0 = time.monotonic()
    motor.limpar()
    try:
        diga("desafio%d: subindo (%s)" % (n, p.descricao))
        ok, log = partida.subir(p)
        tempos["d%d subir" % n] = time.monotonic() - t0
        if not ok:
            r.verificar("constrói e sobe", False, _cauda(log, 60), base=True)
            r.veredicto = "falhou"
            primeira = log.strip().splitlines()[0] if log.strip() else ""
            r.motivo = "não subiu: " + (primeira if primeira.startswith("arquivo compose inválido")
                                        else _ultima_linha_util(log) or "veja o log")
            return r
        t1 = time.monotonic()
        diga("desafio%d: verificando" % n)
        res = modulo.avaliar(pasta, p)
        res.pasta, res.partida = r.pasta, p.descricao
        res.verificacoes.insert(0, _verif_subiu(log))
        if res.veredicto == "ausente":
            res.decidir()
        tempos["d%d verificar" % n] = time.monotonic() - t1
        r = res
    except Exception as erro:  # noqa: BLE001 - uma falha do avaliador não derruba os outros
        r.veredicto = "falhou"
        r.motivo = "erro do avaliador: %s: %s" % (type(erro).__name__, erro)
        r.verificacoes.append(__import__("juiz.modelo", fromlist=["Verificacao"]).Verificacao(
            "erro do avaliador", False, traceback.format_exc()[-2000:]))
    finally:
        try:
            partida.descer(p)
        except Exception:  # noqa: BLE001
            pass
        motor.limpar()
    try:
        r.notas = list(r.notas) + higiene.notas(pasta, p, n)  # as do desafio ficam
    except Exception as erro:  # noqa: BLE001
        r.notas = list(r.notas) + ["(notas de higiene indisponíveis: %s)" % erro]
    return r


def _verif_subiu(log):
    from .modelo import Verificacao
    comandos = [l for l in log.splitlines() if l.startswith("$ ")]
    return Verificacao("constrói e sobe", True, "\n".join(comandos) + "\n[...]\n" + _cauda(log, 8), True, True)


def _ultima_linha_util(log: str) -> str:
    for linha in reversed(log.strip().splitlines()):
        l = linha.strip()
        if l and not l.startswith("[tempo") and not l.startswith("$ "):
            if re.search(r"error|erro|failed|falh|not found|no such|denied|invalid|tempo esgotado|exit", l, re.I):
                return l[:300]
    linhas = [l for l in log.strip().splitlines() if l.strip()]
    return linhas[-1][:300] if linhas else ""


def cmd_triagem(entrega: Path, saida: Path):
    dados = triagem.triar(entrega, saida)
    for n, d in sorted((k, v) for k, v in dados["desafios"].items() if k.isdigit()):
        if not d["pasta"]:
            diga("desafio%s: nenhuma pasta" % n)
        elif d["recusado"]:
            diga("desafio%s: %s: recusado: %s" % (n, d["pasta"], "; ".join(d["motivos"])))
        else:
            diga("desafio%s: %s" % (n, d["pasta"]))
    diga("imagens base: %s" % (" ".join(dados["imagens"]) or "nenhuma"))
    so = [int(x) for x in os.environ.get("JUIZ_DESAFIOS", "").split() if x.isdigit()]
    relatorio.escrever(saida, _nome(entrega), list(_ausentes(descoberta.pastas(entrega), so).values()))
    return 0


def _ausentes(achadas, so):
    """Os desafios ausentes, já de saída (veredictos.txt): se a caixa cair no meio (tempo,
    disco), eles seguem ausente, e só os outros viram "não avaliado"."""
    res = {n: Resultado(n, veredicto="ausente", motivo="não avaliado (JUIZ_DESAFIOS)")
           for n in range(1, 6) if so and n not in so}
    res.update({n: Resultado(n, veredicto="ausente", motivo="nenhuma pasta do desafio %d" % n)
                for n in range(1, 6) if n not in res and achadas.get(n) is None})
    return res


def cmd_avaliar(entrega: Path, saida: Path):
    inicio = time.monotonic()
    saida.mkdir(parents=True, exist_ok=True)
    try:
        tri = triagem.triar(entrega, saida)
        achadas = descoberta.pastas(entrega)
    except Exception as erro:  # noqa: BLE001 - sem descoberta nada roda; o relatório diz por quê
        motivo = "erro do avaliador na descoberta: %s: %s" % (type(erro).__name__, erro)
        diga(motivo)
        relatorio.escrever(saida, _nome(entrega), [Resultado(n, veredicto="falhou", motivo=motivo) for n in range(1, 6)])
        return 0
    resultados, tempos = [], {}
    so = [int(x) for x in os.environ.get("JUIZ_DESAFIOS", "").split() if x.isdigit()]
    ausentes = _ausentes(achadas, so)
    relatorio.escrever(saida, _nome(entrega), list(ausentes.values()))
    for n in range(1, 6):
        r = ausentes.get(n) or avaliar_desafio(n, achadas[n], entrega, tri, tempos)
        diga("desafio%d\t%s\t%s" % (n, r.veredicto, " ".join(r.motivo.split())[:200]))
        resultados.append(r)
        relatorio.escrever(saida, _nome(entrega), resultados + [a for k, a in ausentes.items() if k > n],
                           dict(tempos))
    tempos["total"] = time.monotonic() - inicio
    relatorio.escrever(saida, _nome(entrega), resultados, tempos)
    return 0


def cmd_turma(saida: Path):
    linhas = turma.escrever(saida)
    diga("turma: %d entregas em %s (turma.csv, turma.md, turma.html)" % (len(linhas), saida))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "triagem":
        return cmd_triagem(Path(argv[1]), Path(argv[2]))
    if len(argv) >= 3 and argv[0] == "avaliar":
        return cmd_avaliar(Path(argv[1]), Path(argv[2]))
    if len(argv) >= 2 and argv[0] == "turma":
        return cmd_turma(Path(argv[1]))
    sys.stderr.write(USO.strip() + "\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
