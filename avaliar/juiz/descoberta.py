"""Descoberta: a pasta de cada desafio, as imagens base e as rotas HTTP do código."""
from __future__ import annotations

import re
from pathlib import Path

IGNORAR = {".git", "node_modules", "__pycache__", ".venv", "venv", "env", ".idea", ".vscode",
           "dist", "build", "target", ".github"}

_PADRAO = re.compile(
    r"^(?:\d+[\s._-]*)?(desafio|desafios|challenge|chalenge|exercicio|exercício|exercise|ex|exerc|d|"
    r"atividade|tarefa|task|lab|parte|part|projeto|proj|project|etapa|step|questao|questão|q)"
    r"[\s._-]*0?([1-5])(?![0-9])", re.I)


def numero(nome: str):
    """Número do desafio pelo nome da pasta, ou None."""
    m = _PADRAO.match(nome.strip())
    return int(m.group(2)) if m else None


def _subpastas(raiz: Path, nivel_max=3):
    fila = [(raiz, 0)]
    while fila:
        atual, nivel = fila.pop(0)
        try:
            filhos = sorted(p for p in atual.iterdir() if p.is_dir() and not p.is_symlink())
        except OSError:
            continue
        for f in filhos:
            if f.name in IGNORAR or f.name.startswith("."):
                continue
            yield f, nivel + 1
            if nivel + 1 < nivel_max:
                fila.append((f, nivel + 1))


def pastas(entrega: Path):
    """{n: pasta} dos desafios achados na entrega (nome, até 3 níveis; depois pelo conteúdo)."""
    entrega = Path(entrega)
    achadas = {}
    for p, nivel in _subpastas(entrega):
        n = numero(p.name)
        if n is None:
            continue
        # uma pasta dentro de outra do mesmo desafio (desafio1/desafio1-app) não conta
        if n in achadas and (achadas[n] in p.parents or achadas[n][1] <= nivel):
            continue
        if any(a in p.parents for a, _ in achadas.values()):
            continue
        achadas[n] = (p, nivel)
    res = {n: p for n, (p, _) in achadas.items()}
    if len(res) < 5:
        _por_conteudo(entrega, res)
    if not res:
        # um repositório de um desafio só, com tudo na raiz
        n = numero(entrega.resolve().name) or _palpite(entrega)
        if n:
            res[n] = entrega
    return dict(sorted(res.items()))


def _texto(p: Path, limite=200_000):
    try:
        return p.read_text(encoding="utf-8", errors="replace")[:limite]
    except OSError:
        return ""


def _arquivos(pasta: Path, nivel_max=3):
    yield from (f for f in pasta.iterdir() if f.is_file())
    for sub, nivel in _subpastas(pasta, nivel_max - 1):
        try:
            yield from (f for f in sub.iterdir() if f.is_file())
        except OSError:
            continue


def _palpite(pasta: Path):
    """Número do desafio pelo conteúdo de uma pasta sem nome reconhecível."""
    textos = []
    for f in _arquivos(pasta, 2):
        if f.stat().st_size < 300_000:
            textos.append(_texto(f).lower())
    t = "\n".join(textos)
    tem_compose = any(f.name.lower() in ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")
                      for f in _arquivos(pasta, 2))
    if not ("dockerfile" in t or "docker " in t or tem_compose):
        return None
    if tem_compose and "postgres" in t and "redis" in t:
        return 3
    if tem_compose and ("gateway" in t or "proxy_pass" in t) and t.count("build:") >= 2:
        return 5
    if tem_compose and t.count("build:") >= 2 and ("requests.get" in t or "fetch(" in t or "urlopen" in t or "axios" in t):
        return 4
    if "sqlite" in t or "volume create" in t or ("postgres" in t and "volume" in t and not tem_compose):
        return 2
    if "network create" in t or ("curl" in t and "--network" in t):
        return 1
    return None


