"""Gerador de carga mínimo, só com a biblioteca padrão (roda num contêiner).

Uso: python loadgen.py URL CONCORRÊNCIA SEGUNDOS
Cada thread mantém uma conexão HTTP/1.1 (keep-alive, como um cliente real) e
repete GET URL até o prazo. Imprime uma linha JSON: requisições por segundo,
latências p50/p99 em ms, total de respostas 200 e de erros.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

WARMUP = 0.3  # segundos descartados no começo (conexões, caches frios)


def worker(url, start, deadline, latencies, errors):
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = None
    while True:
        now = time.perf_counter()
        if now >= deadline:
            break
        if conn is None:
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=5)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            elapsed = time.perf_counter() - now
            if now >= start:
                (latencies if resp.status == 200 else errors).append(elapsed)
            if resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            if now >= start:
                errors.append(0.0)
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def main():
    url, concurrency, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    start = time.perf_counter() + WARMUP
    deadline = start + seconds
    latencies, errors = [], []
    threads = [threading.Thread(target=worker, args=(url, start, deadline, latencies, errors))
               for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = sorted(latencies)
    print(json.dumps({
        "url": url, "concorrencia": concurrency, "segundos": seconds,
        "rps": round(len(lat) / seconds, 1),
        "p50_ms": round(percentile(lat, 50) * 1000, 2),
        "p99_ms": round(percentile(lat, 99) * 1000, 2),
        "ok": len(lat), "erros": len(errors),
    }))


if __name__ == "__main__":
    main()
