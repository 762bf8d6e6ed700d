from http.server import BaseHTTPRequestHandler, HTTPServer
import time


class Servidor(BaseHTTPRequestHandler):
    def do_GET(self):
        texto = f"resposta do server em {time.strftime('%H:%M:%S')}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(texto)))
        self.end_headers()
        self.wfile.write(texto)


HTTPServer(("", 8000), Servidor).serve_forever()
