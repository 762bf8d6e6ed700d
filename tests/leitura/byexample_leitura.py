"""Módulo do byexample para o passeio pelo README (./run.sh test leitura).

Duas adaptações, as duas antes de o exemplo rodar (o gancho before_build_regex
do byexample, o lugar documentado para mudar source e expected de um exemplo):

- as opções `# byexample: ...` saem do comando: o zsh interativo com os padrões
  não aceita `#` como comentário, e o que o shell recebe tem de ser exatamente o
  que o aluno cola do README;
- a linha `<linha-vazia>` vira uma linha vazia na saída esperada (o byexample
  termina a saída esperada na primeira linha vazia; o `curl -i` tem uma).

E, depois de cada exemplo (finish_example): quando a conferência do código de
saída falha, a saída do comando anterior (que não é comparada) vai junto, para
o relatório mostrar por que ele falhou.
"""
import re

from byexample.concern import Concern

OPCOES = re.compile(r'[ \t]*#\s*byexample:[^\n]*$', re.MULTILINE)
LINHA_VAZIA = re.compile(r'^<linha-vazia>$', re.MULTILINE)


CONFERE_CODIGO = ('echo "[código $?]"', '[ $? -ne 0 ] && echo')


class Leitura(Concern):
    target = 'leitura-readme'

    def __init__(self, **kargs):
        Concern.__init__(self, **kargs)
        self.anterior = ''

    def finish_example(self, example, options):
        if example.runner.language != 'shell':
            return
        if not example.source.startswith(CONFERE_CODIGO):
            self.anterior = example.got
            return
        if example.got.strip() in ('[código 0]', '[falhou, como esperado]'):
            return
        linhas = self.anterior.strip('\n').split('\n')[-40:]
        example.got += '\n(saída do comando, as últimas 40 linhas:)\n' + '\n'.join(linhas) + '\n'

    def before_build_regex(self, example, options):
        if example.runner.language != 'shell':
            return
        example.source = OPCOES.sub('', example.source)
        example.expected_str = LINHA_VAZIA.sub('', example.expected_str)
