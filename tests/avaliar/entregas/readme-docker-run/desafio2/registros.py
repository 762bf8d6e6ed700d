import sqlite3
from datetime import datetime

con = sqlite3.connect("/app/dados/registros.db")
con.execute("CREATE TABLE IF NOT EXISTS registros (id INTEGER PRIMARY KEY AUTOINCREMENT, quando TEXT)")
con.execute("INSERT INTO registros (quando) VALUES (?)", (datetime.now().isoformat(),))
con.commit()
for linha in con.execute("SELECT id, quando FROM registros"):
    print(linha[0], linha[1])
print("total:", con.execute("SELECT COUNT(*) FROM registros").fetchone()[0])
