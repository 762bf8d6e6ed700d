"""Desafio 1: dois contêineres numa rede definida pelo usuário; um responde HTTP; o outro
recebe respostas repetidas dele, pelo nome."""
from __future__ import annotations

import re
import time
from pathlib import Path

from . import descoberta, motor
from .modelo import Resultado

REDES_PADRAO = {"bridge", "host", "none"}


def pedacos(corpo: bytes):
    """Trechos de um corpo HTTP que um cliente mostraria no log (sem chaves/aspas/tags)."""
    texto = corpo.decode("utf-8", "replace") if isinstance(corpo, bytes) else str(corpo)
    partes = re.split(r"[{}\[\]\",<>\n\r\t]+|:\s|\s{2,}|\\n", texto)
    # números, horas e datas mudam a cada resposta: ficam de fora dos trechos
    partes = [q for p in partes for q in re.split(r"\d+(?:[:.\-/T]\d+)*(?:[+-]\d\d:?\d\d|Z)?", p)]
    res = []
    for p in partes:
        p = p.strip().strip(":").strip()
        if len(p) >= 5 and p not in res and not re.fullmatch(r"[\d\s:.\-TZ+/]+", p):
            res.append(p)
    if not res and texto.strip():
        res.append(texto.strip()[:200])
    return res


def acertos(log: str, trechos):
    """Linhas do log que trazem a resposta do servidor."""
    if not trechos:
        return []
    res = []
    for linha in log.splitlines():
        achados = [t for t in trechos if t in linha]
        if len(trechos) == 1 and achados or len(achados) >= 2 or any(len(t) >= 12 for t in achados):
            res.append(linha)
    return res


def _redes_usuario(c):
    return [n for n, _ in motor.ip_of(c) if n not in REDES_PADRAO]


def _nomes(c):
    return [a for a in motor.aliases(c) if not re.fullmatch(r"[0-9a-f]{12,64}", a)]


def _menciona(texto: str, nome: str) -> bool:
    n = re.escape(nome)
    return re.search(r"(://|@)%s(?![\w-])|(?<![\w.-])%s:\d+" % (n, n), texto) is not None


def _fontes_mencionam(pasta: Path, nome: str):
    """arquivo:linha do código que chama o nome (linhas de código antes de comentários)."""
    comentarios = ""
    for f in sorted(descoberta._arquivos(pasta, 3)):
        if f.suffix.lower() in (".md", ".txt", ".png", ".jpg") or f.stat().st_size > 300_000:
            continue
        texto = descoberta._texto(f)
        for i, linha in enumerate(texto.splitlines(), 1):
            if _menciona(linha, nome):
                onde = "%s:%d: %s" % (f.relative_to(pasta), i, linha.strip()[:160])
                if not re.match(r"^\s*(#|//|--|\*|/\*)", linha):
                    return onde
                comentarios = comentarios or onde
    return comentarios


def caminhos_chamados(pasta: Path, cs):
    """Caminhos das URLs http:// que os comandos, o ambiente e o código citam (o que o cliente pede)."""
    textos = []
    for c in cs:
        cfg = c.get("Config") or {}
        textos.append(" ".join((cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or []) + (cfg.get("Env") or [])))
    for f in sorted(descoberta._arquivos(pasta, 3)):
        if f.suffix.lower() not in (".png", ".jpg", ".db") and f.stat().st_size < 300_000:
            textos.append(descoberta._texto(f))
    res = []
    for t in textos:
        for m in re.finditer(r"https?://[\w.-]+(?::\d+)?(/[\w./-]*)", t):
            caminho = m.group(1)
            if caminho != "/" and caminho not in res and not re.search(r"\.(md|html?|png|io|com|org)$", caminho):
                res.append(caminho)
    return res[:8]


def trechos_de(srv, porta, rota, rotas):
    """Os trechos estáveis das respostas do servidor (duas leituras; a rota achada e as do código)."""
    caminhos = (rotas or ["/"])[:6]
    if rota not in caminhos:
        caminhos.insert(0, rota)
    trechos = []
    for caminho in caminhos:
        s1, _, c1 = motor.http(motor.url_de(srv, porta, caminho))
        s2, _, c2 = motor.http(motor.url_de(srv, porta, caminho))
        if 200 <= s1 < 400 and 200 <= s2 < 400:
            p2 = pedacos(c2)
            for t in pedacos(c1):
                if t in p2 and t not in trechos:
                    trechos.append(t)
    return trechos