def _por_conteudo(entrega: Path, res: dict):
    usadas = set(res.values())
    candidatas = []
    for p, nivel in _subpastas(entrega, 2):
        if p in usadas or any(u in p.parents or p in u.parents for u in usadas):
            continue
        candidatas.append(p)
    for p in candidatas:
        if any(c in p.parents for c in candidatas if c != p and c not in res.values()) and \
                any(c in p.parents and _palpite(c) for c in candidatas if c != p):
            continue
        n = _palpite(p)
        if n and n not in res:
            res[n] = p


# ---------------------------------------------------------------- imagens base

def e_dockerfile(p: Path) -> bool:
    n = p.name.lower()
    return n == "dockerfile" or n.startswith("dockerfile.") or n.endswith(".dockerfile") or n.startswith("dockerfile-")


def _substituir(texto: str, args: dict) -> str:
    def troca(m):
        nome = m.group(1) or m.group(3)
        padrao = m.group(2)
        valor = args.get(nome)
        if valor:
            return valor
        if padrao is not None:
            return padrao
        return ""
    return re.sub(r"\$\{(\w+)(?::?[-=]([^}]*))?\}|\$(\w+)", troca, texto)


def froms(texto: str):
    """Imagens base de um Dockerfile: ARG padrão substituído, --platform e AS tirados,
    estágios anteriores e scratch ignorados."""
    args, estagios, res = {}, set(), []
    linhas, atual = [], ""
    for linha in texto.splitlines():
        s = linha.strip()
        if s.startswith("#") and not atual:
            continue
        if s.endswith("\\"):
            atual += s[:-1] + " "
            continue
        linhas.append(atual + s)
        atual = ""
    for linha in linhas:
        m = re.match(r"^ARG\s+(\w+)(?:=(\S*))?", linha, re.I)
        if m:
            if m.group(1) not in args or m.group(2):
                args[m.group(1)] = (m.group(2) or "").strip('"').strip("'")
            continue
        m = re.match(r"^FROM\s+(.*)$", linha, re.I)
        if not m:
            continue
        partes = [p for p in m.group(1).split() if not p.startswith("--")]
        if not partes:
            continue
        img = _substituir(partes[0], args).strip('"').strip("'")
        if len(partes) >= 3 and partes[1].lower() == "as":
            estagios.add(partes[2].lower())
        if not img or img.lower() == "scratch" or img.lower() in estagios:
            continue
        if img not in res:
            res.append(img)
    return res


def imagens_compose(texto: str):
    """`image:` dos serviços sem `build:` (leitura por linhas, sem YAML)."""
    res = []
    servicos = _servicos(texto)
    for chaves in servicos.values():
        if "build" not in chaves and chaves.get("image"):
            img = _substituir(chaves["image"].strip().strip('"').strip("'"), {})
            if img and img not in res:
                res.append(img)
    return res


def _servicos(texto: str):
    """{serviço: {chave: valor em linha}} do bloco services: de um compose."""
    res, em_servicos, ind_serv, atual, ind_chave = {}, False, None, None, None
    for linha in texto.splitlines():
        if not linha.strip() or linha.lstrip().startswith("#"):
            continue
        ind = len(linha) - len(linha.lstrip())
        s = linha.strip()
        if ind == 0:
            em_servicos = s.startswith("services:")
            ind_serv = atual = None
            continue
        if not em_servicos:
            continue
        if ind_serv is None:
            ind_serv = ind
        if ind == ind_serv:
            m = re.match(r"^([\w.-]+|\"[^\"]+\"|'[^']+'):", s)
            if m:
                atual = m.group(1).strip("\"'")
                res[atual] = {}
                ind_chave = None
            continue
        if atual is None or ind < ind_serv:
            continue
        if ind_chave is None:
            ind_chave = ind
        if ind == ind_chave:
            m = re.match(r"^([\w.-]+):\s*(.*)$", s)
            if m:
                valor = re.sub(r"\s+#.*$", "", m.group(2))
                res[atual][m.group(1)] = valor
    return res


