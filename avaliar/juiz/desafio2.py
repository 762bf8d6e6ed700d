"""Desafio 2: um volume nomeado guarda um banco; remover o contêiner e rodar de novo mostra
os dados crescerem."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from . import descoberta, motor
from . import partida as arranque
from .modelo import Resultado

SQL_PG = ("SELECT coalesce(sum((xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', "
          "schemaname, tablename), false, true, '')))[1]::text::bigint), 0) FROM pg_tables "
          "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")


def volumes_nomeados(cs):
    """{volume: [(contêiner, destino, origem no disco)]} dos volumes nomeados montados."""
    res = {}
    for c in cs:
        for m in c.get("Mounts") or []:
            if m.get("Type") != "volume":
                continue
            nome = m.get("Name") or ""
            if not nome or re.fullmatch(r"[0-9a-f]{64}", nome):
                continue  # volume anônimo
            res.setdefault(nome, []).append((c, m.get("Destination") or "", m.get("Source") or ""))
    return res


def binds(cs):
    """{origem: [(contêiner, destino, origem)]} dos bind mounts (a origem é um caminho da caixa)."""
    res = {}
    for c in cs:
        for m in c.get("Mounts") or []:
            if m.get("Type") == "bind" and m.get("Source") and "docker.sock" not in m.get("Source"):
                res.setdefault("bind " + m["Source"], []).append((c, m.get("Destination") or "", m["Source"]))
    return res


def arquivos_sqlite(raiz: str, nivel_max=3):
    res = []
    if not raiz or not os.path.isdir(raiz):
        return res
    base = raiz.rstrip("/").count("/")
    for pasta, subs, arquivos in os.walk(raiz):
        if pasta.count("/") - base >= nivel_max:
            subs[:] = []
        for a in arquivos:
            f = os.path.join(pasta, a)
            try:
                if os.path.getsize(f) < 100 or os.path.getsize(f) > 500 << 20:
                    continue
                with open(f, "rb") as arq:
                    if arq.read(16) == b"SQLite format 3\x00":
                        res.append(f)
            except OSError:
                continue
    return sorted(res)


def linhas_sqlite(arquivo: str):
    """(total de linhas nas tabelas, {tabela: linhas}) de uma cópia do arquivo (o contêiner pode
    estar escrevendo nele)."""
    tmp = tempfile.mkdtemp(prefix="juiz-d2-")
    try:
        copia = os.path.join(tmp, "banco.db")
        shutil.copy2(arquivo, copia)
        for sufixo in ("-wal", "-journal"):
            if os.path.exists(arquivo + sufixo):
                shutil.copy2(arquivo + sufixo, copia + sufixo)
        con = sqlite3.connect(copia)
        try:
            tabelas = [t for (t,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            contagem = {t: con.execute('SELECT count(*) FROM "%s"' % t.replace('"', '""')).fetchone()[0] for t in tabelas}
        finally:
            con.close()
        return sum(contagem.values()), contagem
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def e_postgres(raiz: str) -> bool:
    return bool(raiz) and (os.path.isfile(os.path.join(raiz, "PG_VERSION")) or
                           os.path.isfile(os.path.join(raiz, "pgdata", "PG_VERSION")) or
                           any(os.path.isfile(os.path.join(raiz, d, "PG_VERSION")) for d in _subdirs(raiz)))


def _subdirs(raiz):
    try:
        return [d for d in os.listdir(raiz) if os.path.isdir(os.path.join(raiz, d))]
    except OSError:
        return []


def linhas_postgres(volume: str):
    """Total de linhas das tabelas do Postgres que usa o volume (psql no contêiner dele)."""
    for c in motor.containers():
        if not any(m.get("Name") == volume for m in c.get("Mounts") or []):
            continue
        env = motor.env(c)
        usuario = env.get("POSTGRES_USER") or "postgres"
        banco = env.get("POSTGRES_DB") or usuario
        saida = {}

        def tenta():
            rc, out = motor.docker("exec", "-e", "PGPASSWORD=" + env.get("POSTGRES_PASSWORD", ""), c["Id"],
                                   "psql", "-h", "127.0.0.1", "-U", usuario, "-d", banco, "-Atc", SQL_PG, timeout=20)
            saida["rc"], saida["out"] = rc, out
            return rc == 0 and out.strip().splitlines()[-1].strip().isdigit()

        if motor.wait(tenta, timeout=40, every=2):
            return int(saida["out"].strip().splitlines()[-1]), "psql em %s (banco %s)" % (motor.nome(c), banco)
        return None, "psql em %s falhou: %s" % (motor.nome(c), saida.get("out", "")[-300:])
    return None, "nenhum contêiner rodando monta o volume %s (Postgres)" % volume


def _cutucar(pasta: Path):
    """Um banco atrás de um serviço HTTP só muda com pedidos: GET de / e das rotas."""
    caminhos = (descoberta.rotas(pasta) or ["/"])[:6]
    feitos = []
    for c in motor.containers():
        for porta, _, _ in motor.http_probe(c):
            for caminho in caminhos:
                status, _, _ = motor.http(motor.url_de(c, porta, caminho))
                feitos.append("GET %s%s → %d" % (motor.nome(c), caminho, status))
    return feitos


def linhas_arquivos(raiz: str):
    """(linhas, arquivos) dos arquivos de texto de um volume sem banco (um .txt, um .csv, um .json)."""
    total, nomes = 0, []
    if not raiz or not os.path.isdir(raiz):
        return None, nomes
    for pasta, subs, arquivos in os.walk(raiz):
        for a in sorted(arquivos):
            f = os.path.join(pasta, a)
            try:
                if os.path.getsize(f) > 10 << 20:
                    continue
                with open(f, "rb") as arq:
                    dados = arq.read()
            except OSError:
                continue
            if b"\0" in dados[:4096]:
                continue
            total += dados.count(b"\n") + (1 if dados and not dados.endswith(b"\n") else 0)
            nomes.append(os.path.relpath(f, raiz))
    return (total if nomes else None), nomes


def _medir(vols):
    """(total, evidência, volume, é banco?) do primeiro banco achado nos volumes; sem banco, as
    linhas dos arquivos de texto deles."""
    for nome, montagens in sorted(vols.items()):
        raiz = montagens[0][2] or "/var/lib/docker/volumes/%s/_data" % nome
        for f in arquivos_sqlite(raiz):
            try:
                total, por_tabela = linhas_sqlite(f)
            except (sqlite3.Error, OSError) as erro:
                return None, "SQLite %s ilegível: %s" % (f, erro), nome, True
            return total, "SQLite no volume %s: %s, linhas por tabela %s" % (
                nome, os.path.relpath(f, raiz), por_tabela), nome, True
        if e_postgres(raiz):
            total, evid = linhas_postgres(nome)
            return total, "Postgres no volume %s: %s" % (nome, evid), nome, True
    for nome, montagens in sorted(vols.items()):
        raiz = montagens[0][2] or "/var/lib/docker/volumes/%s/_data" % nome
        total, nomes = linhas_arquivos(raiz)
        if total is not None:
            return total, "nenhum banco (SQLite ou Postgres) no volume %s; arquivos de texto: %s (%d linhas)" % (
                nome, ", ".join(nomes[:5]), total), nome, False
    return None, "nenhum banco (arquivo SQLite ou dados do Postgres) nos volumes %s" % ", ".join(sorted(vols)), "", False


def _estado_de(vols):
    """Estado e fim do log dos contêineres que montam os volumes (a evidência de uma falha)."""
    vistos, partes = set(), []
    for montagens in vols.values():
        for c, _, _ in montagens:
            if c["Id"] in vistos:
                continue
            vistos.add(c["Id"])
            atual = (motor.inspect(c["Id"], kind="container") or [c])[0]
            st = atual.get("State") or {}
            partes.append("\n--- %s: %s (código %s)\n%s" % (motor.nome(atual), st.get("Status"), st.get("ExitCode"),
                                                        motor.logs(c["Id"], tail=15).strip()))
    return "".join(partes[:3])


def _saidas(partida, vols, fora=()):
    """A saída da última execução: os logs dos `docker run` em primeiro plano (sem os de antes),
    ou, no compose, os dos contêineres que montam o volume."""
    saidas = {k: v for k, v in (partida.saidas or {}).items() if k not in fora}
    if not saidas:
        for montagens in vols.values():
            for c, _, _ in montagens:
                saidas.setdefault(c["Id"], motor.logs(c["Id"], tail=500))
    return "\n".join(l for v in saidas.values() for l in v.splitlines())


def _sem_jobs():
    """Nenhum contêiner rodando sem porta (um job que insere e sai) fora os bancos."""
    return not any(motor.rodando(c) and not motor.ports_of(c)
                   and not re.search(r"postgres|redis|mysql|mariadb|mongo", motor.imagem(c))
                   for c in motor.containers())


def avaliar(pasta: Path, partida) -> Resultado:
    r = Resultado(2)
    # um job (insere e sai) pode ainda estar rodando: espera um pouco os que saem
    motor.wait(_sem_jobs, timeout=15, every=1)
    todos = motor.containers(all=True)
    vols = volumes_nomeados(todos)
    r.verificar("um volume nomeado montado num contêiner", bool(vols),
                "\n".join("%s → %s em %s" % (v, d, ", ".join(motor.nome(c) for c, _, _ in ms)) for v, ms in vols.items()
                          for d in sorted({d for _, d, _ in ms}))
                or "nenhum volume nomeado; montagens: %s" % ("; ".join(
                    "%s: %s %s" % (motor.nome(c), m.get("Type"), m.get("Source")) for c in todos
                    for m in c.get("Mounts") or []) or "nenhuma"),
                base=True)
    if not vols:
        # fora do enunciado, mas comum: um bind mount guarda o banco (vira parcial se persistir)
        vols = binds(todos)
        if not vols:
            r.verificar("o volume guarda um banco de dados", False, "sem volume nomeado")
            r.verificar("os dados sobrevivem à remoção do contêiner", False, "sem volume nomeado")
            return r.decidir()
    cutucadas = _cutucar(pasta)
    if not _medir(vols)[3]:  # um servidor cria o banco ao subir ou no 1º pedido: até 20 s

        def banco_aparece():
            _cutucar(pasta)
            return _medir(vols)[3]
        motor.wait(banco_aparece, timeout=20, every=2)
    n1, evid1, vol, banco = _medir(vols)
    ids1 = set(partida.saidas or {})
    saida1 = _saidas(partida, vols)
    if not banco:
        evid1 += _estado_de(vols)
    r.verificar("o volume guarda um banco de dados", banco and n1 is not None, evid1 + (
        "\npedidos: " + "; ".join(cutucadas[:6]) if cutucadas else ""))
    ok, log = arranque.religar(partida)
    time.sleep(1)
    motor.wait(_sem_jobs, timeout=15, every=1)
    cutucadas2 = _cutucar(pasta)
    if not ok:
        r.verificar("os dados sobrevivem à remoção do contêiner", False,
                    "rodar de novo falhou:\n" + log[-1500:])
        return r.decidir()
    vols2 = volumes_nomeados(motor.containers(all=True)) or binds(motor.containers(all=True)) or vols
    n2, evid2, _, _ = _medir(vols2)
    saida2 = _saidas(partida, vols2, fora=ids1)
    if n1 is not None and n2 is not None:
        evid = "antes: %d linhas; depois de remover o contêiner e rodar de novo: %d\n%s" % (n1, n2, evid2)
        r.verificar("os dados sobrevivem à remoção do contêiner", n2 >= n1 and n1 > 0, evid)
        r.verificar("os dados crescem a cada execução", n2 > n1, evid + (
            "\npedidos: " + "; ".join(cutucadas2[:6]) if cutucadas2 else ""))
    else:
        a, b = len(saida1.splitlines()), len(saida2.splitlines())
        evid = "sem contar linhas do banco (%s); saída da 1ª execução: %d linhas, da 2ª: %d\n%s" % (
            evid2, a, b, saida2[-800:])
        r.verificar("os dados sobrevivem à remoção do contêiner", b > a > 0, evid)
    return r.decidir()
