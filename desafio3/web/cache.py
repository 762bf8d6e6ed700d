"""Desafio 3, o Redis (serviço cache) visto da web: o contador e o cache-aside.

O cliente Redis reconecta sozinho. Um cache fora não derruba as leituras: elas vão
direto ao banco (estado BYPASS); só o contador, que mora no Redis, vira 503.
"""
import json
import logging
import os

import redis

from db import Indisponivel  # a mesma exceção do banco: o app.py responde 503 às duas

HOST = os.environ.get("REDIS_HOST", "cache")
PORT = int(os.environ.get("REDIS_PORT", "6379"))
TTL = int(os.environ.get("CACHE_TTL", "60"))

log = logging.getLogger("web")

cliente = redis.Redis(host=HOST, port=PORT, socket_connect_timeout=1,
                      socket_timeout=1, decode_responses=True)


def incr(key):
    """INCR (atômico): o próximo número do contador. Cache fora: Indisponivel."""
    try:
        return cliente.incr(key)
    except redis.RedisError as e:
        log.warning("cache indisponível: %s", e)
        raise Indisponivel("cache (redis)") from e


def ping():
    """True se o Redis responde."""
    try:
        cliente.ping()
    except redis.RedisError:
        return False
    return True


def cache_get(key):
    """Lê do cache; devolve (valor, estado) com estado HIT, MISS ou BYPASS (cache fora)."""
    try:
        raw = cliente.get(key)
    except redis.RedisError as e:
        log.warning("cache indisponível: %s", e)
        return None, "BYPASS"
    return (json.loads(raw), "HIT") if raw is not None else (None, "MISS")


def cache_set(key, value):
    try:
        cliente.set(key, json.dumps(value, default=str), ex=TTL)
    except redis.RedisError as e:
        log.warning("não gravei no cache: %s", e)


def cached(key, loader):
    """Cache-aside: tenta o Redis; na falta, carrega do Postgres e guarda com TTL."""
    value, estado = cache_get(key)
    if estado != "HIT":
        value = loader()
        if value is not None and estado == "MISS":
            cache_set(key, value)
    return value, estado