def e_compose(p: Path) -> bool:
    n = p.name.lower()
    return n.endswith((".yml", ".yaml")) and ("compose" in n)


def imagens_base(entrega: Path):
    """Referências de imagem que os Dockerfiles, composes e linhas `docker run` pedem."""
    from . import partida  # evita ciclo na importação
    entrega = Path(entrega)
    res = []

    def pôr(img):
        if img and img not in res and not img.startswith("$"):
            res.append(img)

    construidas = set()
    achadas = pastas(entrega)
    for pasta in achadas.values():
        for f in sorted(_arquivos(pasta, 4)):
            if e_dockerfile(f):
                for img in froms(_texto(f)):
                    pôr(img)
            elif e_compose(f):
                for img in imagens_compose(_texto(f)):
                    pôr(img)
    for n, pasta in achadas.items():
        try:
            p = partida.descobrir(pasta)
        except Exception:  # noqa: BLE001 - descoberta não derruba a triagem
            p = None
        if p is None or p.modo != "comandos":
            continue
        for args in p.comandos:
            if args[1:2] == ["build"] or args[1:3] in (["image", "build"], ["buildx", "build"]):
                for i, t in enumerate(args):
                    if t in ("-t", "--tag") and i + 1 < len(args):
                        construidas.add(args[i + 1])
                        construidas.add(args[i + 1].split(":")[0])
                    elif t.startswith("--tag="):
                        construidas.add(t[6:])
        for args in p.comandos:
            if args[1:2] == ["run"] or args[1:3] == ["container", "run"]:
                img = imagem_do_run(args)
                if img and img not in construidas and img.split(":")[0] not in construidas:
                    pôr(img)
    return res


def imagem_do_run(args):
    """O nome da imagem de um `docker run ...`."""
    from .linhas import _fim_opcoes
    pos = args.index("run") + 1
    fim = _fim_opcoes(args, pos)
    return args[fim] if fim < len(args) else ""


# ---------------------------------------------------------------- rotas

_ROTAS = [
    re.compile(r"@\w+\.(?:route|get|post|put|delete|patch|api_route)\(\s*[rf]?[\"']([^\"']+)[\"']"),
    re.compile(r"\b(?:app|router|server|api)\.(?:get|post|put|delete|patch|all|use|route)\(\s*[\"'`]([^\"'`]+)[\"'`]"),
    re.compile(r"^\s*location\s+(?:=\s*|\^~\s*)?(/[^\s{]*)", re.M),
    re.compile(r"add_url_rule\(\s*[\"']([^\"']+)[\"']"),
    re.compile(r"(?:HandleFunc|Handle)\(\s*\"([^\"]+)\""),
    # http.server e node puro: if self.path == "/x" / req.url === '/x' / path.startswith("/x")
    re.compile(r"\b(?:path|url|pathname)\s*(?:[=!]==?|\.startswith\(|\.startsWith\()\s*[\"'](/[^\"']*)[\"']"),
    re.compile(r"\bin\s*\(\s*[\"'](/[^\"']*)[\"']"),
]


def rotas(pasta: Path):
    """Caminhos literais das rotas do código (Flask, FastAPI, Express, nginx, Go); sem
    parâmetros; `/` primeiro."""
    res = []
    for f in sorted(_arquivos(Path(pasta), 4)):
        if f.suffix.lower() not in (".py", ".js", ".ts", ".mjs", ".cjs", ".conf", ".go", ".rb", ".php") \
                and "nginx" not in f.name.lower():
            continue
        if f.stat().st_size > 500_000 or "test" in f.name.lower():
            continue
        texto = _texto(f)
        for padrao in _ROTAS:
            for m in padrao.finditer(texto):
                r = m.group(1).strip()
                if not r.startswith("/") or re.search(r"[<{:*(\[$]", r) or "\\" in r:
                    continue
                if r not in res:
                    res.append(r)
    return sorted(res, key=lambda r: r != "/")
