"""Desafio 2: persistência com volume nomeado.

A cada execução: cria a tabela `alunos` em /data/data.db (SQLite) se ainda não
existir, insere um aluno aleatório e imprime todas as linhas e o total. Com o
volume desafio2-volume montado em /data, a tabela cresce de uma execução para a
outra, mesmo removendo o contêiner; sem o volume, cada execução começa do zero.
"""
import os
import random
import sqlite3
import sys

DB_PATH = os.environ.get("DB_PATH", "/data/data.db")

NOMES = ["Ana", "Bruno", "Carla", "Diego", "Elisa", "Felipe", "Gabriela", "Heitor",
         "Isabela", "João", "Larissa", "Marcos", "Natália", "Otávio", "Paula", "Rafael"]
SOBRENOMES = ["Silva", "Souza", "Oliveira", "Santos", "Lima", "Costa", "Pereira", "Almeida"]
CURSOS = ["Engenharia de Software", "Ciência da Computação", "Sistemas de Informação",
          "Análise e Desenvolvimento de Sistemas", "Redes de Computadores"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS alunos (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    nome      TEXT    NOT NULL,
    idade     INTEGER NOT NULL,
    curso     TEXT    NOT NULL,
    criado_em TEXT    NOT NULL DEFAULT (datetime('now'))
)
"""


def aluno_aleatorio():
    nome = f"{random.choice(NOMES)} {random.choice(SOBRENOMES)}"
    return nome, random.randint(17, 45), random.choice(CURSOS)


# As mensagens do SQLite que um aluno encontra aqui, em português (as outras
# ficam como vieram).
ERROS_SQLITE = {
    "unable to open database file": "o arquivo do banco não pôde ser aberto nem criado",
    "attempt to write a readonly database": "o banco está somente leitura",
    "disk I/O error": "erro de leitura ou escrita no disco",
    "database or disk is full": "o disco está cheio",
    "database is locked": "o banco está travado por outro processo",
}


def em_portugues(erro):
    texto = str(erro)
    return ERROS_SQLITE.get(texto, texto)


def main():
    try:
        conn = sqlite3.connect(DB_PATH)
        with conn:
            conn.execute(SCHEMA)
            cur = conn.execute("INSERT INTO alunos (nome, idade, curso) VALUES (?, ?, ?)",
                               aluno_aleatorio())
            novo = cur.lastrowid
        linhas = conn.execute(
            "SELECT id, nome, idade, curso, criado_em FROM alunos ORDER BY id").fetchall()
        conn.close()
    except sqlite3.Error as e:
        print(f"erro: não foi possível usar o banco {DB_PATH} ({em_portugues(e)}).\n"
              f"O diretório {os.path.dirname(DB_PATH)} existe e é gravável pelo usuário "
              f"uid={os.getuid()}? Monte o volume assim: -v desafio2-volume:/data",
              file=sys.stderr)
        return 1

    print(f"Banco: {DB_PATH}")
    print(f"Novo aluno inserido: id {novo}")
    print(f"  {'ID':>4}  {'NOME':<18} {'IDADE':>5}  {'CURSO':<38} CRIADO EM (UTC)")
    for id_, nome, idade, curso, criado_em in linhas:
        print(f"  #{id_:<3}  {nome:<18} {idade:>5}  {curso:<38} {criado_em}")
    print(f"Total: {len(linhas)} aluno(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
