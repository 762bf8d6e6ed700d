"""As linhas docker de um desafio sem compose: lidas dos blocos de código do README, dos
scripts (.sh, .ps1) e das receitas do Makefile, na ordem, com `cd` acompanhado, até a
primeira linha que derruba o que subiu; e o `docker run` de cada uma preparado para o juiz
(sem -it, destacado, com o log guardado)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

def fontes(pasta: Path):
    """[(arquivo, linhas de comando)] na ordem de preferência: README*, scripts, Makefile,
    e por fim o README da pasta de cima (só os comandos que entram nesta pasta)."""
    res = []
    arquivos = sorted((p for p in pasta.iterdir() if p.is_file()), key=lambda p: p.name.lower())
    readmes = [p for p in arquivos if p.name.lower().startswith("readme")]
    for p in readmes:
        res.append((p, linhas_markdown(ler(p))))
    scripts = [p for p in arquivos if p.suffix.lower() in (".sh", ".ps1", ".bash", ".bat", ".cmd")]
    scripts.sort(key=lambda p: (0 if re.search(r"start|run|up|iniciar|rodar|executar|setup|build", p.name, re.I) else 1, p.name))
    for p in scripts:
        res.append((p, linhas_script(ler(p))))
    for p in arquivos:
        if p.name.lower() in ("makefile", "gnumakefile"):
            res.append((p, linhas_makefile(ler(p))))
    if pasta.parent != pasta:
        try:
            de_cima = sorted((p for p in pasta.parent.iterdir() if p.is_file() and p.name.lower().startswith("readme")))
        except OSError:
            de_cima = []
        for p in de_cima:
            res.append((p, linhas_markdown(ler(p))))
    return res


def ler(p: Path) -> str:
    """O texto de um arquivo da entrega (bytes inválidos trocados; ilegível: vazio)."""
    try:
        return p.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


LINGUAGENS = {"", "bash", "sh", "shell", "console", "zsh", "powershell", "ps1", "ps", "pwsh",
              "cmd", "bat", "batch", "terminal", "shell-session", "shellsession", "docker"}


def linhas_markdown(texto: str):
    """Linhas dos blocos ``` de comandos (bash, sh, console, powershell, sem linguagem);
    sem nenhum bloco, as linhas que começam com `docker`."""
    linhas, dentro, aceito, cerca = [], False, False, ""
    achou_bloco = False
    for linha in texto.splitlines():
        s = linha.strip()
        m = re.match(r"^(`{3,}|~{3,})\s*([\w+-]*)", s)
        if m and (not dentro or s.startswith(cerca) and s.strip("`~ ") == ""):
            if not dentro:
                dentro, cerca = True, m.group(1)
                aceito = m.group(2).lower() in LINGUAGENS
                achou_bloco = True
            else:
                dentro = False
                linhas.append("")  # fim de bloco quebra continuações
            continue
        if dentro and aceito:
            linhas.append(linha)
    if not achou_bloco:
        for linha in texto.splitlines():
            s = linha.strip().strip("`").strip()
            if re.match(r"^(\$\s*|sudo\s+)?docker(-compose)?\s", s):
                linhas.append(s)
    return linhas


def linhas_script(texto: str):
    return texto.splitlines()


def linhas_makefile(texto: str):
    """As receitas (linhas com TAB no começo), sem o @/- do make."""
    res = []
    for linha in texto.splitlines():
        if linha.startswith("\t"):
            res.append(linha[1:].lstrip("@-+ "))
    return res


# ---------------------------------------------------------------- extração

TEARDOWN = (("rm",), ("container", "rm"), ("stop",), ("container", "stop"), ("kill",),
            ("container", "kill"), ("network", "rm"), ("volume", "rm"), ("rmi",),
            ("image", "rm"), ("system", "prune"), ("compose", "down"), ("compose", "stop"))
MANTER = (("network", "create"), ("volume", "create"), ("build",), ("image", "build"),
          ("buildx", "build"), ("run",), ("container", "run"), ("compose", "up"))


