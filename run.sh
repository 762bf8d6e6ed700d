#!/usr/bin/env bash
#
# run.sh — ponto de entrada único do curso "Docker em cinco desafios".
#
# Cada subcomando roda os mesmos comandos docker que o README.md mostra,
# imprimindo cada um antes de executar, verifica o resultado com curl/grep e
# deixa o desafio rodando para você explorar. `./run.sh help` mostra o uso.
#
# Aqui ficam as constantes, a saída na tela, os subcomandos e o despacho.
# O que cada subcomando faz está em lib/ (lib/desafioN.sh: cmd_N, as verificações
# e clean_N; lib/swarm.sh, lib/cluster.sh; lib/services.sh, o kit dos serviços;
# lib/verificacoes.sh e lib/docker.sh, as verificações e os recursos Docker); o
# que o ./run.sh test acrescenta, em tests/ (tests/desafioN.sh: test_N); o bench,
# em bench/. O estilo da casa está em CONTRIBUTING.md. Compatível com o bash 3.2
# do macOS (só recursos que ele já tem).

set -euo pipefail

# ---------------------------------------------------------------- constantes

ROOT=$(cd "$(dirname "$0")" && pwd)
readonly ROOT

# Rótulo de toda imagem e contêiner deste projeto: o `clean` distingue o nosso do seu.
readonly LABEL_KEY=desafios-docker.desafio

# Imagens base oficiais (tags fixas), sobrescritas pelas variáveis de mesmo nome
# (mirror, imagens locais); Dockerfiles e compose têm os mesmos padrões (testado).
readonly DEFAULT_PYTHON_IMAGE=python:3.13.9-slim
readonly DEFAULT_CLIENT_IMAGE=curlimages/curl:8.16.0
readonly DEFAULT_POSTGRES_IMAGE=postgres:17.6
readonly DEFAULT_REDIS_IMAGE=redis:7.4.5
# (só o bench: o nginx é a referência com que o gateway do desafio 5 se compara)
readonly DEFAULT_NGINX_IMAGE=nginx:1.29.3
# (só o ./run.sh cluster: cada nó é um Docker engine num contêiner; o registry; a borda, HAProxy 3.0 LTS)
readonly DEFAULT_NODE_IMAGE=docker:28.5.2-dind
readonly DEFAULT_REGISTRY_IMAGE=registry:3.0.0
readonly DEFAULT_HAPROXY_IMAGE=haproxy:3.0.12
PYTHON_IMAGE=${PYTHON_IMAGE:-$DEFAULT_PYTHON_IMAGE}
CLIENT_IMAGE=${CLIENT_IMAGE:-$DEFAULT_CLIENT_IMAGE}
POSTGRES_IMAGE=${POSTGRES_IMAGE:-$DEFAULT_POSTGRES_IMAGE}
REDIS_IMAGE=${REDIS_IMAGE:-$DEFAULT_REDIS_IMAGE}
NGINX_IMAGE=${NGINX_IMAGE:-$DEFAULT_NGINX_IMAGE}
NODE_IMAGE=${NODE_IMAGE:-$DEFAULT_NODE_IMAGE}
REGISTRY_IMAGE=${REGISTRY_IMAGE:-$DEFAULT_REGISTRY_IMAGE}
HAPROXY_IMAGE=${HAPROXY_IMAGE:-$DEFAULT_HAPROXY_IMAGE}
# O compose lê PYTHON_IMAGE etc. do ambiente: exportamos os valores em uso.
export PYTHON_IMAGE POSTGRES_IMAGE REDIS_IMAGE

# Tempo máximo (s) de cada espera por um sinal real (log, health, HTTP).
WAIT_SECS=${WAIT_SECS:-60}

DRY_RUN=0        # 1: só imprime os comandos (--dry-run)
WORK=''          # diretório temporário desta execução
RESULTS=''       # arquivo com uma linha "ok"/"falhou" por verificação
TEST_PART=''     # a parte do ./run.sh test em curso (na lista das falhas do fim)
LAST_OUT=''      # saída do último comando executado por run()

# As partes do ./run.sh test, na ordem em que `./run.sh test` as roda.
readonly TEST_PARTS='docs errors 1 2 3 4 5 swarm cluster leitura avaliar bench clean'

# ------------------------------------------------------------- saída na tela

# (C_OK: as verificações, em lib/verificacoes.sh)
# shellcheck disable=SC2034
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	C_CMD=$'\033[36m' C_OK=$'\033[32m' C_FAIL=$'\033[31m' C_HEAD=$'\033[1m' C_OFF=$'\033[0m'
else
	C_CMD='' C_OK='' C_FAIL='' C_HEAD='' C_OFF=''