def avaliar(pasta: Path, partida) -> Resultado:
    r = Resultado(1)
    motor.wait(lambda: len(motor.containers()) >= 2, timeout=20, every=1)
    rodando = motor.containers()
    todos = motor.containers(all=True)
    r.verificar("há pelo menos dois contêineres rodando", len(rodando) >= 2,
                "\n".join("%s (%s): %s" % (motor.nome(c), motor.imagem(c), (c.get("State") or {}).get("Status"))
                          for c in todos) or "nenhum contêiner", base=True)

    por_rede = {}
    for c in todos:
        for n in _redes_usuario(c):
            por_rede.setdefault(n, []).append(c)
    redes_boas = {n: cs for n, cs in por_rede.items() if len(cs) >= 2}
    r.verificar("dois contêineres numa rede definida pelo usuário", bool(redes_boas),
                "\n".join("rede %s: %s" % (n, ", ".join(motor.nome(c) for c in cs)) for n, cs in por_rede.items())
                or "nenhum contêiner fora das redes padrão (bridge/host/none)", base=True)

    servidores = []
    rotas = descoberta.rotas(pasta)
    for caminho in caminhos_chamados(pasta, todos):
        if caminho not in rotas:
            rotas.append(caminho)

    def achar_servidor():
        servidores.clear()
        for c in motor.containers():
            for porta, status, corpo in motor.http_probe(c):
                if 200 <= status < 400:
                    servidores.append((c, porta, status, corpo, "/"))
                    continue
                # responde HTTP, mas não em /: uma rota do código
                for rota in rotas[:8]:
                    st, _, cp = motor.http(motor.url_de(c, porta, rota))
                    if 200 <= st < 400:
                        servidores.append((c, porta, st, cp, rota))
                        break
        return bool(servidores)

    if motor.wait(achar_servidor, timeout=30, every=2):
        # um segundo servidor pode estar subindo ainda: mais uma sondagem
        time.sleep(2)
        primeiros = list(servidores)
        if not achar_servidor() or len(servidores) < len(primeiros):
            servidores[:] = primeiros
    if not servidores:
        r.verificar("um contêiner responde HTTP", False, "nenhum contêiner respondeu HTTP 2xx/3xx nas portas "
                    "expostas (ou comuns) do seu IP", base=True)
        r.verificar("o outro contêiner recebe respostas repetidas do servidor", False, "sem servidor HTTP")
        r.verificar("o cliente chama o servidor pelo nome", False, "sem servidor HTTP")
        return r.decidir()
    # com mais de um contêiner respondendo HTTP, o servidor é aquele cuja resposta aparece no
    # log de outro (um cliente que também serve HTTP não é o servidor)
    candidatos = []
    for srv_, porta_, status_, corpo_, rota_ in servidores:
        trechos_ = trechos_de(srv_, porta_, rota_, rotas)
        outros = [c for c in todos if c.get("Id") != srv_.get("Id")]
        vistos_ = max([len(acertos(motor.logs(c["Id"], tail=3000), trechos_)) for c in outros] or [0])
        candidatos.append((vistos_, srv_, porta_, status_, corpo_, rota_, trechos_))
        if len(servidores) == 1:
            break
    candidatos.sort(key=lambda x: -x[0])
    _, srv, porta, status, corpo, rota, trechos = candidatos[0]
    r.verificar("um contêiner responde HTTP", True,
                "%s: GET %s → %d\n%s" % (motor.nome(srv), motor.url_de(srv, porta, rota), status,
                                         corpo[:400].decode("utf-8", "replace")), base=True)

    clientes = [c for c in todos if c.get("Id") != srv.get("Id")]
    melhor = {"c": None, "linhas": [], "log": ""}

    def contar():
        for c in clientes:
            log = motor.logs(c["Id"], tail=3000)
            linhas = acertos(log, trechos)
            if len(linhas) > len(melhor["linhas"]) or melhor["c"] is None:
                melhor.update(c=c, linhas=linhas, log=log)
            elif melhor["c"] is c:
                melhor.update(linhas=linhas, log=log)
        return len(melhor["linhas"]) >= 2

    tem_dois = motor.wait(contar, timeout=40, every=2)
    cli = melhor["c"]
    n1 = len(melhor["linhas"])
    cresceu = False
    if tem_dois and cli is not None:
        def mais():
            log = motor.logs(cli["Id"], tail=3000)
            linhas = acertos(log, trechos)
            melhor.update(linhas=linhas, log=log)
            return len(linhas) > n1
        time.sleep(1)
        cresceu = motor.wait(mais, timeout=20, every=2)
    ultimas = melhor["linhas"][-3:]
    if cli is None:
        evid = "só um contêiner"
    else:
        evid = "log de %s: %d linhas com a resposta do servidor (trechos procurados: %s); depois de alguns " \
               "segundos: %d\n%s" % (motor.nome(cli), n1, ", ".join(repr(t) for t in trechos[:4]) or "-",
                                     len(melhor["linhas"]), "\n".join(ultimas) or melhor["log"][-800:])
    r.verificar("o outro contêiner recebe respostas repetidas do servidor", tem_dois and cresceu, evid)

    # pelo nome: o cliente (comando, ambiente ou código) usa um nome do servidor, e esse nome resolve nele
    nomes = _nomes(srv)
    vistos = []
    if cli is not None:
        cfg = cli.get("Config") or {}
        texto_cli = " ".join((cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or []) + (cfg.get("Env") or []))
        for nome in nomes:
            if _menciona(texto_cli, nome) or re.search(r"(?<![\w.-])%s(?![\w-])" % re.escape(nome), texto_cli):
                vistos.append("comando/ambiente de %s cita `%s`" % (motor.nome(cli), nome))
                break
            onde = _fontes_mencionam(pasta, nome)
            if onde:
                vistos.append("o código cita `%s`: %s" % (nome, onde))
                break
    mesma_rede = cli is not None and bool(set(_redes_usuario(cli)) & set(_redes_usuario(srv)))
    resolve = ""
    if cli is not None and motor.rodando(cli) and vistos:
        nome = re.search(r"`([^`]+)`", vistos[0]).group(1)
        rc, out = motor.docker("exec", cli["Id"], "sh", "-c",
                               "getent hosts %s || nslookup %s || ping -c1 -W2 %s" % (nome, nome, nome), timeout=15)
        resolve = "\nDNS de `%s` dentro de %s: %s" % (nome, motor.nome(cli), "resolve" if rc == 0 else "não resolveu (%s)" % out.strip()[-200:])
    r.verificar("o cliente chama o servidor pelo nome", bool(vistos) and mesma_rede and tem_dois,
                ("; ".join(vistos) or "nenhum nome do servidor (%s) no comando, ambiente ou código do cliente" % ", ".join(nomes))
                + ("" if mesma_rede else "\ncliente e servidor não dividem uma rede definida pelo usuário") + resolve)
    return r.decidir()
