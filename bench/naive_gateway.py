"""Gateway ingênuo, só para comparação no ./run.sh bench (não use assim).

O servidor de desenvolvimento do Flask e um requests.get novo a cada chamada:
cada requisição paga um handshake TCP com o serviço. É o "piso" que o gateway
de verdade (granian ASGI + aiohttp, com pool keep-alive) precisa superar.
"""
import os

import requests
from flask import Flask, Response

USERS_URL = os.environ.get("USERS_URL", "http://users_service:5003")
app = Flask(__name__)


@app.get("/users")
def users():
    upstream = requests.get(f"{USERS_URL}/users", timeout=(1, 2))
    return Response(upstream.content, status=upstream.status_code,
                    content_type=upstream.headers.get("Content-Type"))


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5010")), threaded=True)
