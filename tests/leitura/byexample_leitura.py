"""Módulo do byexample para o passeio pelo README (./run.sh test leitura).

Duas adaptações, as duas antes de o exemplo rodar (o gancho before_build_regex
do byexample, o lugar documentado para mudar source e expected de um exemplo):

- as opções `# byexample: ...` saem do comando: o zsh interativo com os padrões
  não aceita `#` como comentário, e o que o shell recebe tem de ser exatamente o
  que o aluno cola do README;
- a linha `<linha-vazia>` vira uma linha vazia na saída esperada (o byexample
  termina a saída esperada na primeira linha vazia; o `curl -i` tem uma).
"""
import re

from byexample.concern import Concern

OPCOES = re.compile(r'[ \t]*#\s*byexample:[^\n]*$', re.MULTILINE)
LINHA_VAZIA = re.compile(r'^<linha-vazia>$', re.MULTILINE)


class Leitura(Concern):
    target = 'leitura-readme'

    def before_build_regex(self, example, options):
        if example.runner.language != 'shell':
            return
        example.source = OPCOES.sub('', example.source)
        example.expected_str = LINHA_VAZIA.sub('', example.expected_str)
