"""Desafio 4 — service_b: GET /info (porta 7000) consome o service_a por HTTP.

Para cada usuário de http://service_a:5001/usuarios devolve a frase
"Usuário X (Y anos) - ativo desde 2023". Uma sessão do requests reaproveita as
conexões; timeouts explícitos de conexão e de leitura garantem que um service_a
fora do ar (503) ou travado (504) vire uma resposta JSON rápida, nunca um 500.
"""
import logging
import os
import sys

import requests
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

SERVICE_A_URL = os.environ.get("SERVICE_A_URL", "http://service_a:5001")
CONNECT_TIMEOUT = float(os.environ.get("CONNECT_TIMEOUT", "1"))
READ_TIMEOUT = float(os.environ.get("READ_TIMEOUT", "2"))
ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False
logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("service_b")
session = requests.Session()
# Entre serviços da mesma rede não há proxy: ignorar HTTP_PROXY/NO_PROXY do
# ambiente (o Docker Desktop pode injetá-los nos contêineres).
session.trust_env = False


class FalhaUpstream(Exception):
    def __init__(self, status, mensagem):
        super().__init__(mensagem)
        self.status, self.mensagem = status, mensagem


def frase(usuario):
    return f"Usuário {usuario['nome']} ({usuario['idade']} anos) - ativo desde {usuario['ativo_desde']}"


def buscar_usuarios():
    url = f"{SERVICE_A_URL}/usuarios"
    try:
        resp = session.get(url, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except requests.Timeout as e:  # conectou (ou tentou) e não teve resposta a tempo
        log.warning("service_a não respondeu a tempo: %s", e)
        raise FalhaUpstream(504, f"service_a não respondeu em {READ_TIMEOUT:g} s") from e
    except requests.RequestException as e:  # nome não resolve, conexão recusada...
        log.warning("service_a indisponível: %s", e)
        raise FalhaUpstream(503, "service_a indisponível") from e
    if resp.status_code != 200:
        raise FalhaUpstream(502, f"service_a respondeu {resp.status_code}")
    try:
        return [frase(u) for u in resp.json()]
    except (ValueError, KeyError, TypeError) as e:
        log.warning("resposta inesperada do service_a: %s", e)
        raise FalhaUpstream(502, "service_a respondeu num formato inesperado") from e


@app.get("/info")
def info():
    return jsonify(usuarios=buscar_usuarios(), fonte=f"{SERVICE_A_URL}/usuarios")


@app.get("/health")
def health():
    try:
        buscar_usuarios()
        dependencia = "ok"
    except FalhaUpstream as e:
        dependencia = e.mensagem
    return jsonify(service_b="ok", service_a=dependencia,
                   status="ok" if dependencia == "ok" else "degradado")


@app.errorhandler(FalhaUpstream)
def upstream_error(e):
    return jsonify(erro=e.mensagem, servico="service_a"), e.status


@app.errorhandler(HTTPException)
def http_error(e):
    return jsonify(erro=ERROS.get(e.code, e.name)), e.code


@app.errorhandler(Exception)
def unexpected_error(e):
    log.exception("erro inesperado")
    return jsonify(erro="erro interno do servidor"), 500
