#!/usr/bin/env bash
#
# .ci/compose-v1-test.sh — testa a fase "Compose v1" (.ci/compose-v1.sh) onde o
# plugin Compose v2 pode estar numa máquina de verdade:
#   1. na pasta de plugins do usuário ($DOCKER_CONFIG/cli-plugins; aqui, uma
#      pasta temporária com o plugin da máquina): a fase passa;
#   2. numa pasta do sistema (/usr/local/lib/docker/cli-plugins, onde o Docker
#      Desktop e as instalações manuais o põem), com a pasta do usuário vazia: a
#      fase passa;
#   3. sem o Compose v1 no PATH: a fase diz que ele não está instalado e falha;
#   4. com um docker-compose 1.x quebrado na frente do PATH: a fase falha.
# Se a pasta do sistema já tem um plugin compose, ele é usado como está; senão,
# uma cópia do plugin fica lá só durante o caso 2 e sai depois (também se o
# teste for interrompido). Nada mais das pastas de plugins da máquina é tocado.
#
# Uso: bash .ci/compose-v1-test.sh    (precisa do v1 e do v2 instalados e de um
# engine; a última linha é "N passed, N failed")

set -euo pipefail

cd "$(dirname "$0")/.."
readonly SYSTEM_DIR=/usr/local/lib/docker/cli-plugins
tmp=$(mktemp -d "${TMPDIR:-/tmp}/compose-v1-test.XXXXXX")
placed='' placed_dir=''
passed=0 failed=0

# o que este teste pôs na pasta do sistema sai (só isso)
restore_system() {
	if [ -n "$placed" ]; then rm -f "$placed"; fi
	# só as pastas que este teste criou, e só se continuam vazias
	if [ -n "$placed_dir" ]; then
		(cd / && find "$placed_dir" -depth -type d -empty -exec rmdir {} \;) 2>/dev/null || true
	fi
	placed='' placed_dir=''
}
restore() {
	restore_system
	rm -rf "$tmp"
}
trap restore EXIT

result() { # DESCRIÇÃO ok|falhou
	printf '  %-7s %s\n' "$2" "$1"
	if [ "$2" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# phase NOME ESPERADO PADRÃO [VAR=VALOR...]: roda a fase com o ambiente dado; ela tem
# de terminar com ESPERADO (ok|falhou) dizendo PADRÃO (grep -E) na saída.
phase() {
	local name=$1 want=$2 pattern=$3 out rc=0
	shift 3
	out=$(env "$@" bash .ci/compose-v1.sh "$tmp/$name.log" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/      /'
	if [ "$want" = ok ] && [ "$rc" = 0 ] && grep -qE -- "$pattern" <<<"$out"; then
		result "$name: a fase passa" ok
	elif [ "$want" = falhou ] && [ "$rc" != 0 ] && grep -qE -- "$pattern" <<<"$out"; then
		result "$name: a fase falha dizendo /$pattern/" ok
	else
		result "$name: esperava a fase terminar '$want' dizendo /$pattern/ (código $rc)" falhou
	fi
}

# O plugin v2 da máquina, onde quer que esteja (o docker info diz o caminho).
plugin=$(docker info --format '{{range .ClientInfo.Plugins}}{{if eq .Name "compose"}}{{.Path}}{{end}}{{end}}' 2>/dev/null || true)
if [ -z "$plugin" ] || [ ! -x "$plugin" ]; then
	echo "o plugin Compose v2 não está instalado: sem ele, este teste não tem o que provar"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "plugin Compose v2 da máquina: $plugin"

echo "1. o v2 na pasta de plugins do usuário"
mkdir -p "$tmp/usuario/cli-plugins" "$tmp/vazio"
ln -s "$plugin" "$tmp/usuario/cli-plugins/docker-compose"
if DOCKER_CONFIG="$tmp/usuario" docker compose version >/dev/null 2>&1; then
	phase "v2 na pasta do usuário" ok 'Compose v1: ok' DOCKER_CONFIG="$tmp/usuario"
else
	result "v2 na pasta do usuário: o docker não achou o plugin em $tmp/usuario/cli-plugins" falhou
fi

echo "2. o v2 numa pasta do sistema ($SYSTEM_DIR), a do usuário vazia"
if [ ! -e "$SYSTEM_DIR/docker-compose" ]; then
	# a pasta mais alta que ainda não existe (/usr/local/lib/docker, em geral) sai depois
	placed_dir=$SYSTEM_DIR
	while [ ! -d "$(dirname "$placed_dir")" ]; do placed_dir=$(dirname "$placed_dir"); done
	if [ -d "$placed_dir" ]; then placed_dir=''; fi
	mkdir -p "$SYSTEM_DIR"
	cp "$plugin" "$SYSTEM_DIR/docker-compose"
	placed=$SYSTEM_DIR/docker-compose
fi
if DOCKER_CONFIG="$tmp/vazio" docker compose version >/dev/null 2>&1; then
	phase "v2 numa pasta do sistema" ok 'Compose v1: ok' DOCKER_CONFIG="$tmp/vazio"
else
	result "v2 numa pasta do sistema: o docker não achou o plugin em $SYSTEM_DIR" falhou
fi
restore_system

echo "3. sem o Compose v1 no PATH"
# um PATH com as ferramentas da fase (e do run.sh antes do compose), sem o docker-compose
mkdir -p "$tmp/sem-v1"
for tool in bash env docker dirname mktemp rm cat grep sed head tail tee; do
	ln -s "$(command -v "$tool")" "$tmp/sem-v1/$tool"
done
phase "sem o v1" falhou 'Compose v1 \(docker-compose\) não está instalado' PATH="$tmp/sem-v1"

echo "4. um docker-compose 1.x quebrado na frente do PATH"
mkdir -p "$tmp/quebrado"
cat >"$tmp/quebrado/docker-compose" <<'EOF'
#!/bin/sh
# um Compose v1 que se apresenta mas não funciona (quebrado de propósito)
if [ "$*" = "version --short" ]; then echo 1.29.2; exit 0; fi
echo "docker-compose quebrado de propósito: $*" >&2
exit 1
EOF
chmod +x "$tmp/quebrado/docker-compose"
phase "v1 quebrado" falhou 'docker-compose quebrado de propósito' PATH="$tmp/quebrado:$PATH"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
