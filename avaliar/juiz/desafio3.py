"""Desafio 3: web + Postgres + Redis pelo compose.

O que se verifica, sem usar os nomes do nosso enunciado (os papéis vêm do motor de dentro):
a web responde HTTP; GET de / e das rotas achadas no código muda dados no Postgres (linhas e
conteúdo das tabelas, lidos com psql dentro do contêiner do banco) e no Redis (INFO: chaves,
mudanças desde o último save, comandos de escrita); e as linhas do Postgres sobrevivem a um
down + up (partida.religar). As chaves do Redis depois do down + up viram só uma nota: um cache
não precisa de volume.

Os ajudantes sem prefixo (rotas_de, conteineres, servidores_http, pegar, trecho) servem também
aos desafios 4 e 5.
"""
from __future__ import annotations

import re
import socket
import time
from pathlib import Path

from . import motor
from .modelo import Resultado

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


# ----------------------------------------------------------------- a avaliação

CORPO_POST = {"nome": "avaliador", "name": "avaliador", "titulo": "avaliador", "title": "avaliador",
              "descricao": "avaliador", "description": "avaliador", "texto": "avaliador",
              "text": "avaliador", "mensagem": "avaliador", "message": "avaliador",
              "email": "avaliador@example.com", "idade": 20, "age": 20, "curso": "avaliador",
              "valor": 1, "value": 1, "quantidade": 1, "produto": "avaliador", "product": "avaliador",
              "item": "avaliador", "usuario": "avaliador", "user": "avaliador", "username": "avaliador",
              "conteudo": "avaliador", "content": "avaliador", "preco": 1, "price": 1, "nota": 10}
ORCAMENTO_REQUISICOES = 90  # segundos para cada rodada de requisições (um app que trava não prende o juiz)


def _requisicoes(webs, rotas, vezes=2, method="GET"):
    """Manda as requisições; devolve as linhas de evidência (as primeiras) e quantas respostas < 500."""
    linhas, boas = [], 0
    fim = time.monotonic() + ORCAMENTO_REQUISICOES
    for c, _, base in webs:
        for rota in rotas:
            if time.monotonic() > fim:
                linhas.append("(tempo das requisições esgotado: %ds; as rotas seguintes ficaram de fora)"
                              % ORCAMENTO_REQUISICOES)
                return linhas, boas
            for _ in range(vezes):
                status, _, evid = pegar(base + rota, timeout=6, method=method,
                                        body=CORPO_POST if method == "POST" else None)
                if 0 < status < 500:
                    boas += 1
            if len(linhas) < 12:
                linhas.append(evid)
    return linhas, boas


def avaliar(pasta: Path, partida) -> Resultado:
    r = Resultado(desafio=3, pasta=str(pasta), partida=getattr(partida, "descricao", ""))
    cs, pap, webs = esperar_http(partida, 1)
    compose = getattr(partida, "modo", "") == "compose" or any(
        a[1:2] == ["compose"] for a in getattr(partida, "comandos", []) or [])
    r.verificar("orquestrado pelo compose", compose, getattr(partida, "descricao", ""), base=True)
    pgs = [c for c in cs if pap.get(c.get("Id")) == "postgres"]
    rds = [c for c in cs if pap.get(c.get("Id")) == "redis"]
    r.verificar("há um contêiner Postgres", bool(pgs), descrever(cs, pap), base=True)
    r.verificar("há um contêiner Redis", bool(rds), descrever(cs, pap), base=True)
    if webs:
        _, _, evid = pegar(webs[0][2] + "/", timeout=6)
        r.verificar("a web responde HTTP", True, evid, base=True)
    else:
        r.verificar("a web responde HTTP", False,
                    "nenhum contêiner respondeu HTTP nas suas portas: " + descrever(cs, pap), base=True)
        return r.decidir()

    rotas = rotas_de(pasta)
    pg, rd = (pgs[0] if pgs else None), (rds[0] if rds else None)
    pg_antes, pg_erro = pg_foto(pg) if pg else ({}, "sem Postgres")
    rd_antes, rd_erro = redis_foto(rd) if rd else ({}, "sem Redis")

    linhas, _ = _requisicoes(webs, rotas)
    evid_req = "rotas: %s\n%s" % (" ".join(rotas), "\n".join(linhas))

    estado = {"pg": ({}, pg_erro), "rd": ({}, rd_erro)}

    def mudou():
        if pg:
            estado["pg"] = pg_foto(pg)
        if rd:
            estado["rd"] = redis_foto(rd)
        return (not pg or pg_diferenca(pg_antes, estado["pg"][0])) and (not rd or redis_mudou(rd_antes, estado["rd"][0]))

    motor.wait(mudou, timeout=4, every=1)
    metodo = "GET"
    if (pg and not pg_diferenca(pg_antes, estado["pg"][0])) or (rd and not redis_mudou(rd_antes, estado["rd"][0])):
        # nada mudou só com GET: um POST com um corpo JSON genérico em cada rota
        linhas_post, _ = _requisicoes(webs, rotas, vezes=1, method="POST")
        evid_req += "\nsó com GET faltou mudança; também POST (JSON genérico):\n" + "\n".join(linhas_post[:6])
        metodo = "GET e POST"
        motor.wait(mudou, timeout=4, every=1)
    pg_depois, pg_erro2 = estado["pg"]
    rd_depois, rd_erro2 = estado["rd"]

    if pg:
        dif = pg_diferenca(pg_antes, pg_depois)
        evid = "antes: %s\ndepois: %s\n%s\n%s" % (pg_resumo(pg_antes), pg_resumo(pg_depois),
                                                  "; ".join(dif) or "nada mudou", evid_req)
        if pg_erro or pg_erro2:
            evid = (pg_erro or pg_erro2) + "\n" + evid
        r.verificar("requisições (%s) mudam dados no Postgres" % metodo, bool(dif) and not (pg_erro or pg_erro2), evid)
    else:
        r.verificar("requisições mudam dados no Postgres", False, "nenhum contêiner Postgres")
    if rd:
        dif = redis_mudou(rd_antes, rd_depois)
        evid = "antes: %s\ndepois: %s\n%s" % (redis_resumo(rd_antes), redis_resumo(rd_depois), "; ".join(dif) or "nada mudou")
        if rd_erro or rd_erro2:
            evid = (rd_erro or rd_erro2) + "\n" + evid
        r.verificar("requisições (%s) mudam dados no Redis" % metodo, bool(dif) and not (rd_erro or rd_erro2), evid)
    else:
        r.verificar("requisições mudam dados no Redis", False, "nenhum contêiner Redis")

    if not pg or not pg_depois:
        r.verificar("os dados do Postgres sobrevivem a down + up", False,
                    "sem tabelas para comparar (%s)" % (pg_erro2 or "nenhum contêiner Postgres"))
        return r.decidir()
    mudadas = [t for t in pg_depois if pg_antes.get(t) != pg_depois[t]]
    if not sum(pg_depois[t][0] for t in mudadas):
        # só as linhas iniciais: um volume novo as recria (scripts de init), nada a provar
        r.verificar("os dados do Postgres sobrevivem a down + up", False,
                    "não verificável: as requisições não gravaram linhas no Postgres (%s)" % pg_resumo(pg_depois))
        return r.decidir()
    _persistencia(r, partida, pg, rd, pg_depois, rd_depois)
    return r.decidir()


