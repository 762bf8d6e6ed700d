# Serviço A: a lista de alunos em JSON.
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALUNOS = [{"nome": "Carla Souza", "curso": "Redes"}, {"nome": "Diego Alves", "curso": "Sistemas"}]


class A(BaseHTTPRequestHandler):
    def do_GET(self):
        dados = json.dumps({"alunos": ALUNOS}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(dados)))
        self.end_headers()
        self.wfile.write(dados)


ThreadingHTTPServer(("0.0.0.0", 5001), A).serve_forever()
