import json
from http.server import BaseHTTPRequestHandler, HTTPServer


class A(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(json.dumps({"usuarios": ["ana", "bia"]}).encode())


HTTPServer(("", 5001), A).serve_forever()
