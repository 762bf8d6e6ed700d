"""A tabela da turma: turma.csv, turma.md e turma.html (uma página sem nada de fora)."""
from __future__ import annotations

import csv
import html
import io
from pathlib import Path

VEREDICTOS = ("passou", "parcial", "falhou", "ausente", "recusado")


def ler(saida: Path):
    """[(nome, {n: (veredicto, motivo)})] das subpastas com veredictos.txt, por nome."""
    res = []
    for sub in sorted(p for p in Path(saida).iterdir() if p.is_dir()):
        arq = sub / "veredictos.txt"
        if not arq.is_file():
            continue
        vs = {}
        for linha in arq.read_text(encoding="utf-8", errors="replace").splitlines():
            partes = linha.split("\t")
            if len(partes) >= 2 and partes[0].startswith("desafio") and partes[0][7:].isdigit():
                ver = partes[1].strip()
                vs[int(partes[0][7:])] = (ver if ver in VEREDICTOS else "falhou",
                                          partes[2].strip() if len(partes) > 2 else "")
        res.append((sub.name, vs))
    return res


def csv_texto(linhas) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["entrega"] + ["desafio%d" % n for n in range(1, 6)])
    for nome, vs in linhas:
        w.writerow([nome] + [vs.get(n, ("ausente", ""))[0] for n in range(1, 6)])
    return buf.getvalue()


def md_texto(linhas) -> str:
    md = ["# Turma", "", "| entrega | desafio1 | desafio2 | desafio3 | desafio4 | desafio5 |",
          "| --- | --- | --- | --- | --- | --- |"]
    for nome, vs in linhas:
        md.append("| [%s](%s/RELATORIO.md) | %s |" % (
            nome, nome, " | ".join(vs.get(n, ("ausente", ""))[0] for n in range(1, 6))))
    md += ["", _resumo(linhas)]
    return "\n".join(md) + "\n"


def _resumo(linhas):
    cont = {v: 0 for v in VEREDICTOS}
    for _, vs in linhas:
        for n in range(1, 6):
            cont[vs.get(n, ("ausente", ""))[0]] += 1
    return "%d entregas; " % len(linhas) + ", ".join("%s: %d" % (v, c) for v, c in cont.items())


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem}
table{border-collapse:collapse;min-width:40rem}
th,td{border:1px solid #c9ced6;padding:.45rem .8rem;text-align:left}
th{background:#eef1f5}
td.v{font-weight:600;text-align:center}
.v-passou{background:#c7efcf;color:#0b4a1a}
.v-parcial{background:#fff1b8;color:#5c4500}
.v-falhou{background:#f9c7c7;color:#6e0c0c}
.v-ausente{background:#e4e6ea;color:#41464d}
.v-recusado{background:#3b3f46;color:#fff}
.legenda span{display:inline-block;padding:.2rem .6rem;margin-right:.4rem;border-radius:.3rem}
p.resumo{color:#41464d}
"""


def html_texto(linhas) -> str:
    esc = html.escape
    corpo = []
    for nome, vs in linhas:
        celulas = []
        for n in range(1, 6):
            ver, motivo = vs.get(n, ("ausente", ""))
            celulas.append('<td class="v v-%s" title="%s">%s</td>' % (ver, esc(motivo, quote=True), ver))
        corpo.append('<tr><td><a href="%s/RELATORIO.md">%s</a></td>%s</tr>' % (
            esc(nome, quote=True), esc(nome), "".join(celulas)))
    legenda = "".join('<span class="v-%s">%s</span>' % (v, v) for v in VEREDICTOS)
    return """<!doctype html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Turma: avaliação dos desafios Docker</title>
<style>%s</style>
</head>
<body>
<h1>Turma: avaliação dos desafios Docker</h1>
<p class="legenda">%s</p>
<table>
<thead><tr><th>entrega</th><th>desafio1</th><th>desafio2</th><th>desafio3</th><th>desafio4</th><th>desafio5</th></tr></thead>
<tbody>
%s
</tbody>
</table>
<p class="resumo">%s</p>
</body>
</html>
""" % (CSS, legenda, "\n".join(corpo), esc(_resumo(linhas)))


def escrever(saida: Path):
    saida = Path(saida)
    saida.mkdir(parents=True, exist_ok=True)
    linhas = ler(saida)
    (saida / "turma.csv").write_text(csv_texto(linhas), encoding="utf-8")
    (saida / "turma.md").write_text(md_texto(linhas), encoding="utf-8")
    (saida / "turma.html").write_text(html_texto(linhas), encoding="utf-8")
    return linhas
