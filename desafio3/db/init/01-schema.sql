-- Desafio 3: esquema e dados iniciais.
-- A imagem do Postgres executa os arquivos de /docker-entrypoint-initdb.d só
-- na primeira inicialização, com o diretório de dados vazio (volume novo).

CREATE TABLE alunos (
    id    SERIAL  PRIMARY KEY,
    nome  TEXT    NOT NULL,
    curso TEXT    NOT NULL,
    idade INTEGER NOT NULL CHECK (idade > 0)
);

INSERT INTO alunos (nome, curso, idade) VALUES
    ('Ana Souza',       'Engenharia de Software',   21),
    ('Bruno Lima',      'Ciência da Computação',    23),
    ('Carla Oliveira',  'Sistemas de Informação',   20),
    ('Diego Santos',    'Redes de Computadores',    25),
    ('Elisa Pereira',   'Análise e Desenvolvimento de Sistemas', 19);

-- Histórico de acessos a GET /: um registro por acesso, com o número que o
-- contador do Redis deu a ele.
CREATE TABLE acessos (
    id      BIGSERIAL   PRIMARY KEY,
    numero  BIGINT      NOT NULL,
    caminho TEXT        NOT NULL,
    cliente TEXT,
    quando  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- O total de acessos do /log não é um COUNT(*) (que lê a tabela inteira): vem
-- de acessos_contagem, mantida por triggers. Quem cria essa tabela e os triggers
-- é a web, na partida (CONTAGEM_SQL em web/db.py), e não este arquivo: assim
-- um volume criado antes deles também os ganha.
