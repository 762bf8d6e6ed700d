"""Os READMEs como um aluno os lê: monta o passeio que o byexample executa.

Uso: python3 leitura.py SAIDA.md MAPA.txt README.md...

Cada README da lista (na ordem: desafio1/README.md ... desafio5/README.md,
extras/swarm/README.md) é uma seção do passeio, com o título do seu primeiro
`# `: os comandos dos blocos ```bash, na ordem do documento, colados num só
shell que começa na raiz do repositório. Um bloco ```text depois de um parágrafo com
"Saída esperada" é a transcrição do que o shell imprime: linhas `$ comando`
(continuação com `> `) e, abaixo de cada uma, a saída. Cada comando da
transcrição tem de estar, na mesma ordem, nos blocos ```bash desde a saída
esperada anterior; a saída dele é comparada com a do shell (`<...>` e `<nome>`
são trechos que mudam de uma execução para outra). Os comandos que a
transcrição não mostra rodam com a saída ignorada.

Depois de cada comando, o passeio confere o código de saída (`$?`): 0, a não
ser que o bloco venha depois de uma marca no README:

    <!-- leitura: falha -->    os comandos do bloco falham de propósito
    <!-- leitura: sem-fim -->  os comandos não terminam sozinhos (logs -f):
                               o passeio aperta Ctrl+C depois de 4 s

No começo e no fim de cada seção, o passeio confere que está na raiz.

SAIDA.md é o arquivo para o byexample (uma seção depois da outra, na mesma
sessão do shell); MAPA.txt diz em que linhas de SAIDA.md está cada seção
(`início fim nome título`; o nome é a pasta do README, `desafio3` ou `swarm`),
para o relatório por seção.
"""
import os
import re
import sys

MARCA = re.compile(r'^<!--\s*leitura:\s*([a-z-]+)\s*-->$')
SEM_FIM = '+timeout=4 +stop-on-timeout +stop-signal=interrupt'
NA_RAIZ = ('$ test -f run.sh && test -d desafio1 && echo "[na raiz do repositório]"',
           '[na raiz do repositório]')


class ErroNoReadme(Exception):
    pass


def comandos_do_bloco(linhas, inicio):
    """Comandos de um bloco bash: uma linha, ou várias unidas por `\\` no fim."""
    comandos, atual = [], []
    for n, linha in enumerate(linhas, inicio):
        if not atual and not linha.strip():
            continue
        atual.append(linha)
        if not linha.rstrip().endswith('\\'):
            comandos.append({'linhas': atual, 'linha_readme': n - len(atual) + 1})
            atual = []
    if atual:
        raise ErroNoReadme('linha %d: o bloco termina com uma linha continuada (\\)' % inicio)
    return comandos


def transcricao(linhas, inicio):
    """A saída esperada: [(linhas do comando, linhas da saída)]."""
    itens = []
    for n, linha in enumerate(linhas, inicio):
        if linha.startswith('$ '):
            itens.append(([linha[2:]], [], n))
        elif linha.startswith('> ') and itens and not itens[-1][1]:
            itens[-1][0].append(linha[2:])
        elif itens:
            itens[-1][1].append(linha)
        else:
            raise ErroNoReadme('linha %d: a saída esperada começa sem um `$ comando`' % n)
    return itens


def normaliza(linhas):
    return ' '.join(' '.join(l.rstrip('\\').split()) for l in linhas)


