import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USUARIOS = [{"id": 1, "nome": "Ana Lima"}, {"id": 2, "nome": "Bruno Costa"}]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.rstrip("/") in ("", "/usuarios"):
            status, corpo = 200, {"usuarios": USUARIOS}
        else:
            status, corpo = 404, {"erro": "rota não encontrada"}
        dados = json.dumps(corpo).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(dados)))
        self.end_headers()
        self.wfile.write(dados)


ThreadingHTTPServer(("0.0.0.0", 5003), Handler).serve_forever()
