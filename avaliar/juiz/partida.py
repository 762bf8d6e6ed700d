"""Como um desafio sobe: um arquivo compose, ou as linhas docker do README e dos scripts."""
from __future__ import annotations

import itertools
import re
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import motor
from .linhas import _e_run, comandos, fontes, preparar_run  # noqa: F401 (partida.fontes, partida.preparar_run)

NOMES_COMPOSE = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")
_contador = itertools.count(1)


@dataclass
class Partida:
    pasta: Path
    modo: str                       # "compose" | "comandos"
    compose: Path | None = None
    comandos: list = field(default_factory=list)     # [[docker, run, ...], ...]
    descricao: str = ""
    dirs: list = field(default_factory=list)         # pasta de trabalho de cada comando
    projeto: str = ""                                # -p do compose
    iniciados: list = field(default_factory=list)    # ids dos contêineres que os comandos criaram
    saidas: dict = field(default_factory=dict)       # id -> log (dos `docker run` sem -d)
    log: str = ""                                    # saída de subir/religar

    def compose_args(self):
        """["docker", "compose", "-p", X, (-f F)] para rodar na pasta do arquivo."""
        args = ["docker", "compose", "-p", self.projeto]
        if self.compose is not None and self.compose.name not in NOMES_COMPOSE:
            args += ["-f", self.compose.name]
        return args


# ---------------------------------------------------------------- descoberta

def achar_compose(pasta: Path):
    pasta = Path(pasta)
    for nivel in (pasta, *sorted(p for p in pasta.iterdir() if p.is_dir() and not p.name.startswith("."))):
        try:
            arquivos = {p.name.lower(): p for p in nivel.iterdir() if p.is_file()}
        except OSError:
            continue
        for n in NOMES_COMPOSE:
            if n in arquivos:
                return arquivos[n]
        if nivel == pasta:
            continue
    return None


def descobrir(pasta: Path):
    """Partida do desafio na pasta, ou None se não há como subir."""
    pasta = Path(pasta)
    arq = achar_compose(pasta)
    if arq is not None:
        rel = arq.relative_to(pasta)
        return Partida(pasta=pasta, modo="compose", compose=arq,
                       descricao="compose: docker compose -f %s up -d --build" % rel,
                       projeto="avd%d" % next(_contador))
    for fonte, linhas in fontes(pasta):
        cmds = comandos(linhas, inicio=fonte.parent, pasta=pasta)
        if any(c[1] == "run" or c[1:3] == ["container", "run"] for c, _ in cmds):
            try:
                nome_fonte = fonte.relative_to(pasta)
            except ValueError:
                nome_fonte = Path("..") / fonte.name
            return Partida(pasta=pasta, modo="comandos", comandos=[c for c, _ in cmds],
                           dirs=[d for _, d in cmds],
                           descricao="%s: %d comandos docker" % (nome_fonte, len(cmds)),
                           projeto="avd%d" % next(_contador))
    return None


def subir(p: Partida, timeout=600):
    """Constrói e sobe. (ok, log)."""
    if p.modo == "compose":
        return _subir_compose(p, timeout)
    return _rodar_comandos(p, timeout, so_run=False)


def _subir_compose(p: Partida, timeout, build=True):
    pasta = p.compose.parent
    base = p.compose_args()
    rc, out = motor.sh(base + ["config", "-q"], timeout=60, cwd=pasta)
    if rc != 0:
        msg = " ".join(out.strip().splitlines()[-1:]) or "sem mensagem"
        p.log = "arquivo compose inválido (docker compose config): %s\n%s" % (msg, out)
        return False, p.log
    inicio = time.monotonic()
    args = base + ["up", "-d"] + (["--build"] if build else [])
    rc, out = motor.sh(args, timeout=timeout, cwd=pasta)
    log = "$ %s\n%s" % (shlex.join(args), out)
    if rc != 0:
        p.log = log
        return False, log
    restante = max(30, timeout - (time.monotonic() - inicio))
    ok, estado = _esperar_projeto(p, min(restante, 120))
    p.log = log + "\n" + estado
    return ok, p.log


def _do_projeto(p):
    return motor.containers(all=True, filtros=["label=com.docker.compose.project=%s" % p.projeto])


