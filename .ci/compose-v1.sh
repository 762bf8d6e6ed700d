#!/usr/bin/env bash
#
# .ci/compose-v1.sh — a fase "Compose v1" do CI: ./run.sh 3 de ponta a ponta só
# com o docker-compose (v1), pedido com COMPOSE=v1 (o plugin v2 pode estar em
# qualquer pasta, do usuário ou do sistema: o run.sh nem o consulta).
#
# Uso: bash .ci/compose-v1.sh [LOG]     (LOG: a saída do ./run.sh 3)
# Sai com 0 só se o ./run.sh 3 passou pelo docker-compose 1.x; a última linha é
# "Compose v1: ok" ou "Compose v1: falhou". Ao final, derruba o desafio 3 com o
# próprio v1 (docker-compose down), e nada além dele.

set -euo pipefail

cd "$(dirname "$0")/.."
log=${1:-${TMPDIR:-/tmp}/compose-v1.log}
status=ok
version=''

if ! command -v docker-compose >/dev/null 2>&1; then
	echo "o Compose v1 (docker-compose) não está instalado neste PATH: a fase não tem o que provar" \
		"(no Debian/Ubuntu até o bookworm: apt-get install docker-compose)"
	status=falhou
elif ! version=$(docker-compose version --short 2>&1) || [ "${version%%.*}" != 1 ]; then
	echo "o docker-compose deste PATH não é o Compose v1 (docker-compose version --short: ${version:-?})"
	status=falhou
elif ! COMPOSE=v1 NO_COLOR=1 ./run.sh 3 >"$log" 2>&1; then
	tail -n 40 "$log"
	echo "COMPOSE=v1 ./run.sh 3 falhou (a saída inteira: $log)"
	status=falhou
elif ! grep -q '^\$ docker-compose up' "$log" || grep -q '^\$ docker compose ' "$log"; then
	grep '^\$ ' "$log" | head -n 20
	echo "o ./run.sh 3 passou, mas não só pelo docker-compose (v1): veja os comandos acima"
	status=falhou
else
	echo "docker-compose $version"
	grep -E '^\$ docker-compose|passed' "$log"
fi

# o desafio 3 sai com o mesmo v1 que o subiu (volumes e imagens locais dele)
if [ -n "$version" ]; then
	(cd desafio3 && docker-compose down -v --rmi local --remove-orphans >/dev/null 2>&1) || true
fi
echo "Compose v1: $status"
[ "$status" = ok ]
