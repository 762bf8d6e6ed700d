import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PRODUTOS = [{"sku": "CAN-001", "nome": "Caneca azul"}, {"sku": "CAM-002", "nome": "Camiseta preta"}]


class Catalogo(BaseHTTPRequestHandler):
    def do_GET(self):
        dados = json.dumps({"produtos": PRODUTOS}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(dados)))
        self.end_headers()
        self.wfile.write(dados)


ThreadingHTTPServer(("0.0.0.0", 5001), Catalogo).serve_forever()
