"""Ajudantes para o motor Docker de dentro da caixa: tudo com tempo limite e sem stdin."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

LIMITE_SAIDA = 20 * 1024


def _corta(texto: str, limite: int = LIMITE_SAIDA) -> str:
    if len(texto) > limite:
        return texto[: limite // 4] + "\n[... saída cortada ...]\n" + texto[-(limite * 3) // 4:]
    return texto


def sh(args, timeout=60, cwd=None):
    """Roda um comando (lista, ou texto para ``sh -c``). Devolve (rc, stdout+stderr);
    rc 124 no tempo esgotado (o grupo de processos inteiro é morto)."""
    if isinstance(args, str):
        args = ["sh", "-c", args]
    try:
        proc = subprocess.Popen(
            [str(a) for a in args], cwd=str(cwd) if cwd else None,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
    except OSError as erro:
        return 127, "não foi possível executar %s: %s" % (args[0], erro)
    try:
        saida, _ = proc.communicate(timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            saida, _ = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            saida = b""
        saida = (saida or b"") + ("\n[tempo esgotado após %ss]" % timeout).encode()
        rc = 124
    return rc, _corta((saida or b"").decode("utf-8", "replace"))


def docker(*args, timeout=60, cwd=None):
    return sh(["docker"] + [str(a) for a in args], timeout=timeout, cwd=cwd)


def inspect(*ids, kind=None):
    """docker inspect (json) de contêineres, redes ou volumes; [] se falhar."""
    if not ids:
        return []
    args = ["inspect"] + (["--type", kind] if kind else []) + list(ids)
    rc, out = docker(*args, timeout=30)
    try:
        return json.loads(out)
    except ValueError:
        # um id sumiu entre o ps e o inspect: um por um
        if len(ids) > 1:
            res = []
            for i in ids:
                res.extend(inspect(i, kind=kind))
            return res
        return []


def containers(all=False, filtros=()):
    """docker inspect de cada contêiner (rodando, ou todos com all=True)."""
    args = ["ps", "-q", "--no-trunc"] + (["-a"] if all else [])
    for f in filtros:
        args += ["--filter", f]
    rc, out = docker(*args, timeout=30)
    if rc != 0:
        return []
    ids = [l.strip() for l in out.splitlines() if l.strip()]
    return inspect(*ids, kind="container")


def nome(c) -> str:
    return (c.get("Name") or "").lstrip("/")


def imagem(c) -> str:
    return (c.get("Config") or {}).get("Image") or ""


def env(c) -> dict:
    res = {}
    for item in (c.get("Config") or {}).get("Env") or []:
        k, _, v = item.partition("=")
        res[k] = v
    return res


def rodando(c) -> bool:
    return bool((c.get("State") or {}).get("Running"))


def saude(c) -> str:
    """'healthy'|'unhealthy'|'starting'|'' (sem healthcheck)."""
    return ((c.get("State") or {}).get("Health") or {}).get("Status") or ""


def ip_of(c):
    """[(rede, ip)] do contêiner."""
    redes = ((c.get("NetworkSettings") or {}).get("Networks")) or {}
    return [(n, d.get("IPAddress")) for n, d in sorted(redes.items()) if d and d.get("IPAddress")]


def aliases(c):
    """Nomes pelos quais o contêiner é achado nas redes (nome, aliases, serviço do compose)."""
    res = {nome(c)}
    for d in (((c.get("NetworkSettings") or {}).get("Networks")) or {}).values():
        for a in (d or {}).get("Aliases") or []:
            res.add(a)
        for a in (d or {}).get("DNSNames") or []:
            res.add(a)
    servico = ((c.get("Config") or {}).get("Labels") or {}).get("com.docker.compose.service")
    if servico:
        res.add(servico)
    hostname = (c.get("Config") or {}).get("Hostname")
    if hostname:
        res.add(hostname)
    res.discard("")
    return sorted(res)


def ports_of(c):
    """Portas TCP do contêiner: expostas (EXPOSE/expose) e publicadas."""
    portas = set()
    fontes = [((c.get("Config") or {}).get("ExposedPorts")) or {},
              ((c.get("NetworkSettings") or {}).get("Ports")) or {},
              ((c.get("HostConfig") or {}).get("PortBindings")) or {}]
    for fonte in fontes:
        for chave in fonte:
            num, _, proto = str(chave).partition("/")
            if (proto or "tcp") == "tcp" and num.isdigit():
                portas.add(int(num))
    return sorted(portas)


PORTAS_COMUNS = (80, 8080, 5000, 8000, 3000, 8081, 8082, 5001, 5002, 3001, 7000, 8888, 9000)


_abridor = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(url, method="GET", timeout=3, body=None, headers=None):
    """(status, cabeçalhos em minúsculas, corpo). status 0 em erro de conexão; nunca levanta."""
    dados = body
    if isinstance(dados, str):
        dados = dados.encode()
    if isinstance(dados, (dict, list)):
        dados = json.dumps(dados).encode()
        headers = dict(headers or {}, **{"Content-Type": "application/json"})
    pedido = urllib.request.Request(url, data=dados, method=method, headers=headers or {})
    try:
        with _abridor.open(pedido, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read(1 << 20)
    except urllib.error.HTTPError as erro:
        try:
            corpo = erro.read(1 << 20)
        except Exception:  # noqa: BLE001 - o corpo de um erro pode faltar
            corpo = b""
        return erro.code, {k.lower(): v for k, v in (erro.headers or {}).items()}, corpo
    except Exception as erro:  # noqa: BLE001 - qualquer falha vira status 0
        return 0, {}, ("%s: %s" % (type(erro).__name__, erro)).encode()


def porta_aberta(ip, porta, timeout=1.0) -> bool:
    try:
        with socket.create_connection((ip, porta), timeout=timeout):
            return True
    except OSError:
        return False


def http_probe(c, timeout=2, caminho="/"):
    """[(porta, status, corpo)] das portas que respondem HTTP no IP do contêiner
    (as expostas; sem nenhuma exposta, as portas comuns)."""
    res = []
    ips = [ip for _, ip in ip_of(c)]
    if not ips:
        return res
    portas = ports_of(c) or list(PORTAS_COMUNS)
    ip = ips[0]
    for porta in portas:
        if not porta_aberta(ip, porta, timeout=min(timeout, 1.0)):
            continue
        status, _, corpo = http("http://%s:%d%s" % (ip, porta, caminho), timeout=timeout)
        if status:
            res.append((porta, status, corpo))
    return res


def url_de(c, porta, caminho="/"):
    ips = [ip for _, ip in ip_of(c)]
    return "http://%s:%d%s" % (ips[0] if ips else "127.0.0.1", porta, caminho)


def wait(pred, timeout=30, every=0.5) -> bool:
    fim = time.monotonic() + timeout
    while True:
        try:
            if pred():
                return True
        except Exception:  # noqa: BLE001 - um predicado que falha é "ainda não"
            pass
        if time.monotonic() >= fim:
            return False
        time.sleep(every)


def logs(name_or_id, tail=200) -> str:
    _, out = docker("logs", "--tail", str(tail), name_or_id, timeout=20)
    return out


def limpar():
    """Remove todo contêiner, rede (não padrão) e volume do motor interno."""
    rc, out = docker("ps", "-aq", timeout=30)
    ids = out.split() if rc == 0 else []
    if ids:
        docker("rm", "-f", "-v", *ids, timeout=120)
    rc, out = docker("network", "ls", "-q", "--filter", "type=custom", timeout=30)
    ids = out.split() if rc == 0 else []
    if ids:
        docker("network", "rm", *ids, timeout=60)
    rc, out = docker("volume", "ls", "-q", timeout=30)
    ids = out.split() if rc == 0 else []
    if ids:
        docker("volume", "rm", "-f", *ids, timeout=60)


def _texto_cmd(c) -> str:
    cfg = c.get("Config") or {}
    partes = (cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or [])
    return " ".join(str(p) for p in partes)


def role(c) -> str:
    """'postgres'|'redis'|'http'|'outro', pela imagem, comando, portas e sondagem."""
    img = imagem(c).lower()
    cmd = _texto_cmd(c).lower()
    portas = ports_of(c)
    if "postgres" in img or "postgis" in img or cmd.startswith("postgres") or " postgres" in cmd \
            or (5432 in portas and "PG_MAJOR" in env(c)):
        return "postgres"
    if "redis" in img or "valkey" in img or "redis-server" in cmd or (6379 in portas and "REDIS_VERSION" in env(c)):
        return "redis"
    if 5432 in portas and not http_probe(c):
        return "postgres"
    if 6379 in portas and not http_probe(c):
        return "redis"
    if rodando(c) and http_probe(c):
        return "http"
    return "outro"
