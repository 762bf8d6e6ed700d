"""Triagem de segurança: o que pede privilégio sobre a máquina é recusado antes de rodar.

Lê os arquivos compose (linha a linha, para dar arquivo:linha, e pelo `docker compose config`
normalizado), os Dockerfiles e as linhas docker que seriam rodadas (README, scripts).
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from . import descoberta, motor, partida
from .linhas import ler

# (regex numa linha de compose, motivo)
_COMPOSE = [
    (re.compile(r"^\s*privileged\s*:\s*['\"]?(true|yes|on)\b", re.I), "privileged: true"),
    (re.compile(r"docker\.sock"), "o socket do Docker (docker.sock) montado"),
    (re.compile(r"^\s*network_mode\s*:\s*['\"]?host\b", re.I), "network_mode: host (rede do host)"),
    (re.compile(r"^\s*pid\s*:\s*['\"]?host\b", re.I), "pid: host"),
    (re.compile(r"^\s*ipc\s*:\s*['\"]?host\b", re.I), "ipc: host"),
    (re.compile(r"^\s*userns_mode\s*:\s*['\"]?host\b", re.I), "userns_mode: host"),
    (re.compile(r"^\s*devices\s*:", re.I), "devices: (dispositivos do host)"),
    (re.compile(r"^\s*cap_add\s*:", re.I), "cap_add: (capacidades a mais)"),
    (re.compile(r"unconfined", re.I), "security_opt sem confinamento (unconfined)"),
]

# (regex numa linha docker, motivo)
_LINHA = [
    (re.compile(r"--privileged\b"), "--privileged"),
    (re.compile(r"docker\.sock"), "o socket do Docker (docker.sock) montado"),
    (re.compile(r"--(?:network|net)[= ]['\"]?host\b"), "--network host (rede do host)"),
    (re.compile(r"--pid[= ]['\"]?host\b"), "--pid=host"),
    (re.compile(r"--ipc[= ]['\"]?host\b"), "--ipc=host"),
    (re.compile(r"--userns[= ]['\"]?host\b"), "--userns=host"),
    (re.compile(r"--device\b"), "--device (dispositivos do host)"),
    (re.compile(r"--cap-add\b"), "--cap-add (capacidades a mais)"),
    (re.compile(r"unconfined"), "--security-opt sem confinamento (unconfined)"),
]


def _fora(fonte: str, base: Path, pasta: Path) -> bool:
    """Uma origem de bind mount sai da pasta do desafio?"""
    f = fonte.strip().strip("'\"")
    f = re.sub(r"^\$\{?PWD\}?|^\$\(pwd\)|^%cd%|^\$\{\(pwd\)\}", ".", f)
    if not f:
        return False
    if f.startswith("~") or f.startswith("$") or re.match(r"^[A-Za-z]:[\\/]", f):
        return True
    caminho = Path(f) if f.startswith("/") else (base / f)
    try:
        real = Path(os.path.normpath(str(caminho)))
        alvo = Path(os.path.normpath(str(pasta.resolve())))
    except (OSError, RuntimeError):
        return True
    return not (real == alvo or alvo in real.parents)


def _e_bind(origem: str) -> bool:
    o = origem.strip().strip("'\"")
    return bool(o) and (o[0] in "./~$" or re.match(r"^[A-Za-z]:[\\/]", o) is not None or o.startswith("%cd%"))


def _volumes_compose(linhas):
    """[(nº da linha, origem)] das entradas de volumes (curta `- a:b` e longa `source:`)."""
    res, em_vol, ind_vol = [], False, 0
    for i, linha in enumerate(linhas, 1):
        s = linha.strip()
        if not s or s.startswith("#"):
            continue
        ind = len(linha) - len(linha.lstrip())
        if re.match(r"^volumes\s*:", s):
            em_vol, ind_vol = ind > 0, ind
            continue
        if em_vol and ind <= ind_vol and not s.startswith("-"):
            em_vol = False
        if em_vol and ind < ind_vol:
            em_vol = False
        if not em_vol:
            continue
        m = re.match(r"^-\s*['\"]?([^'\"\s]+?):([^'\"\s]+)", s)
        if m and not m.group(1).startswith(("type", "source", "target")):
            res.append((i, m.group(1)))
            continue
        m = re.match(r"^-?\s*source\s*:\s*['\"]?([^'\"\s]+)", s)
        if m:
            res.append((i, m.group(1)))
    return res


def triar_compose(arq: Path, pasta: Path):
    """[motivo com arquivo:linha] de um arquivo compose."""
    res = []
    rel = _rel(arq, pasta)
    linhas = ler(arq).splitlines()
    for i, linha in enumerate(linhas, 1):
        if linha.strip().startswith("#"):
            continue
        for padrao, motivo in _COMPOSE:
            if motivo and padrao.search(linha):
                res.append("%s:%d: %s" % (rel, i, motivo))
    for i, origem in _volumes_compose(linhas):
        if "docker.sock" in origem:
            continue  # já dito acima
        if _e_bind(origem) and _fora(origem, arq.parent, pasta):
            res.append("%s:%d: bind mount de fora da pasta do desafio (%s)" % (rel, i, origem))
    res.extend(_triar_config(arq, pasta, rel, linhas) if not res else [])
    return res


def _triar_config(arq: Path, pasta: Path, rel: str, linhas):
    """O compose normalizado (`docker compose config --format json`) pega o que a leitura por
    linhas não vê (âncoras, extends, variáveis)."""
    rc, out = motor.docker("compose", "-f", arq.name, "config", "--format", "json", timeout=60, cwd=arq.parent)
    if rc != 0:
        return []
    try:
        cfg = json.loads(out[out.find("{"):])
    except ValueError:
        return []
    res = []

    def linha_de(*palavras):
        for i, l in enumerate(linhas, 1):
            if any(p in l for p in palavras):
                return i
        return 0

    for nome, s in (cfg.get("services") or {}).items():
        achados = []
        if s.get("privileged"):
            achados.append(("privileged", "privileged: true"))
        for chave in ("network_mode", "pid", "ipc", "userns_mode"):
            if str(s.get(chave) or "").lower() == "host":
                achados.append((chave, "%s: host" % chave))
        if s.get("devices"):
            achados.append(("devices", "devices:"))
        if s.get("cap_add"):
            achados.append(("cap_add", "cap_add:"))
        if any("unconfined" in str(o) for o in s.get("security_opt") or []):
            achados.append(("unconfined", "security_opt unconfined"))
        for v in s.get("volumes") or []:
            if isinstance(v, dict) and v.get("type") == "bind":
                origem = str(v.get("source") or "")
                if "docker.sock" in origem:
                    achados.append(("docker.sock", "o socket do Docker (docker.sock) montado"))
                elif _fora(origem, arq.parent, pasta):
                    achados.append((Path(origem).name or origem, "bind mount de fora da pasta do desafio (%s)" % origem))
        for palavra, motivo in achados:
            res.append("%s:%d: serviço %s: %s" % (rel, linha_de(palavra), nome, motivo))
    return res


def _rel(arq: Path, pasta: Path) -> str:
    try:
        return str(arq.relative_to(pasta.parent))
    except ValueError:
        return arq.name


def triar_comandos(p: "partida.Partida"):
    """[motivo] das linhas docker que seriam rodadas (com arquivo:linha da fonte)."""
    res = []
    fontes = [f for f, _ in partida.fontes(p.pasta)]
    for args, cwd in zip(p.comandos, p.dirs or [p.pasta] * len(p.comandos)):
        texto = " ".join(args)
        motivos = [m for padrao, m in _LINHA if padrao.search(texto)]
        for i, t in enumerate(args):
            valor = None
            if t in ("-v", "--volume") and i + 1 < len(args):
                valor = args[i + 1]
            elif t.startswith(("--volume=", "-v=")):
                valor = t.split("=", 1)[1]
            elif t == "--mount" and i + 1 < len(args) or t.startswith("--mount="):
                m = args[i + 1] if t == "--mount" else t.split("=", 1)[1]
                if "bind" in m:
                    src = re.search(r"(?:source|src)=([^,]+)", m)
                    if src and _fora(src.group(1), cwd, p.pasta):
                        motivos.append("bind mount de fora da pasta do desafio (%s)" % src.group(1))
            if valor and "docker.sock" not in valor:
                origem = valor.split(":")[0] if not re.match(r"^[A-Za-z]:[\\/]", valor) else valor[:2]
                if _e_bind(origem) and _fora(origem, cwd, p.pasta):
                    motivos.append("bind mount de fora da pasta do desafio (%s)" % origem)
        if args[1:2] == ["compose"]:
            for f in (cwd.iterdir() if cwd.is_dir() else []):
                if descoberta.e_compose(f):
                    res.extend(triar_compose(f, p.pasta))
        for m in motivos:
            res.append("%s: %s" % (_onde(fontes, args, p.pasta), m))
    return res


def _onde(fontes, args, pasta):
    """arquivo:linha da primeira linha de fonte com os tokens mais raros do comando."""
    chave = [t for t in args[2:] if len(t) > 3][:4] or args[1:3]
    for f in fontes:
        for i, linha in enumerate(ler(f).splitlines(), 1):
            if "docker" in linha or any(c in linha for c in chave[:1]):
                if all(c in linha for c in chave[:2]):
                    return "%s:%d" % (_rel(f, pasta), i)
    return "%s" % (_rel(fontes[0], pasta) if fontes else pasta.name)


def triar_linhas(pasta: Path):
    """Leitura crua dos README e scripts da pasta: uma linha docker (ou a continuação de uma)
    que pede privilégio é recusada mesmo que a extração de comandos não a pegue."""
    res = []
    for f, _ in partida.fontes(pasta):
        if f.parent.resolve() != pasta.resolve():
            continue  # o README de cima fala de outros desafios
        continua = False
        for i, linha in enumerate(ler(f).splitlines(), 1):
            s = linha.rstrip()
            e_docker = continua or re.search(r"\bdocker(-compose)?\s", s) is not None
            continua = e_docker and (s.endswith("\\") or s.endswith("`"))
            if not e_docker:
                continue
            for padrao, motivo in _LINHA:
                if padrao.search(s):
                    res.append("%s:%d: %s" % (_rel(f, pasta), i, motivo))
    return res


def triar_pasta(pasta: Path):
    """Motivos de recusa de um desafio (vazio: pode rodar)."""
    pasta = Path(pasta)
    res = triar_linhas(pasta)
    for f in sorted(descoberta._arquivos(pasta, 3)):
        if descoberta.e_compose(f):
            res.extend(triar_compose(f, pasta))
    try:
        p = partida.descobrir(pasta)
    except Exception:  # noqa: BLE001
        p = None
    if p is not None and p.modo == "comandos":
        res.extend(triar_comandos(p))
    vistos, unicos = set(), []
    for r in res:
        if r not in vistos:
            vistos.add(r)
            unicos.append(r)
    return sorted(unicos, key=_ordem)


def _ordem(motivo: str):
    m = re.match(r"^(.*?):(\d+):", motivo)
    return (m.group(1), int(m.group(2))) if m else (motivo, 0)


def triar(entrega: Path, saida: Path):
    """Escreve saida/triagem.json e saida/imagens.txt; devolve o dicionário da triagem."""
    entrega, saida = Path(entrega), Path(saida)
    saida.mkdir(parents=True, exist_ok=True)
    achadas = descoberta.pastas(entrega)
    desafios = {}
    for n in range(1, 6):
        pasta = achadas.get(n)
        if pasta is None:
            desafios[str(n)] = {"pasta": "", "recusado": False, "motivos": []}
            continue
        try:
            motivos = triar_pasta(pasta)
        except Exception as erro:  # noqa: BLE001 - sem triagem, nada roda
            motivos = ["%s: a triagem não conseguiu ler a pasta (%s: %s); por segurança, nada dela roda"
                       % (pasta.name, type(erro).__name__, erro)]
        desafios[str(n)] = {"pasta": str(pasta.relative_to(entrega)), "recusado": bool(motivos),
                            "motivos": motivos}
    try:
        imagens = descoberta.imagens_base(entrega)
    except Exception as erro:  # noqa: BLE001
        imagens = []
        desafios["erro"] = "imagens: %s" % erro
    dados = {"entrega": str(entrega), "desafios": desafios, "imagens": imagens}
    (saida / "triagem.json").write_text(json.dumps(dados, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (saida / "imagens.txt").write_text("".join(i + "\n" for i in imagens), encoding="utf-8")
    return dados
