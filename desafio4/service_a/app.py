"""Desafio 4 — service_a: fornece a lista de usuários em GET /usuarios (porta 5001)."""
import logging
import sys

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

USUARIOS = [
    {"id": 1, "nome": "Ana", "idade": 28, "ativo_desde": 2023},
    {"id": 2, "nome": "Bruno", "idade": 34, "ativo_desde": 2023},
    {"id": 3, "nome": "Carla", "idade": 22, "ativo_desde": 2023},
]
ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False
logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("service_a")


@app.get("/usuarios")
def usuarios():
    return jsonify(USUARIOS)


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
