"""Os dados de uma entrega (desafio 3): fotos do Postgres (linhas e conteúdo de cada tabela,
lidos com psql dentro do contêiner do banco) e do Redis (INFO: chaves, mudanças desde o
último save, comandos de escrita), e o que mudou entre duas fotos.
"""
from __future__ import annotations

import re
import socket
import time

from . import motor
from .servidores import trecho

# ----------------------------------------------------------------- Postgres


def _pg_cred(c):
    env = motor.env(c)  # a oficial (POSTGRES_*) e a da Bitnami (POSTGRESQL_*)
    user = env.get("POSTGRES_USER") or env.get("POSTGRESQL_USERNAME") or "postgres"
    senha = env.get("POSTGRES_PASSWORD") or env.get("POSTGRESQL_PASSWORD") or ""
    return user, senha, env.get("POSTGRES_DB") or env.get("POSTGRESQL_DATABASE") or user


def _psql(c, banco, sql, timeout=40):
    user, senha, _ = _pg_cred(c)
    base = ["exec", "-e", "PGPASSWORD=" + senha, c.get("Id"), "psql", "-X", "-A", "-t", "-q",
            "-v", "ON_ERROR_STOP=1", "-U", user, "-d", banco]
    rc, out = motor.docker(*(base + ["-c", sql]), timeout=timeout)
    if rc != 0 and rc != 124 and "FATAL" not in out:  # sem socket unix: pelo TCP local
        rc, out = motor.docker(*(base + ["-h", "127.0.0.1", "-c", sql]), timeout=timeout)
    return rc, out