def _esperar_projeto(p, timeout):
    """Espera todo contêiner do projeto rodando (e healthy, se tem healthcheck) ou saído com 0;
    para antes se todos já saíram."""
    estado = {"texto": "", "cs": []}

    def pronto():
        cs = _do_projeto(p)
        estado["cs"] = cs
        linhas, bom, todos_parados = [], bool(cs), bool(cs)
        for c in cs:
            st = c.get("State") or {}
            s = motor.saude(c)
            linhas.append("%s: %s%s" % (motor.nome(c), st.get("Status"), " (%s)" % s if s else ""))
            if st.get("Running") or st.get("Restarting"):
                todos_parados = False
                if s and s != "healthy" or st.get("Restarting"):
                    bom = False
            elif st.get("ExitCode") != 0 or st.get("Status") == "created":
                bom = False
        estado["texto"] = "\n".join(linhas)
        return bom or todos_parados

    motor.wait(pronto, timeout=timeout, every=2)
    cs = estado["cs"]
    vivos = [c for c in cs if motor.rodando(c)]
    ok_saida = [c for c in cs if not motor.rodando(c) and (c.get("State") or {}).get("ExitCode") == 0
                and (c.get("State") or {}).get("Status") == "exited"]
    if vivos or ok_saida:
        # um contêiner que não fica healthy ainda pode servir; quem decide são as verificações
        return True, "contêineres:\n" + estado["texto"]
    logs = "\n".join("--- log de %s:\n%s" % (motor.nome(c), motor.logs(c["Id"], tail=30).strip()) for c in cs[:4])
    return False, "nenhum contêiner do compose ficou de pé:\n%s\n%s" % (estado["texto"], logs)


def _rodar_comandos(p: Partida, timeout, so_run):
    fim = time.monotonic() + timeout
    log, iniciados_agora = [], []
    for args, cwd in zip(p.comandos, p.dirs or [p.pasta] * len(p.comandos)):
        if so_run and not (_e_run(args) or args[1:2] == ["compose"]):
            continue
        restante = fim - time.monotonic()
        if restante <= 5:
            log.append("tempo esgotado antes de: %s" % shlex.join(args))
            p.log = "\n".join(log)
            return False, p.log
        if _e_run(args):
            real, primeiro_plano = preparar_run(args)
        elif args[1:2] == ["compose"]:
            real = list(args)
            if "-d" not in real and "--detach" not in real:
                real.insert(real.index("up") + 1, "-d")
            real[2:2] = [] if "-p" in real else ["-p", p.projeto]
            primeiro_plano = False
        else:
            real, primeiro_plano = list(args), False
        rc, out = motor.sh(real, timeout=min(restante, 600), cwd=cwd)
        log.append("$ %s\n%s" % (shlex.join(real), out.strip()))
        if _e_run(args):
            cid = _ultimo_id(out)
            if rc != 0 and "is already in use" in out and iniciados_agora:
                # o README sobe o mesmo nome de novo (uma variação mais adiante): fica o primeiro
                log.append("(nome já em uso: fica o contêiner de antes)")
                continue
            if rc != 0 or not cid:
                p.log = "\n".join(log)
                return False, p.log
            iniciados_agora.append(cid)
            if primeiro_plano:
                # um job (insere e sai) termina logo; um servidor em primeiro plano fica
                motor.wait(lambda: not _rodando(cid), timeout=min(30, max(1, fim - time.monotonic())), every=0.5)
                saida = motor.logs(cid, tail=500)
                p.saidas[cid] = saida
                log.append(saida.strip())
        elif rc != 0:
            if args[1:2] in (["network"], ["volume"]) and "exist" in out:
                continue
            if args[1:2] in (["network"], ["volume"]):
                continue  # uma rede/volume que falha aparece nas verificações
            p.log = "\n".join(log)
            return False, p.log
    p.iniciados = iniciados_agora
    p.log = "\n".join(log)
    if not iniciados_agora and not any(a[1:2] == ["compose"] for a in p.comandos):
        return False, p.log + "\nnenhum contêiner foi criado"
    return True, p.log


def _ultimo_id(out):
    for linha in reversed(out.strip().splitlines()):
        if re.fullmatch(r"[0-9a-f]{64}", linha.strip()):
            return linha.strip()
    return ""


def _rodando(cid):
    rc, out = motor.docker("inspect", "-f", "{{.State.Running}}", cid, timeout=15)
    return rc == 0 and out.strip() == "true"


def descer(p: Partida):
    """compose down (sem -v) / docker rm -f do que os comandos criaram."""
    if p.modo == "compose":
        motor.sh(p.compose_args() + ["down", "--remove-orphans", "-t", "5"], timeout=120, cwd=p.compose.parent)
        return
    if p.iniciados:
        motor.docker("rm", "-f", *p.iniciados, timeout=120)
    if any(a[1:2] == ["compose"] for a in p.comandos):
        for args, cwd in zip(p.comandos, p.dirs):
            if args[1:2] == ["compose"]:
                base = [a for a in args[: args.index("up")]]
                if "-p" not in base:
                    base[2:2] = ["-p", p.projeto]
                motor.sh(base + ["down", "-t", "5"], timeout=120, cwd=cwd)


def religar(p: Partida, timeout=300):
    """Derruba e sobe de novo guardando os volumes: compose down + up; comandos: rm -f dos
    contêineres e os `docker run` de novo."""
    if p.modo == "compose":
        descer(p)
        return _subir_compose(p, timeout, build=False)
    descer(p)
    return _rodar_comandos(p, timeout, so_run=True)