fi

info() { printf '%s\n' "$*" >&2; }
warn() { printf '%saviso:%s %s\n' "$C_FAIL" "$C_OFF" "$*" >&2; }
die() {
	printf '%serro:%s %s\n' "$C_FAIL" "$C_OFF" "$*" >&2
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then printf '%s\n' "$*" >"$WORK/erro"; fi # para o ./run.sh test
	exit 1
}
# usage_error MENSAGEM: erro de uso (o que estava errado e onde ver o certo), código 2.
usage_error() {
	printf '%serro:%s %s\nveja ./run.sh help\n' "$C_FAIL" "$C_OFF" "$*" >&2
	exit 2
}
section() { printf '\n%s== %s ==%s\n' "$C_HEAD" "$*" "$C_OFF"; }
# has_arg OPÇÃO ARGS...: OPÇÃO está entre os argumentos do comando (ex.: --endurecido).
has_arg() {
	local want=$1 arg
	shift
	for arg in "$@"; do [ "$arg" = "$want" ] && return 0; done
	return 1
}

# Imprime os argumentos como um usuário digitaria (aspas só onde precisa).
shell_quote() {
	local out='' arg q="'"
	for arg in "$@"; do
		case $arg in
			'' | *[!A-Za-z0-9_./:=@%+,-]*) arg="'${arg//$q/$q\\$q$q}'" ;;
		esac
		out="$out${out:+ }$arg"
	done
	printf '%s' "$out"
}

# run CMD...: mostra o comando exatamente como no README e o executa. A saída
# aparece enquanto o comando roda (um build longo não parece travado) e fica em
# $LAST_OUT; se falhar, explain_failure traduz erros conhecidos numa solução.
# run_quiet CMD...: o mesmo, mas a saída só aparece se o comando falhar.
run() { run_cmd live "$@"; }
run_quiet() { run_cmd quiet "$@"; }
run_cmd() {
	local mode=$1 status=0
	shift
	printf '%s$ %s%s\n' "$C_CMD" "$(shell_quote "$@")" "$C_OFF"
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	if [ "$mode" = live ]; then
		"$@" 2>&1 | tee "$LAST_OUT" | strip_ansi || status=$?
	else
		"$@" >"$LAST_OUT" 2>&1 || status=$?
		if [ "$status" != 0 ]; then strip_ansi <"$LAST_OUT"; fi
	fi
	if [ "$status" != 0 ]; then
		explain_failure "$LAST_OUT"
		return "$status"
	fi
}

# Fora de um terminal, tira as sequências ANSI (cores, "apaga linha") da saída.
strip_ansi() { if [ -t 1 ]; then cat; else sed $'s/\033\\[[0-9;?]*[A-Za-z]//g'; fi; }

# cd_run DIR: entra na pasta do desafio e mostra o `cd` como no README.
cd_run() {
	printf '%s$ cd %s%s\n' "$C_CMD" "$1" "$C_OFF"
	cd "$ROOT/$1"
}

explain_failure() {
	local f=$1
	if grep -qiE 'failed to resolve source metadata|pull access denied|toomanyrequests|manifest unknown|failed to do request|no such host|TLS handshake timeout|Error response from daemon: Get|not found: manifest' "$f"; then
		warn "Não foi possível baixar uma imagem base do registry. Causas comuns: sem internet," \
			"limite de downloads do Docker Hub (toomanyrequests) ou um mirror exigido pela sua rede." \
			"Solução: faça 'docker login', ou aponte as variáveis para um mirror/imagem local, ex.:" \
			"PYTHON_IMAGE=meu-mirror/python:3.13-slim CLIENT_IMAGE=... POSTGRES_IMAGE=... REDIS_IMAGE=... ./run.sh N" \
			"(em uso: PYTHON_IMAGE=$PYTHON_IMAGE CLIENT_IMAGE=$CLIENT_IMAGE POSTGRES_IMAGE=$POSTGRES_IMAGE REDIS_IMAGE=$REDIS_IMAGE)"
	elif grep -qiE 'port is already allocated|address already in use' "$f"; then
		local port
		port=$(grep -oE '[:.][0-9]+( failed|: bind)' "$f" | head -n 1 | grep -oE '[0-9]+' || true)
		warn "A porta ${port:-do host} já está em uso${port:+: $(port_holder "$port")}." \
			"Libere-a, ou escolha outra porta, ex.: WEB_PORT=5050 ./run.sh 3 (as variáveis *_PORT estão no README)."
	elif grep -qi 'permission denied' "$f"; then
		warn "Permissão negada ao falar com o Docker. No Linux: sudo usermod -aG docker \$USER e abra uma nova sessão."
	fi
}