_SQL_TABELAS = (
    "SELECT n.nspname || '.' || c.relname,"
    " (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),"
    " false, true, '')))[1]::text,"
    " (xpath('/row/h/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(t::text, %L ORDER BY t::text),"
    " %L)) AS h FROM %I.%I t', '|', '', n.nspname, c.relname), false, true, '')))[1]::text"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1")


def pg_foto(c) -> tuple:
    """({'banco/esquema.tabela': (linhas, md5 do conteúdo)}, erro ou '')."""
    _, _, banco_padrao = _pg_cred(c)
    rc, out = _psql(c, banco_padrao, "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1")
    if rc != 0:
        return {}, "psql no contêiner %s falhou: %s" % (motor.nome(c), trecho(out, 200))
    bancos = [l.strip() for l in out.splitlines() if l.strip()]
    foto = {}
    for banco in bancos:
        rc, out = _psql(c, banco, _SQL_TABELAS)
        if rc != 0:
            continue
        for linha in out.splitlines():
            partes = linha.split("|")
            if len(partes) >= 3 and partes[1].strip().isdigit():
                foto["%s/%s" % (banco, partes[0])] = (int(partes[1]), partes[2].strip())
    return foto, ""


def pg_pronto(c) -> bool:
    _, _, banco = _pg_cred(c)
    rc, out = _psql(c, banco, "SELECT 1", timeout=15)
    return rc == 0 and out.strip() == "1"


def pg_diferenca(antes: dict, depois: dict) -> list:
    """['banco/tab: 3 → 5 linhas', 'banco/tab: conteúdo mudou (3 linhas)', 'banco/tab: nova']."""
    res = []
    for t in sorted(set(antes) | set(depois)):
        a, d = antes.get(t), depois.get(t)
        if a is None:
            res.append("%s: tabela nova (%d linhas)" % (t, d[0]))
        elif d is None:
            res.append("%s: tabela sumiu (tinha %d linhas)" % (t, a[0]))
        elif a[0] != d[0]:
            res.append("%s: %d → %d linhas" % (t, a[0], d[0]))
        elif a[1] != d[1]:
            res.append("%s: conteúdo mudou (%d linhas)" % (t, d[0]))
    return res


def pg_resumo(foto: dict) -> str:
    if not foto:
        return "nenhuma tabela de usuário"
    return ", ".join("%s=%d" % (t, v[0]) for t, v in sorted(foto.items()))[:600]


# ----------------------------------------------------------------- Redis

ESCRITAS_REDIS = set("""set setex psetex setnx mset msetnx getset getdel getex append setrange incr incrby
incrbyfloat decr decrby del unlink expire pexpire expireat pexpireat persist rename renamenx hset hmset
hsetnx hincrby hincrbyfloat hdel lpush rpush lpushx rpushx lpop rpop lset ltrim linsert lrem rpoplpush
lmove sadd srem smove spop zadd zincrby zrem zpopmin zpopmax xadd xdel xtrim pfadd copy json.set
flushdb flushall restore""".split())


def _redis_senha(c) -> str:
    env = motor.env(c)
    for k in ("REDIS_PASSWORD", "REDIS_PASS", "REDISCLI_AUTH"):
        if env.get(k):
            return env[k]
    cfg = c.get("Config") or {}
    partes = [str(p) for p in (cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or [])]
    texto = " ".join(partes)
    m = re.search(r"--requirepass[\s=]+[\"']?([^\s\"']+)", texto)
    return m.group(1) if m else ""


def _resp(ip, porta, *args, timeout=5) -> str:
    """Um comando ao Redis pelo protocolo, direto do juiz (quando a imagem não tem redis-cli)."""
    pedido = "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a.encode()), a) for a in args)
    with socket.create_connection((ip, porta), timeout=timeout) as s:
        s.sendall(pedido.encode())
        dados = b""
        fim = time.monotonic() + timeout
        while time.monotonic() < fim:
            pedaco = s.recv(65536)
            if not pedaco:
                break
            dados += pedaco
            if dados[:1] in (b"+", b"-", b":") and dados.endswith(b"\r\n"):
                break
            if dados[:1] == b"$":
                cab, _, resto = dados.partition(b"\r\n")
                if int(cab[1:]) < 0 or len(resto) >= int(cab[1:]) + 2:
                    break
    texto = dados.decode("utf-8", "replace")
    if texto[:1] == "$":
        texto = texto.partition("\r\n")[2]
    return texto.lstrip("+:")


def redis_cmd(c, *args) -> tuple:
    """(ok, saída) de um comando do Redis: redis-cli dentro do contêiner, ou o protocolo pelo IP."""
    senha = _redis_senha(c)
    cli = ["exec", c.get("Id"), "redis-cli"] + (["--no-auth-warning", "-a", senha] if senha else []) + list(args)
    rc, out = motor.docker(*cli, timeout=20)
    if rc == 0 and "NOAUTH" not in out and "ERR" not in out[:5]:
        return True, out
    ips = [ip for _, ip in motor.ip_of(c)]
    if not ips:
        return False, out
    try:
        if senha:
            _resp(ips[0], 6379, "AUTH", senha)
        texto = _resp(ips[0], 6379, *args)
    except (OSError, ValueError) as erro:
        return False, "%s / protocolo: %s" % (trecho(out, 150), erro)
    return not texto.startswith("-"), texto


def redis_foto(c) -> tuple:
    """({'chaves', 'mudancas', 'ultimo_save', 'escritas'}, erro ou '')."""
    ok, out = redis_cmd(c, "INFO", "all")
    if not ok or "redis_version" not in out:
        ok, out = redis_cmd(c, "INFO")
    if not ok or "redis_version" not in out:
        return {}, "INFO do Redis em %s falhou: %s" % (motor.nome(c), trecho(out, 200))
    foto = {"chaves": 0, "mudancas": 0, "ultimo_save": 0, "escritas": 0}
    for linha in out.splitlines():
        linha = linha.strip()
        m = re.match(r"^db\d+:keys=(\d+)", linha)
        if m:
            foto["chaves"] += int(m.group(1))
        elif linha.startswith("rdb_changes_since_last_save:"):
            foto["mudancas"] = int(linha.split(":", 1)[1] or 0)
        elif linha.startswith("rdb_last_save_time:"):
            foto["ultimo_save"] = int(linha.split(":", 1)[1] or 0)
        else:
            m = re.match(r"^cmdstat_([\w.|]+):calls=(\d+)", linha)
            if m and m.group(1).lower() in ESCRITAS_REDIS:
                foto["escritas"] += int(m.group(2))
    return foto, ""


def redis_mudou(antes: dict, depois: dict) -> list:
    res = []
    if depois.get("chaves") != antes.get("chaves"):
        res.append("chaves %d → %d" % (antes.get("chaves", 0), depois.get("chaves", 0)))
    if depois.get("escritas", 0) > antes.get("escritas", 0):
        res.append("comandos de escrita %d → %d" % (antes.get("escritas", 0), depois.get("escritas", 0)))
    if depois.get("ultimo_save") != antes.get("ultimo_save") or depois.get("mudancas", 0) > antes.get("mudancas", 0):
        res.append("mudanças desde o último save %d → %d" % (antes.get("mudancas", 0), depois.get("mudancas", 0)))
    return res


def redis_resumo(foto: dict) -> str:
    return "chaves=%d, mudanças desde o último save=%d, comandos de escrita=%d" % (
        foto.get("chaves", 0), foto.get("mudancas", 0), foto.get("escritas", 0))