def le_readme(caminho):
    with open(caminho, encoding='utf-8') as f:
        linhas = f.read().split('\n')
    # o nome da seção é a pasta do README: desafio3/README.md -> desafio3, extras/swarm -> swarm
    secao = {'titulo': None, 'comandos': [],
             'nome': os.path.basename(os.path.dirname(os.path.normpath(caminho)))}
    marcas, paragrafo = set(), ''
    pendentes = []  # comandos desde a última saída esperada
    i = 0
    while i < len(linhas):
        linha = linhas[i]
        if linha.startswith('# ') and secao['titulo'] is None:
            secao['titulo'] = linha[2:].strip()
        if linha.startswith(('# ', '## ')):
            marcas, paragrafo = set(), ''
            i += 1
            continue
        m = MARCA.match(linha.strip())
        if m:
            if m.group(1) not in ('falha', 'sem-fim'):
                raise ErroNoReadme('linha %d: marca desconhecida: %s' % (i + 1, m.group(1)))
            marcas.add(m.group(1))
            i += 1
            continue
        if linha.startswith('```'):
            lingua = linha[3:].strip()
            fim = i + 1
            while fim < len(linhas) and not linhas[fim].startswith('```'):
                fim += 1
            corpo = linhas[i + 1:fim]
            if lingua == 'bash':
                for c in comandos_do_bloco(corpo, i + 2):
                    c['marcas'] = set(marcas)
                    c['saida'] = None
                    secao['comandos'].append(c)
                    pendentes.append(c)
            elif lingua == 'text' and 'Saída esperada' in paragrafo:
                for cmd, saida, n in transcricao(corpo, i + 2):
                    alvo = normaliza(cmd)
                    while pendentes and normaliza(pendentes[0]['linhas']) != alvo:
                        pendentes.pop(0)
                    if not pendentes:
                        raise ErroNoReadme(
                            'linha %d: a saída esperada mostra `$ %s`, que não está (nesta ordem) '
                            'nos blocos de comandos anteriores da seção' % (n, alvo))
                    pendentes.pop(0)['saida'] = saida
                pendentes = []
            marcas, paragrafo = set(), ''
            i = fim + 1
            continue
        if linha.strip():
            paragrafo = linha if not paragrafo else paragrafo + ' ' + linha
        i += 1
    if secao['titulo'] is None:
        raise ErroNoReadme('sem um título `# ` (o nome da seção no relatório)')
    if not secao['nome']:
        raise ErroNoReadme('fora de uma pasta (o nome da seção é a pasta do README)')
    return secao


def exemplo(linhas_cmd, opcoes, saida):
    """Um exemplo do byexample: `$ comando` (`> ` nas continuações) e a saída."""
    cmd = ['$ ' + linhas_cmd[0]] + ['> ' + l for l in linhas_cmd[1:]]
    if opcoes:
        cmd[0] += '  # byexample: ' + opcoes
    corpo = ['<linha-vazia>' if not l.strip() else l for l in saida]
    while corpo and corpo[-1] == '<linha-vazia>':
        corpo.pop()
    return cmd + corpo + ['']


def escreve(secoes, saida, mapa):
    out, regioes = [], []
    for s in secoes:
        inicio = len(out) + 1
        out += ['## ' + s['titulo'], '', '```']
        out += [NA_RAIZ[0], NA_RAIZ[1], '']
        for c in s['comandos']:
            opcoes = []
            if 'sem-fim' in c['marcas']:
                opcoes.append(SEM_FIM)
            esperada = c['saida']
            if esperada is None:
                esperada = ['<...>']
            elif any(l.startswith('HTTP/') for l in esperada):
                opcoes.append('+norm-ws')  # curl -i: cabeçalhos com \r\n
            out += exemplo(c['linhas'], ' '.join(opcoes), esperada)
            if 'sem-fim' in c['marcas']:
                continue  # interrompido com Ctrl+C: o código não diz nada
            if 'falha' in c['marcas']:
                out += ['$ [ $? -ne 0 ] && echo "[falhou, como esperado]"',
                        '[falhou, como esperado]', '']
            else:
                out += ['$ echo "[código $?]"', '[código 0]', '']
        out += [NA_RAIZ[0], NA_RAIZ[1], '']
        # se a seção não voltou à raiz, a próxima começa de lá mesmo assim
        out += ['$ cd "$LEITURA_RAIZ"', '', '```', '']
        regioes.append('%d %d %s %s' % (inicio, len(out), s['nome'], s['titulo']))
    with open(saida, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out))
    with open(mapa, 'w', encoding='utf-8') as f:
        f.write('\n'.join(regioes) + '\n')


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    secoes = []
    for caminho in sys.argv[3:]:
        try:
            secoes.append(le_readme(caminho))
        except ErroNoReadme as e:
            sys.exit('%s, %s' % (caminho, e))
        except OSError as e:
            sys.exit('%s: %s' % (caminho, e.strerror))
    # LEITURA_SECOES="desafio1,swarm": só essas seções (para depurar)
    so = [p.strip() for p in os.environ.get('LEITURA_SECOES', '').split(',') if p.strip()]
    if so:
        secoes = [s for s in secoes if s['nome'] in so]
    if not secoes:
        sys.exit('%s: nenhuma seção de desafio encontrada' % ', '.join(sys.argv[3:]))
    escreve(secoes, sys.argv[1], sys.argv[2])


if __name__ == '__main__':
    main()