# ------------------------------------------------- as partes, uma por pasta

# O que cada subcomando faz mora em lib/ (um arquivo por desafio e por laboratório);
# o que o ./run.sh test acrescenta, em tests/; o bench, em bench/. Lista fixa, com o
# builtin `.` (os testes de erro rodam com um PATH mínimo).
for part in lib/verificacoes lib/docker lib/services lib/desafio1 lib/desafio2 lib/desafio3 lib/desafio4 lib/desafio5 \
	lib/swarm lib/cluster lib/borda lib/caixa lib/avaliar bench/bench bench/d3 tests/desafio1 tests/desafio2 tests/desafio3 \
	tests/desafio4 tests/desafio5 tests/ataques tests/swarm tests/cluster tests/borda tests/docs tests/errors \
	tests/clean tests/bench tests/hardening tests/leitura tests/avaliar tests/avaliador; do
	# shellcheck source=/dev/null # cada arquivo é verificado à parte (shellcheck nos *.sh)
	. "$ROOT/$part.sh"
done

# ---------------------------------------------------------- subcomandos

cmd_all() { cmd_1; cmd_2; cmd_3; cmd_4; cmd_5; }

# cmd_test [PARTE]: todas as partes, ou só uma (ex.: ./run.sh test 3).
cmd_test() {
	local part status t0 times=''
	preflight
	for part in ${1:-$TEST_PARTS}; do
		# shellcheck disable=SC2034 # TEST_PART: lido por record_failure (lib/verificacoes.sh)
		status=0 t0=$(date +%s) TEST_PART=$part
		rm -f "$WORK/erro"
		set +e
		(
			set -e
			"test_$part"
		)
		status=$?
		set -e
		if [ "$status" != 0 ]; then
			record_failure "teste '$part' abortou (código $status)$(if [ -s "$WORK/erro" ]; then
				printf ': %s' "$(head -c 300 "$WORK/erro")"
			fi); veja a saída acima"
			case $part in [1-5] | swarm | cluster) ("clean_$part" >/dev/null 2>&1) || true ;; esac
		fi
		times="$times  $part: $(($(date +%s) - t0)) s"$'\n'
	done
	printf '\nDuração das partes:\n%s' "$times"
}

cmd_clean() {
	preflight
	clean_strays
	clean_1
	clean_2
	clean_3
	clean_4
	clean_5
	clean_swarm
	clean_cluster
	clean_bench
	clean_leitura
	clean_avaliar
	section "Limpeza — imagens antigas (sem tag) deste projeto"
	run_quiet docker image prune -f --filter "label=$LABEL_KEY"
	echo "Limpeza concluída: nada deste projeto ficou para trás (o resto não foi tocado)."
}

