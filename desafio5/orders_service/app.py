"""Desafio 5 — orders_service: pedidos em GET /orders e GET /orders/<id> (porta 5002).

GET /orders?user_id=N filtra os pedidos de um usuário (o gateway usa isso para
montar /users/<id>/orders).
"""
import logging
import socket
import sys

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

ORDERS = [
    {"id": 101, "user_id": 1, "produto": "Notebook", "valor": 4500.0},
    {"id": 102, "user_id": 1, "produto": "Mouse", "valor": 89.9},
    {"id": 103, "user_id": 2, "produto": "Monitor", "valor": 1200.0},
    {"id": 104, "user_id": 3, "produto": "Teclado", "valor": 250.0},
]
HOSTNAME = socket.gethostname()  # o ID curto do contêiner
ERROS = {400: "requisição inválida", 404: "recurso não encontrado", 405: "método não permitido"}

app = Flask(__name__)
app.json.ensure_ascii = False
app.json.sort_keys = False
logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="[%(levelname)s] %(name)s: %(message)s")
log = logging.getLogger("orders_service")


@app.get("/orders")
def list_orders():
    user_id = request.args.get("user_id")
    if user_id is None:
        return jsonify(ORDERS)
    if not (user_id.isascii() and user_id.isdigit()):
        return jsonify(erro="user_id deve ser um número inteiro positivo"), 400
    return jsonify([o for o in ORDERS if o["user_id"] == int(user_id)])


@app.get("/orders/<int:order_id>")
def get_order(order_id):
    for order in ORDERS:
        if order["id"] == order_id:
            return jsonify(order)
    return jsonify(erro=f"pedido {order_id} não encontrado"), 404


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
