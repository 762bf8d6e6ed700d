"""Desafio 5 — users_service: usuários em GET /users e GET /users/<id> (porta 5003)."""
import logging
import socket
import sys

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

USERS = [
    {"id": 1, "nome": "Ana Souza", "email": "ana@example.com"},
    {"id": 2, "nome": "Bruno Lima", "email": "bruno@example.com"},
    {"id": 3, "nome": "Carla Oliveira", "email": "carla@example.com"},
]
HOSTNAME = socket.gethostname()  # o ID curto do contêiner
ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False
logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("users_service")


@app.get("/users")
def list_users():
    return jsonify(USERS)


@app.get("/users/<int:user_id>")
def get_user(user_id):
    for user in USERS:
        if user["id"] == user_id:
            return jsonify(user)
    return jsonify(erro=f"usuário {user_id} não encontrado"), 404


@app.after_request
def servido_por(resp):
    """Qual réplica respondeu: com várias (Swarm), cada uma tem o seu hostname."""
    resp.headers["X-Servido-Por"] = HOSTNAME
    return resp


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
