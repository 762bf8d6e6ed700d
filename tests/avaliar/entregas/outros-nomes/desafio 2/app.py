# Cada vez que o contêiner sobe, grava uma linha em /dados/notas.db (SQLite, no volume)
# e depois mostra todas as linhas em http://localhost:8090/.
import json
import sqlite3
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

BANCO = "/dados/notas.db"

con = sqlite3.connect(BANCO)
con.execute("CREATE TABLE IF NOT EXISTS inicios (id INTEGER PRIMARY KEY, quando TEXT)")
con.execute("INSERT INTO inicios (quando) VALUES (?)", (datetime.now().isoformat(),))
con.commit()
total = con.execute("SELECT COUNT(*) FROM inicios").fetchone()[0]
con.close()
print(f"inicio registrado; total de inicios: {total}", flush=True)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with sqlite3.connect(BANCO) as c:
            linhas = c.execute("SELECT id, quando FROM inicios").fetchall()
        corpo = json.dumps({"inicios": linhas}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(corpo)


HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