usage() {
	cat <<EOF
Uso: ./run.sh <comando> [--dry-run]     (1 e 2 também com --endurecido)

Comandos:
  1        Desafio 1 — contêineres em rede (server + client em desafio1-net)
  2        Desafio 2 — volumes e persistência (SQLite em desafio2-volume)
  3        Desafio 3 — compose: web + Postgres + Redis (http://127.0.0.1:5000)
  4        Desafio 4 — microsserviços: service_a (5001) e service_b (7000)
  5        Desafio 5 — API gateway (5004) na frente de users (5003) e orders (5002)
  all      todos os desafios, em ordem
  swarm    opcional: o desafio 5 em Docker Swarm, com réplicas (gateway em :5004)
  cluster  opcional: o desafio 5 num swarm de NOS nós (Docker-in-Docker) na sua máquina, com um
           registry; a borda (:5010) na frente dos nós (./run.sh test cluster derruba nós)
  test     todos os desafios de ponta a ponta + exercícios de falha; limpa ao final
  test N   só uma parte: 1 a 5, ou docs, errors, swarm, cluster, leitura, avaliar, bench, clean
  bench    mede desempenho (gateway, cache, tempo até pronto, parada, imagens,
           rebuild) e grava uma tabela Markdown (--out=ARQUIVO; padrão .saida/bench.md)
  avaliar  modo professor: avalia entregas dos cinco desafios (pastas ou URLs git), cada uma
           num Docker engine descartável: ./run.sh avaliar PASTA|URL [...] [--saida PASTA]
  clean    remove contêineres, redes, volumes e imagens deste projeto (só os nossos)
  help     esta ajuda

Opções:
  --dry-run   só imprime os comandos, sem executar nada

Imagens base, com os padrões (use um mirror se o Docker Hub não estiver acessível):
  PYTHON_IMAGE ($DEFAULT_PYTHON_IMAGE), CLIENT_IMAGE ($DEFAULT_CLIENT_IMAGE),
  POSTGRES_IMAGE ($DEFAULT_POSTGRES_IMAGE), REDIS_IMAGE ($DEFAULT_REDIS_IMAGE), NGINX_IMAGE ($DEFAULT_NGINX_IMAGE; o bench),
  NODE_IMAGE ($DEFAULT_NODE_IMAGE) e REGISTRY_IMAGE ($DEFAULT_REGISTRY_IMAGE): os nós e o registry
  do cluster; HAPROXY_IMAGE ($DEFAULT_HAPROXY_IMAGE): a borda do cluster

Portas do host (publicadas só em 127.0.0.1; BIND_ADDRESS muda o endereço):
  WEB_PORT (5000), SERVICE_A_PORT (5001), SERVICE_B_PORT (7000),
  USERS_PORT (5003), ORDERS_PORT (5002), GATEWAY_PORT (5004), SWARM_PORT (5004, em todas as
  interfaces: o Swarm publica em modo host sem escolher o endereço),
  CLUSTER_PORT (5004: o gateway do nó 1; o nó N usa CLUSTER_PORT+N-1),
  CLUSTER_REGISTRY_PORT (5020: o registry do cluster, para o push), EDGE_PORT (5010: a borda)

Outras:
  WAIT_SECS      tempo máximo de cada espera, em segundos (padrão 60)
  COMPOSE        v1 ou v2: só o docker-compose (v1) ou só o plugin (padrão: o v2; sem ele, o v1)
  NOS            quantos nós o ./run.sh cluster cria (padrão 3, de 2 a 5; 3 são managers)
  BENCH_SECS, BENCH_ROUNDS  duração (s) e rodadas de cada caso de carga do bench (2 e 5)
  NO_COLOR       desliga as cores
  POSTGRES_PASSWORD  senha do Postgres do desafio 3 (padrão só para uso local)
  AVALIAR_*      o ./run.sh avaliar: TEMPO (900 s por entrega), PARALELO (1), MEMORIA (3g), CPUS (2),
                 PIDS (4096), DISCO (20480 MiB), SUBSTITUTAS, ESPELHO, DESAFIOS (veja avaliar/README.md)
EOF
}

cleanup_work() {
	if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}

# parse_args COMANDO ARGS...: as opções que cada comando aceita; o resto é erro de uso.
parse_args() {
	local cmd=$1 arg
	shift
	for arg in "$@"; do
		case $cmd:$arg in
			[1-5]:--dry-run | all:--dry-run | swarm:--dry-run | cluster:--dry-run | clean:--dry-run) DRY_RUN=1 ;;
			[12]:--endurecido | bench:--out=* | avaliar:*) ;; # lidas pelo próprio comando (cmd_N "$@")
			test:*)
				case " $TEST_PARTS " in
					*" $arg "*) TEST_ONLY="${TEST_ONLY:+$TEST_ONLY }$arg" ;;
					*) usage_error "parte de teste desconhecida: $arg (as partes: $TEST_PARTS)" ;;
				esac ;;
			*:-*) usage_error "opção desconhecida: $arg (em ./run.sh $cmd)" ;;
			*) usage_error "argumento inesperado para '$cmd': $arg" ;;
		esac
	done
}

TEST_ONLY=''     # ./run.sh test N: só a parte N
main() {
	local cmd=${1:-help}
	shift || true
	case $cmd in
		1 | 2 | 3 | 4 | 5 | all | swarm | cluster | test | bench | clean | avaliar) parse_args "$cmd" "$@" ;;
		help | -h | --help)
			usage
			return 0
			;;
		*) usage_error "comando desconhecido: $cmd" ;;
	esac
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/desafios-docker.XXXXXX")
	trap cleanup_work EXIT
	RESULTS="$WORK/results"
	LAST_OUT="$WORK/last.out"
	: >"$RESULTS"
	: >"$LAST_OUT"
	case $cmd in
		test) cmd_test "$TEST_ONLY" ;;
		clean)
			cmd_clean
			return 0
			;;
		avaliar) cmd_avaliar "$@"; return ;; # o resumo é o da turma, não "N passed"
		*) "cmd_$cmd" "$@" ;;
	esac
	if [ "$DRY_RUN" = 0 ]; then summary; fi
}

main "$@"