def _juntar(linhas):
    """Junta continuações (\\ do sh, ` do PowerShell) e tira prompts ($, PS>)."""
    res, atual = [], ""
    for linha in linhas:
        s = linha.rstrip()
        if s.endswith("\\") or (s.endswith("`") and not s.endswith("``")):
            atual += s[:-1] + " "
            continue
        atual += s
        res.append(atual.strip())
        atual = ""
    if atual.strip():
        res.append(atual.strip())
    return res


def _partes(linha: str):
    """Divide por && ; || fora de aspas. Uma parte com | (pipe) ou $( fora de aspas simples
    vira None (não dá para rodar sem o shell)."""
    partes, atual, aspa, i = [], "", "", 0
    ruim = False
    while i < len(linha):
        ch = linha[i]
        if aspa:
            if ch == aspa:
                aspa = ""
            elif aspa == '"' and linha.startswith("$(", i):
                ruim = True
            atual += ch
            i += 1
            continue
        if ch in "'\"":
            aspa = ch
        elif linha.startswith("&&", i) or linha.startswith("||", i):
            partes.append(None if ruim else atual.strip())
            atual, ruim = "", False
            i += 2
            continue
        elif ch == ";":
            partes.append(None if ruim else atual.strip())
            atual, ruim = "", False
            i += 1
            continue
        elif ch == "|" or linha.startswith("$(", i) or ch == "`":
            ruim = True
        elif ch == "#" and (not atual or atual[-1].isspace()):
            break
        atual += ch
        i += 1
    partes.append(None if ruim else atual.strip())
    return [p for p in partes if p is None or p]


def _tokens(cmd: str, cwd: Path):
    cmd = re.sub(r"^(\$|>|PS[^>]*>|#)\s+", "", cmd) if re.match(r"^(\$|PS[^>]*>)\s", cmd) else cmd
    cmd = re.sub(r"\$\{PWD\}|\$PWD|\$\{pwd\}|%cd%|\$\{\(pwd\)\}", str(cwd), cmd)
    try:
        toks = shlex.split(cmd, comments=True)
    except ValueError:
        return None
    while toks and (toks[0] in ("sudo", "exec") or re.match(r"^[A-Z_][A-Z0-9_]*=", toks[0])):
        toks = toks[1:]
    return toks or None


def _sub(toks):
    """Os argumentos depois de `docker` sem as opções globais (--context, -H...)."""
    resto = toks[1:]
    while resto and resto[0].startswith("-"):
        if resto[0] in ("--context", "-c", "-H", "--host", "--config", "-l", "--log-level") and len(resto) > 1:
            resto = resto[2:]
        else:
            resto = resto[1:]
    return resto


def _comeca(sub, prefixos):
    return any(sub[: len(p)] == list(p) for p in prefixos)


def _resolver_cd(alvo: str, cwd: Path, pasta: Path):
    alvo = alvo.strip().strip('"').strip("'")
    if alvo in ("", "~", "-"):
        return cwd
    alvo = alvo.replace("\\", "/")
    candidatos = [cwd / alvo, pasta.parent / alvo, pasta / alvo]
    for c in candidatos:
        try:
            if c.is_dir():
                return c.resolve()
        except OSError:
            pass
    base = Path(alvo.rstrip("/")).name
    if base and base.lower() == pasta.name.lower():
        return pasta.resolve()
    return cwd


def comandos(linhas, inicio: Path, pasta: Path):
    """[(args, cwd)] dos comandos docker a rodar, na ordem, sem repetição, até a primeira
    linha de desmontagem depois de um `docker run`. Só os que rodam dentro de ``pasta``."""
    pasta = Path(pasta).resolve()
    cwd = Path(inicio).resolve()
    res, vistos, teve_run = [], set(), False
    for linha in _juntar(linhas):
        linha = re.sub(r"\$\(pwd\)|\$\(PWD\)", "${PWD}", linha)
        for parte in _partes(linha):
            if parte is None:
                continue
            if re.match(r"^(\$\s+)?(cd|pushd|Set-Location|sl)\s+", parte, re.I):
                alvo = re.split(r"\s+", re.sub(r"^\$\s+", "", parte), maxsplit=1)[1]
                cwd = _resolver_cd(alvo, cwd, pasta)
                continue
            toks = _tokens(parte, cwd)
            if not toks:
                continue
            if toks[0] == "docker-compose":
                toks = ["docker", "compose"] + toks[1:]
            if toks[0] not in ("docker", "docker.exe", "podman"):
                continue
            toks[0] = "docker"
            sub = _sub(toks)
            if not sub:
                continue
            dentro = cwd == pasta or pasta in cwd.parents
            if _comeca(sub, TEARDOWN) or (sub[:1] == ["compose"] and "down" in sub):
                if teve_run and dentro:
                    return res
                continue
            if sub[:1] == ["compose"]:
                if "up" not in sub:
                    continue
            elif not _comeca(sub, MANTER):
                continue
            if not dentro:
                continue
            args = ["docker"] + sub
            if _comeca(sub, (("run",), ("container", "run"))):
                args = sem_interativo(args)
                teve_run = True
            if sub[:1] == ["compose"]:
                teve_run = True
            chave = (tuple(args), str(cwd))
            if chave in vistos:
                continue
            vistos.add(chave)
            res.append((args, cwd))
    return res


