# (o Dockerfile deste serviço ficou faltando: o build do compose falha)
import json
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer


class B(BaseHTTPRequestHandler):
    def do_GET(self):
        with urllib.request.urlopen("http://service_a:5001/", timeout=2) as r:
            dados = json.load(r)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(json.dumps({"info": dados}).encode())


HTTPServer(("", 7000), B).serve_forever()
