# Servidor HTTP só com a biblioteca padrão: responde um JSON em qualquer caminho.
import json
import socket
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        corpo = json.dumps({
            "mensagem": "Oi, aqui é o servidor da Maria",
            "host": socket.gethostname(),
            "hora": datetime.now().isoformat(timespec="seconds"),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(corpo)))
        self.end_headers()
        self.wfile.write(corpo)


print("servidor ouvindo na porta 5000", flush=True)
ThreadingHTTPServer(("0.0.0.0", 5000), Handler).serve_forever()