def _persistencia(r, partida, pg, rd, pg_antes, rd_antes):
    from . import partida as modulo_partida  # o módulo de H2 (religar)
    inicio = time.monotonic()
    ok, log = modulo_partida.religar(partida)
    if not ok:
        r.verificar("os dados do Postgres sobrevivem a down + up", False,
                    "down + up falhou:\n" + "\n".join(str(log).strip().splitlines()[-15:]))
        return
    cs = conteineres(partida)
    por_chave = {chave(c): c for c in cs}
    novo_pg = por_chave.get(chave(pg))
    if novo_pg is None:
        pap = papeis(cs)
        novos = [c for c in cs if pap.get(c.get("Id")) == "postgres"]
        novo_pg = novos[0] if novos else None
    if novo_pg is None:
        r.verificar("os dados do Postgres sobrevivem a down + up", False,
                    "depois do down + up não há contêiner Postgres rodando")
        return
    motor.wait(lambda: pg_pronto(novo_pg), timeout=90, every=2)
    depois, erro = pg_foto(novo_pg)
    # o Redis antes de qualquer requisição nova (um GET / criaria a chave de novo); só uma
    # observação na evidência e uma nota: um cache não precisa sobreviver
    redis_txt = ""
    novo_rd = por_chave.get(chave(rd)) if rd is not None else None
    if novo_rd is not None and rd_antes.get("chaves"):
        motor.wait(lambda: not redis_foto(novo_rd)[1], timeout=20, every=1)
        foto, erro_rd = redis_foto(novo_rd)
        redis_txt = "\nRedis: " + erro_rd if erro_rd else ""
    if novo_rd is not None and rd_antes.get("chaves") and not redis_txt:
        redis_txt = "\nRedis (não conta para o veredicto): chaves %d → %d" % (rd_antes.get("chaves", 0), foto.get("chaves", 0))
        if foto.get("chaves", 0) < rd_antes.get("chaves", 0):
            redis_txt += " (sem volume ou sem persistência; num cache pode ser o esperado)"
            r.notas.append("o Redis perdeu chaves no down + up (%d → %d): sem volume ou sem "
                           "persistência (num cache isso pode ser o esperado)"
                           % (rd_antes.get("chaves", 0), foto.get("chaves", 0)))
    perdas = [t for t, (n, _) in pg_antes.items() if n > 0 and depois.get(t, (0, ""))[0] < n]
    perdas += [t + " (sumiu)" for t, (n, _) in pg_antes.items() if n == 0 and t not in depois]
    evid = "antes do down: %s\ndepois do up (%ds): %s" % (pg_resumo(pg_antes), time.monotonic() - inicio,
                                                         pg_resumo(depois))
    if erro:
        evid = erro + "\n" + evid
    if perdas:
        evid += "\nperderam linhas: " + ", ".join(perdas)
    evid += redis_txt
    r.verificar("os dados do Postgres sobrevivem a down + up", bool(depois) and not perdas and not erro, evid)

    webs = servidores_http(conteineres(partida))
    if not webs:
        motor.wait(lambda: bool(servidores_http(conteineres(partida))), timeout=60, every=2)
        webs = servidores_http(conteineres(partida))
    if webs:
        _, _, evid = pegar(webs[0][2] + "/", timeout=6)
        r.verificar("a web responde depois do down + up", True, evid, essencial=False)
    else:
        r.verificar("a web responde depois do down + up", False,
                    "nenhum contêiner responde HTTP depois do up", essencial=False)