# opções de `docker run` que levam um valor no argumento seguinte
COM_VALOR = {"-e", "-p", "-v", "-w", "-u", "-l", "-h", "-m", "-c", "-a", "--name", "--network", "--net",
             "--env", "--publish", "--volume", "--workdir", "--user", "--label", "--hostname",
             "--memory", "--cpus", "--entrypoint", "--mount", "--env-file", "--restart",
             "--network-alias", "--add-host", "--tmpfs", "--health-cmd", "--platform",
             "--cpu-shares", "--pids-limit", "--security-opt", "--cap-drop", "--cap-add",
             "--device", "--ulimit", "--log-driver", "--log-opt", "--dns", "--ip", "--link",
             "--expose", "--stop-signal", "--stop-timeout", "--health-interval",
             "--health-retries", "--health-timeout", "--health-start-period", "--pid", "--ipc",
             "--userns", "--gpus", "--shm-size", "--volumes-from", "--cidfile", "--attach",
             "--memory-swap", "--cpuset-cpus", "--label-file", "--uts", "--cgroupns", "--init-path"}


def _pos_run(args):
    for k, t in enumerate(args):
        if t == "run":
            return k + 1
    return 1


def _fim_opcoes(args, pos):
    """Índice do nome da imagem num `docker run` (as opções vão de pos até ele)."""
    i = pos
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in COM_VALOR else 1
    return i


def sem_interativo(args):
    """Tira -i, -t, -it (e o i/t de -dit) das opções de um `docker run`."""
    pos = _pos_run(args)
    res, resto, i = args[:pos], args[pos:], 0
    while i < len(resto):
        t = resto[i]
        if not t.startswith("-"):
            res.extend(resto[i:])
            return res
        if t in ("-i", "-t", "--interactive", "--tty", "-it", "-ti"):
            i += 1
            continue
        if re.match(r"^-[dit]+$", t):
            if "d" in t:
                res.append("-d")
            i += 1
            continue
        res.append(t)
        if t in COM_VALOR and i + 1 < len(resto):
            res.append(resto[i + 1])
            i += 2
            continue
        i += 1
    return res


def _e_run(args):
    return args[1:2] == ["run"] or args[1:3] == ["container", "run"]


def _opcoes_run(args):
    """As opções de um `docker run` (antes da imagem), sem os valores."""
    pos = _pos_run(args)
    fim = _fim_opcoes(args, pos)
    opcoes, i = [], pos
    while i < fim:
        opcoes.append(args[i])
        i += 2 if args[i] in COM_VALOR else 1
    return opcoes


def _destacado(args):
    return any(t in ("-d", "--detach", "--detach=true") for t in _opcoes_run(args))


def preparar_run(args):
    """(args para rodar, estava em primeiro plano?): sem -d, ganha -d e perde --rm (para o log
    ficar); quem já tinha -d fica como está."""
    args = sem_interativo(list(args))
    if _destacado(args):
        return args, False
    pos = _pos_run(args)
    fim = _fim_opcoes(args, pos)
    opcoes = [t for t in args[pos:fim] if t not in ("--rm", "--rm=true")]
    return args[:pos] + ["-d"] + opcoes + args[fim:], True


# ---------------------------------------------------------------- subir / descer
