import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PEDIDOS = [{"id": 10, "usuario": 1, "item": "teclado"}, {"id": 11, "usuario": 2, "item": "monitor"}]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.rstrip("/") in ("", "/pedidos"):
            status, corpo = 200, {"pedidos": PEDIDOS}
        else:
            status, corpo = 404, {"erro": "rota não encontrada"}
        dados = json.dumps(corpo).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(dados)))
        self.end_headers()
        self.wfile.write(dados)


ThreadingHTTPServer(("0.0.0.0", 5002), Handler).serve_forever()
