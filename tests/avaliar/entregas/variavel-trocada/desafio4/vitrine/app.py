import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CATALOGO_URL = os.environ.get("CATALOGO_URL", "http://localhost:5001/produtos")


class Vitrine(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            with urllib.request.urlopen(CATALOGO_URL, timeout=1.5) as r:
                produtos = json.load(r)["produtos"]
            status, corpo = 200, {"vitrine": [p["nome"] for p in produtos]}
        except Exception as erro:  # noqa: BLE001
            status, corpo = 502, {"erro": f"catalogo fora do ar ({erro.__class__.__name__})"}
        dados = json.dumps(corpo).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(dados)))
        self.end_headers()
        self.wfile.write(dados)


ThreadingHTTPServer(("0.0.0.0", 7000), Vitrine).serve_forever()
