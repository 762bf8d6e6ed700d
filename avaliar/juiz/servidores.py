"""Os servidores de uma entrega, achados no engine de dentro (desafios 3, 4 e 5).

As rotas que o código declara (Flask, Express, http.server, nginx...), os contêineres da
partida e seus papéis, as portas que escutam de verdade (/proc/<pid>/net/tcp), quem responde
HTTP, e uma requisição com a evidência de uma linha.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import motor

MAX_ROTAS = 30
EXTENSOES_ROTAS = (".py", ".js", ".mjs", ".cjs", ".ts", ".conf", ".go", ".java", ".rb", ".php")
PULAR_PASTAS = {"node_modules", ".git", "venv", ".venv", "__pycache__", "dist", "build", "vendor"}

# ----------------------------------------------------------------- ajudantes comuns (D3, D4, D5)


def trecho(corpo, limite=160) -> str:
    """Um pedaço curto e de uma linha só de um corpo de resposta."""
    if isinstance(corpo, bytes):
        corpo = corpo.decode("utf-8", "replace")
    texto = re.sub(r"\s+", " ", str(corpo)).strip()
    return texto if len(texto) <= limite else texto[:limite] + "…"


_RE_ROTAS = [
    # Flask/FastAPI/Express/Koa/Fastify/Spring: @app.route("/x"), @app.get('/x'), router.post("/x")
    re.compile(r"""\.(?:route|get|post|put|delete|patch|api_route|all|use)\(\s*[rfb]?["'`](/[^"'`\s]*)["'`]"""),
    re.compile(r"""@(?:Get|Post|Request)Mapping\(\s*(?:value\s*=\s*)?["'](/[^"']*)["']"""),
    re.compile(r"""HandleFunc\(\s*["'](/[^"']*)["']"""),
    # comparações com o caminho (http.server, Node puro): path == "/x", case '/x', startsWith("/x")
    re.compile(r"""(?:==|===|\bcase|startswith\(|startsWith\()\s*["'](/[\w/.-]*)["']"""),
    # nginx: location /x {, location = /x {, location ^~ /x/ {
    re.compile(r"""^\s*location\s+(?:=|\^~)?\s*(/[^\s{;]*)\s*\{""", re.M),
]


def _rotas_proprias(pasta: Path) -> list:
    """Caminhos literais no código (quando descoberta.rotas falta ou falha)."""
    achadas = []
    contados = 0
    for arq in sorted(Path(pasta).rglob("*")):
        if contados > 300:
            break
        if any(p in PULAR_PASTAS for p in arq.parts) or not arq.is_file():
            continue
        if arq.suffix.lower() not in EXTENSOES_ROTAS and "nginx" not in arq.name.lower():
            continue
        try:
            if arq.stat().st_size > 300_000:
                continue
            texto = arq.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        contados += 1
        for rx in _RE_ROTAS:
            for m in rx.finditer(texto):
                achadas.append(m.group(1))
    return achadas


def rotas_de(pasta: Path) -> list:
    """/ e as rotas literais do código (sem parâmetros), sem repetição, no máximo MAX_ROTAS."""
    try:
        from .descoberta import rotas  # as de H2 e, além delas, as do achador daqui
        achadas = list(rotas(pasta))
    except Exception:  # noqa: BLE001 - se falta ou quebra, só o achador daqui
        achadas = []
    achadas += _rotas_proprias(pasta)
    res = ["/"]
    for r in achadas:
        r = str(r).strip()
        if not r.startswith("/") or re.search(r"[<>{}:*()\[\]\\$?]", r):
            continue
        for v in (r, r.rstrip("/") if len(r) > 1 else r):
            if v and v not in res:
                res.append(v)
    return res[:MAX_ROTAS]


def conteineres(partida) -> list:
    """Contêineres rodando que a partida subiu (projeto do compose, ids dos comandos); se
    nada casa, todos os que estão rodando (o juiz limpa o motor entre desafios)."""
    todos = motor.containers()
    projeto = getattr(partida, "projeto", "") or ""
    if projeto:
        meus = [c for c in todos
                if ((c.get("Config") or {}).get("Labels") or {}).get("com.docker.compose.project") == projeto]
        if meus:
            return meus
    iniciados = set(getattr(partida, "iniciados", []) or [])
    if iniciados:
        meus = [c for c in todos if c.get("Id") in iniciados]
        if meus:
            return meus
    return todos


def chave(c) -> str:
    """Nome estável de um contêiner entre um down e um up: o serviço do compose, ou o nome."""
    labels = (c.get("Config") or {}).get("Labels") or {}
    return labels.get("com.docker.compose.service") or motor.nome(c)


def papeis(cs) -> dict:
    """{id: papel} ('postgres'|'redis'|'http'|'outro')."""
    res = {}
    for c in cs:
        try:
            res[c.get("Id")] = motor.role(c)
        except Exception:  # noqa: BLE001
            res[c.get("Id")] = "outro"
    return res


def portas_escutando(c, raiz="/proc") -> list:
    """Portas TCP em LISTEN no namespace de rede do contêiner, lidas de /proc/<pid>/net/tcp*
    (o juiz roda no mesmo sistema que o dockerd de dentro); [] se não der para ler."""
    pid = (c.get("State") or {}).get("Pid") or 0
    portas = set()
    for nome_arq in ("tcp", "tcp6"):
        try:
            with open("%s/%d/net/%s" % (raiz, pid, nome_arq), encoding="ascii", errors="replace") as f:
                next(f, None)
                for linha in f:
                    partes = linha.split()
                    if len(partes) > 3 and partes[3] == "0A":  # 0A: LISTEN
                        portas.add(int(partes[1].rpartition(":")[2], 16))
        except (OSError, ValueError):
            continue
    return sorted(portas) if pid else []


def _sondar(c, timeout=3) -> list:
    """[(porta, status, corpo)]: as portas expostas/publicadas e as que escutam de fato."""
    portas = list(dict.fromkeys(motor.ports_of(c) + portas_escutando(c)))
    if not portas:
        return motor.http_probe(c, timeout=timeout)
    res = []
    for porta in portas:
        status, _, corpo = motor.http(motor.url_de(c, porta, "/"), timeout=timeout)
        if status:
            res.append((porta, status, corpo))
    return res


def servidores_http(cs, excluir=()) -> list:
    """[(contêiner, porta, url base)] de cada contêiner que responde HTTP (uma porta, a primeira
    que responde abaixo de 500, ou a primeira que responde)."""
    res = []
    for c in cs:
        if c.get("Id") in excluir:
            continue
        respostas = _sondar(c)
        if not respostas:
            continue
        boas = [r for r in respostas if 0 < r[1] < 500] or respostas
        porta = boas[0][0]
        res.append((c, porta, motor.url_de(c, porta, "").rstrip("/")))
    return res


def esperar_http(partida, minimo, excluir_papeis=("postgres", "redis"), timeout=40):
    """(contêineres, papéis, servidores HTTP) quando há ``minimo`` servidores respondendo, ou o
    que houver no fim do tempo (um serviço sem healthcheck ainda pode estar abrindo a porta)."""
    estado = {}

    def pronto():
        cs = conteineres(partida)
        pap = papeis(cs)
        fora = {c.get("Id") for c in cs if pap.get(c.get("Id")) in excluir_papeis}
        estado["v"] = (cs, pap, servidores_http(cs, excluir=fora))
        return len(estado["v"][2]) >= minimo

    motor.wait(pronto, timeout=timeout, every=2)
    return estado.get("v") or ([], {}, [])


def pegar(url, timeout=5, method="GET", body=None) -> tuple:
    """(status, corpo, evidência de uma linha)."""
    status, _, corpo = motor.http(url, method=method, timeout=timeout, body=body)
    if status == 0:
        evid = "%s %s → sem resposta (%s)" % (method, url, trecho(corpo, 100))
    else:
        evid = "%s %s → %d %s" % (method, url, status, trecho(corpo, 120))
    return status, corpo, evid


def descrever(cs, pap) -> str:
    return "; ".join("%s (%s, %s)" % (motor.nome(c), motor.imagem(c), pap.get(c.get("Id"), "?")) for c in cs) \
        or "nenhum contêiner rodando"
