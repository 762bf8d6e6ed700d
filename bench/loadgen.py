"""Gerador de carga do ./run.sh bench: o wrk (C, epoll) numa linha de JSON.

Uso: python loadgen.py URL CONCORRÊNCIA SEGUNDOS [frio]
Cada uma das CONCORRÊNCIA conexões é keep-alive (como um cliente real) e repete
GET URL durante SEGUNDOS (inteiros; o wrk não aceita frações), depois de 1 s de
aquecimento (sem ele com "frio": a rodada medida é a única). Imprime uma linha JSON:
requisições por segundo, latências p50/p99 em ms, respostas 2xx/3xx, erros e a CPU
que a máquina inteira gastou durante a rodada medida (maquina_us, do /proc/stat, que
num contêiner é o da máquina do Docker: no Docker Desktop, o da VM dele).

Por que o wrk, e não threads em Python: o gerador divide as 2 CPUs com os
servidores, e um gerador em Python satura antes deles (o GIL), achatando as
diferenças que o bench quer mostrar (direto 2.700 req/s com threads, 4.000 com o wrk).
"""
import json
import math
import os
import re
import socket
import subprocess
import sys
import urllib.parse

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    value, unit = re.fullmatch(r"([0-9.]+)([a-z]+)", text).groups()
    return float(value) * UNITS_MS[unit]


def run_wrk(url, concurrency, seconds):
    parts = urllib.parse.urlsplit(url)
    # o wrk recusa "_" no nome do host (users_service): vai o endereço IP
    ip = socket.gethostbyname(parts.hostname)
    target = urllib.parse.urlunsplit(parts._replace(netloc=f"{ip}:{parts.port or 80}"))
    cmd = ["wrk", f"-t{min(concurrency, 2)}", f"-c{concurrency}", f"-d{seconds}s",
           "--timeout", "5s", "--latency", target]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def parse(out, seconds):
    def grab(pattern, default="0"):
        m = re.search(pattern, out, re.MULTILINE)
        return m.group(1) if m else default

    total = int(grab(r"^\s*(\d+) requests in"))
    non_2xx = int(grab(r"Non-2xx or 3xx responses: (\d+)"))
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)",
                                                   grab(r"Socket errors: (.*)$", "")))
    return {
        "rps": round(float(grab(r"Requests/sec:\s+([0-9.]+)")), 1),
        "p50_ms": round(ms(grab(r"^\s+50%\s+(\S+)", "0ms")), 2),
        "p99_ms": round(ms(grab(r"^\s+99%\s+(\S+)", "0ms")), 2),
        "ok": total - non_2xx, "erros": non_2xx + socket_errors, "segundos": seconds,
    }


def machine_busy_us():
    """A CPU ocupada da máquina até agora, somadas as CPUs (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as f:
        fields = [int(n) for n in f.readline().split()[1:]]
    return (sum(fields[0:3]) + sum(fields[5:8])) * 1_000_000 // os.sysconf("SC_CLK_TCK")


def main():
    url, concurrency, seconds = sys.argv[1], int(sys.argv[2]), max(1, math.ceil(float(sys.argv[3])))
    if seconds > 1 and sys.argv[4:] != ["frio"]:
        run_wrk(url, concurrency, 1)  # aquecimento: conexões, caches frios
    before = machine_busy_us()
    out = run_wrk(url, concurrency, seconds)
    result = parse(out, seconds)
    result["maquina_us"] = machine_busy_us() - before
    print(json.dumps({"url": url, "concorrencia": concurrency, **result}))


if __name__ == "__main__":
    main()
