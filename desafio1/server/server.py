"""Desafio 1: servidor Flask na porta 8080 que diz quem respondeu e quando.

Cada resposta traz o hostname do contêiner (o ID curto que o Docker dá a ele)
e a hora, para que os logs do cliente provem que a conversa atravessou a rede
desafio1-net até o contêiner "server".
"""
import logging
import os
import socket
import sys
from datetime import datetime, timezone

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

MENSAGEM = os.environ.get("MENSAGEM", "Olá do servidor Flask!")

app = Flask(__name__)
app.json.ensure_ascii = False  # "Olá" legível nos logs, não "Ol\u00e1"
logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("server")

ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}


@app.get("/")
def index():
    return jsonify(
        mensagem=MENSAGEM,
        servidor=socket.gethostname(),
        hora=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.errorhandler(HTTPException)
def http_error(e):
    return jsonify(erro=ERROS.get(e.code, e.name)), e.code


@app.errorhandler(Exception)
def unexpected_error(e):
    log.exception("erro inesperado")
    return jsonify(erro="erro interno do servidor"), 500
