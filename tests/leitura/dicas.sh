#!/usr/bin/env bash
#
# tests/leitura/dicas.sh ARQUIVO — no contêiner do passeio (./run.sh test leitura).
# ARQUIVO tem os comandos de uma dica "Para explorar" do ./run.sh, um por linha,
# como o aluno os cola. Eles rodam num zsh com as opções padrão (o do passeio) e
# num bash, numa pasta de rascunho, com docker, curl e ./run.sh trocados por dublês
# que só anotam os argumentos. Passa quando nenhum shell reclama e os dois anotam
# os mesmos comandos. Sem interactivecomments, o zsh passa um `# comentário` no fim
# da linha como argumentos (o dublê recusa um argumento que começa com #) e roda um
# `#` no começo como comando; um `?` fora de aspas é um glob que não casa ("no
# matches found"). Um `&` fora de aspas manda a linha para o fundo nos dois shells,
# sem erro: esse é procurado no texto.
set -euo pipefail

[ -r "${1:-}" ] || { echo "uso: dicas.sh ARQUIVO (não consegui ler '${1:-}')"; exit 2; }
dicas=$(cd "$(dirname "$1")" && pwd)/${1##*/}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/raiz/extras/swarm" "$tmp/raiz/extras/cluster"
for n in 1 2 3 4 5; do mkdir -p "$tmp/raiz/desafio$n"; done

# o dublê: uma linha por chamada, "nome [arg1] [arg2]..."
cat >"$tmp/bin/docker" <<'EOF'
#!/bin/sh
nome=${0##*/}
linha=$nome
for a in "$@"; do
	case $nome:$a in
		*:'#'*) echo "$nome recebeu '$a' como argumento: um comentário no fim da linha?" >&2 ;;
		curl:curl) echo "curl recebeu 'curl' como argumento: dois comandos na mesma linha?" >&2 ;;
	esac
	linha="$linha [$a]"
done
printf '%s\n' "$linha" >>"$DUBLE_LOG"
EOF
chmod +x "$tmp/bin/docker"
ln -s docker "$tmp/bin/curl"
ln -s ../bin/docker "$tmp/raiz/run.sh"

status=0
falha() {
	printf '%s\n' "$@"
	status=1
}

if [ ! -s "$dicas" ]; then
	falha "nenhum comando na dica (os comandos são as linhas com dois espaços na frente)"
fi
# um & que não é && nem está entre aspas
soltos=$(sed -e "s/'[^']*'//g" -e 's/"[^"]*"//g' -e 's/&&//g' "$dicas" | grep -n '&' || true)
if [ -n "$soltos" ]; then
	falha "um & fora de aspas manda o comando para o fundo (ponha a URL entre aspas):" "$soltos"
fi

# zsh -f -i: o do passeio (sem zle, sem as marcas de prompt); PS1 vazio, sem prompt na saída
(cd "$tmp/raiz" && DUBLE_LOG="$tmp/zsh.log" PS1='' PS2='' PATH="$tmp/bin:$PATH" \
	zsh -f -i +o zle +o promptcr +o promptsp <"$dicas" >"$tmp/zsh.out" 2>"$tmp/zsh.err") || true
(cd "$tmp/raiz" && DUBLE_LOG="$tmp/bash.log" PATH="$tmp/bin:$PATH" \
	bash --norc --noprofile -s <"$dicas" >"$tmp/bash.out" 2>"$tmp/bash.err") || true
touch "$tmp/zsh.log" "$tmp/bash.log"

if [ ! -s "$tmp/bash.log" ]; then falha "nenhum docker, curl ou ./run.sh rodou no bash"; fi
if [ -s "$tmp/zsh.err" ]; then falha "no zsh:" "$(cat "$tmp/zsh.err")"; fi
if [ -s "$tmp/bash.err" ]; then falha "no bash:" "$(cat "$tmp/bash.err")"; fi
if ! cmp -s "$tmp/zsh.log" "$tmp/bash.log"; then
	falha "o zsh e o bash rodaram comandos diferentes (- bash, + zsh):" \
		"$(diff "$tmp/bash.log" "$tmp/zsh.log" || true)"
fi
if [ "$status" != 0 ]; then
	falha "(a dica colada, $dicas:)" "$(sed 's/^/  /' "$dicas")"
fi
exit "$status"
