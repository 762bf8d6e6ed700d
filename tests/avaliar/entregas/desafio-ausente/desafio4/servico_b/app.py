# Serviço B: pergunta ao serviço A a cada pedido e monta um resumo.
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

URL_A = os.environ.get("SERVICE_A_URL", "http://localhost:5001/alunos")


class B(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            with urllib.request.urlopen(URL_A, timeout=1.5) as r:
                alunos = json.load(r)["alunos"]
            status = 200
            corpo = {"resumo": [f"{a['nome']} estuda {a['curso']}" for a in alunos]}
        except Exception as erro:  # noqa: BLE001 (o serviço A caiu ou não respondeu)
            status = 503
            corpo = {"erro": f"servico A indisponivel: {erro.__class__.__name__}"}
        dados = json.dumps(corpo).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(dados)))
        self.end_headers()
        self.wfile.write(dados)


ThreadingHTTPServer(("0.0.0.0", 5002), B).serve_forever()
