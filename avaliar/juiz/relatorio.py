"""Relatórios de uma entrega: RELATORIO.md, results.json (Gradescope) e veredictos.txt."""
from __future__ import annotations

import json
from pathlib import Path

from .modelo import Resultado

TITULOS = {1: "contêineres em rede", 2: "volumes e persistência", 3: "Docker Compose",
           4: "microsserviços", 5: "gateway"}


def _linha(texto: str) -> str:
    return " ".join(str(texto or "").split())


PAROU = "não avaliado: o avaliador parou antes deste desafio"


def _os_cinco(resultados):
    """Um Resultado por desafio, de 1 a 5: o que o juiz não chegou a avaliar (o tempo acabou, a
    caixa caiu) é falhou, e conta no máximo de pontos como os outros."""
    por_n = {r.desafio: r for r in resultados}
    return [por_n.get(n) or Resultado(n, veredicto="falhou", motivo=PAROU) for n in range(1, 6)]


def veredictos_txt(resultados) -> str:
    linhas = ["desafio%d\t%s\t%s" % (r.desafio, r.veredicto, _linha(r.motivo)[:300] or "-")
              for r in _os_cinco(resultados)]
    return "\n".join(linhas) + "\n"


def results_json(resultados, tempos=None) -> dict:
    testes, total, maximo = [], 0.0, 0.0
    for r in _os_cinco(resultados):
        pts, mx = r.pontos()
        total += pts
        maximo += mx
        saida = ["%s: %s" % (r.veredicto, _linha(r.motivo))]
        if r.partida:
            saida.append("partida: %s" % r.partida)
        for v in r.verificacoes:
            evid = str(v.evidencia or "").strip()
            if len(evid) > 1500:
                evid = evid[:500] + "\n[...]\n" + evid[-1000:]
            saida.append("[%s] %s\n%s" % ("ok" if v.ok else "falhou", v.nome,
                                          "\n".join("    " + l for l in evid.splitlines())))
        for nota in r.notas:
            saida.append("nota: %s" % nota)
        testes.append({"name": "Desafio %d — %s" % (r.desafio, TITULOS.get(r.desafio, "")),
                       "score": pts, "max_score": mx,
                       "status": "passed" if r.veredicto == "passou" else "failed",
                       "output": "\n".join(saida)})
    dados = {"score": total, "max_score": maximo, "tests": testes}
    if tempos and tempos.get("total") is not None:
        dados["execution_time"] = round(tempos["total"], 1)
    return dados


def _cerca(texto: str) -> str:
    texto = str(texto or "").rstrip()
    cerca = "```"
    while cerca in texto:
        cerca += "`"
    return "%s text\n%s\n%s" % (cerca, texto, cerca)


def relatorio_md(nome: str, resultados, tempos=None) -> str:
    por_n = {r.desafio: r for r in resultados}
    md = ["# Avaliação: %s" % nome, "",
          "| desafio | veredicto | motivo |", "| --- | --- | --- |"]
    for n in range(1, 6):
        r = por_n.get(n)
        ver = r.veredicto if r else "ausente"
        motivo = _linha(r.motivo if r else "").replace("|", "\\|")
        md.append("| %d — %s | **%s** | %s |" % (n, TITULOS[n], ver, motivo))
    md.append("")
    if tempos:
        partes = ", ".join("%s %.0f s" % (k, v) for k, v in tempos.items() if isinstance(v, (int, float)))
        md += ["Tempos: %s." % partes, ""]
    for n in range(1, 6):
        r = por_n.get(n)
        if r is None:
            continue
        md += ["## Desafio %d — %s: %s" % (n, TITULOS[n], r.veredicto), ""]
        if r.pasta:
            md.append("- pasta: `%s`" % r.pasta)
        if r.partida:
            md.append("- partida: %s" % r.partida)
        md.append("- motivo: %s" % (_linha(r.motivo) or "-"))
        md.append("")
        for v in r.verificacoes:
            md.append("### %s %s%s" % ("✅" if v.ok else "❌", v.nome, "" if v.essencial else " (complementar)"))
            md.append("")
            if v.evidencia:
                md.append(_cerca(v.evidencia))
                md.append("")
        if r.notas:
            md.append("**Notas de higiene** (não mudam o veredicto):")
            md.append("")
            md += ["- %s" % nota for nota in r.notas]
            md.append("")
    return "\n".join(md).rstrip() + "\n"


def escrever(saida: Path, nome: str, resultados, tempos=None):
    resultados = sorted(resultados, key=lambda r: r.desafio)
    saida = Path(saida)
    saida.mkdir(parents=True, exist_ok=True)
    (saida / "veredictos.txt").write_text(veredictos_txt(resultados), encoding="utf-8")
    (saida / "results.json").write_text(
        json.dumps(results_json(resultados, tempos), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (saida / "RELATORIO.md").write_text(relatorio_md(nome, resultados, tempos), encoding="utf-8")
