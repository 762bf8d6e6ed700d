"""Notas de higiene: não mudam o veredicto, só apontam o que uma imagem de produção faria."""
from __future__ import annotations

import re
from pathlib import Path

from . import descoberta

_SEGREDO = re.compile(r"^\s*ENV\s+.*\b\w*(PASSWORD|PASSWD|SENHA|SECRET|TOKEN|API_KEY|APIKEY)\w*\s*[= ]\s*\S", re.I)
_BANCOS = {"5432": "Postgres", "6379": "Redis", "3306": "MySQL", "27017": "MongoDB"}


def _tag_flutuante(img: str) -> bool:
    if "@sha256:" in img:
        return False
    nome = img.rsplit("/", 1)[-1]
    if ":" not in nome:
        return True
    tag = nome.split(":", 1)[1]
    return tag in ("latest", "") or re.fullmatch(r"(alpine|slim|lts|stable|current|bookworm|trixie)", tag) is not None


def _rel(f: Path, pasta: Path) -> str:
    try:
        return str(f.relative_to(pasta))
    except ValueError:
        return f.name


def notas(pasta: Path, partida=None, desafio=None):
    """Notas de higiene da pasta. No desafio 2 (um contêiner que grava e sai) não se pede
    HEALTHCHECK: ele mede um serviço que fica no ar."""
    pasta = Path(pasta)
    res = []
    arquivos = sorted(descoberta._arquivos(pasta, 3))
    dockerfiles = [f for f in arquivos if descoberta.e_dockerfile(f)]
    composes = [f for f in arquivos if descoberta.e_compose(f)]
    texto_compose = "\n".join(descoberta._texto(f) for f in composes)
    for f in dockerfiles:
        texto = descoberta._texto(f)
        rel = _rel(f, pasta)
        for img in descoberta.froms(texto):
            if _tag_flutuante(img):
                res.append("%s: imagem base `%s` sem versão fixa (tag ausente, latest ou flutuante)" % (rel, img))
        usuarios = re.findall(r"^\s*USER\s+(\S+)", texto, re.M | re.I)
        if not usuarios or usuarios[-1] in ("root", "0", "0:0"):
            res.append("%s: roda como root (sem USER de um usuário comum)" % rel)
        if desafio != 2 and not re.search(r"^\s*HEALTHCHECK\s", texto, re.M | re.I) \
                and "healthcheck:" not in texto_compose:
            res.append("%s: sem HEALTHCHECK (nem healthcheck no compose)" % rel)
        for i, linha in enumerate(texto.splitlines(), 1):
            if _SEGREDO.search(linha):
                res.append("%s:%d: segredo no ENV da imagem (fica gravado nas camadas)" % (rel, i))
    for f in composes:
        rel = _rel(f, pasta)
        for svc, chaves in descoberta._servicos(descoberta._texto(f)).items():
            img = chaves.get("image", "").strip("'\" ")
            if img and "build" not in chaves and _tag_flutuante(img):
                res.append("%s: serviço %s usa `%s` sem versão fixa" % (rel, svc, img))
        linhas = descoberta._texto(f).splitlines()
        for i, linha in enumerate(linhas, 1):
            m = re.search(r"['\"]?(?:[\d.]+:)?(\d+):(5432|6379|3306|27017)['\"]?\s*$", linha.strip())
            if m and linha.strip().startswith("-"):
                res.append("%s:%d: %s publicado no host (porta %s)" % (rel, i, _BANCOS[m.group(2)], m.group(1)))
    if partida is not None and getattr(partida, "modo", "") == "comandos":
        for args in partida.comandos:
            texto = " ".join(args)
            for porta, banco in _BANCOS.items():
                if re.search(r"(-p|--publish)[ =](\S*:)?\d+:%s\b" % porta, texto):
                    res.append("linha `%s`: %s publicado no host" % (texto[:80], banco))
            if args[1:2] == ["run"]:
                from .descoberta import imagem_do_run
                img = imagem_do_run(args)
                construidas = {a for c in partida.comandos for k, a in enumerate(c) if k and c[k - 1] in ("-t", "--tag")}
                if img and img not in construidas and _tag_flutuante(img):
                    res.append("linha `%s`: imagem `%s` sem versão fixa" % (texto[:80], img))
    vistos, unicos = set(), []
    for n in res:
        if n not in vistos:
            vistos.add(n)
            unicos.append(n)
    return unicos
