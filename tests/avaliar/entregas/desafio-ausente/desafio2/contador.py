import sqlite3

db = sqlite3.connect("/var/lib/contador/contador.sqlite3")
db.execute("create table if not exists execucoes (n integer primary key autoincrement, obs text)")
db.execute("insert into execucoes (obs) values ('rodou')")
db.commit()
n = db.execute("select count(*) from execucoes").fetchone()[0]
print(f"este contêiner já rodou {n} vez(es) neste volume")
