#!/usr/bin/env bash
#
# run.sh — ponto de entrada único do curso "Docker em cinco desafios".
#
# Cada subcomando roda os mesmos comandos docker que o README.md mostra,
# imprimindo cada um antes de executar, verifica o resultado com curl/grep e
# deixa o desafio rodando para você explorar. `./run.sh help` mostra o uso.
#
# Compatível com o bash 3.2 do macOS (só recursos que ele já tem; ver CONVENTIONS).

set -euo pipefail

# ---------------------------------------------------------------- constantes

ROOT=$(cd "$(dirname "$0")" && pwd)
readonly ROOT
readonly SELF="$ROOT/run.sh"

# Rótulo gravado em toda imagem (LABEL) e contêiner deste projeto: é o que
# permite ao `clean` distinguir o que é nosso do que é seu.
readonly LABEL_KEY=desafios-docker.desafio

# Imagens base oficiais (tags fixas). Sobrescreva pelas variáveis de mesmo nome
# para usar um mirror ou imagens locais; os Dockerfiles/compose têm os mesmos
# padrões (./run.sh test confere que não divergem).
readonly DEFAULT_PYTHON_IMAGE=python:3.13.9-slim
readonly DEFAULT_CLIENT_IMAGE=curlimages/curl:8.16.0
readonly DEFAULT_POSTGRES_IMAGE=postgres:17.6
readonly DEFAULT_REDIS_IMAGE=redis:7.4.5
PYTHON_IMAGE=${PYTHON_IMAGE:-$DEFAULT_PYTHON_IMAGE}
CLIENT_IMAGE=${CLIENT_IMAGE:-$DEFAULT_CLIENT_IMAGE}
POSTGRES_IMAGE=${POSTGRES_IMAGE:-$DEFAULT_POSTGRES_IMAGE}
REDIS_IMAGE=${REDIS_IMAGE:-$DEFAULT_REDIS_IMAGE}

# Tempo máximo (s) de cada espera por um sinal real (log, health, HTTP).
WAIT_SECS=${WAIT_SECS:-60}

DRY_RUN=0        # 1: só imprime os comandos (--dry-run)
WORK=''          # diretório temporário desta execução
RESULTS=''       # arquivo com uma linha "ok"/"falhou" por verificação
LAST_OUT=''      # saída do último comando executado por run()
COMPOSE=()       # (docker compose) ou (docker-compose), detectado sob demanda

# ------------------------------------------------------------- saída na tela

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	C_CMD=$'\033[36m' C_OK=$'\033[32m' C_FAIL=$'\033[31m' C_HEAD=$'\033[1m' C_OFF=$'\033[0m'
else
	C_CMD='' C_OK='' C_FAIL='' C_HEAD='' C_OFF=''
fi

info() { printf '%s\n' "$*" >&2; }
warn() { printf '%saviso:%s %s\n' "$C_FAIL" "$C_OFF" "$*" >&2; }
die() {
	printf '%serro:%s %s\n' "$C_FAIL" "$C_OFF" "$*" >&2
	exit 1
}
section() { printf '\n%s== %s ==%s\n' "$C_HEAD" "$*" "$C_OFF"; }

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

# run CMD...: mostra o comando exatamente como no README e o executa.
# A saída (stdout+stderr) aparece na tela enquanto o comando roda (um build
# longo não parece travado) e fica em $LAST_OUT; se falhar, explain_failure
# traduz os erros conhecidos em uma mensagem com a solução.
run() {
	printf '%s$ %s%s\n' "$C_CMD" "$(shell_quote "$@")" "$C_OFF"
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	local status=0
	"$@" 2>&1 | tee "$LAST_OUT" | strip_ansi || status=$?
	if [ "$status" != 0 ]; then
		explain_failure "$LAST_OUT"
		return "$status"
	fi
}

# run_quiet CMD...: como run, mas a saída só aparece se o comando falhar.
run_quiet() {
	printf '%s$ %s%s\n' "$C_CMD" "$(shell_quote "$@")" "$C_OFF"
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	local status=0
	"$@" >"$LAST_OUT" 2>&1 || status=$?
	if [ "$status" != 0 ]; then
		strip_ansi <"$LAST_OUT"
		explain_failure "$LAST_OUT"
		return "$status"
	fi
}

# Fora de um terminal, tira as sequências ANSI (cores, "apaga linha") da saída.
strip_ansi() {
	if [ -t 1 ]; then
		cat
	else
		sed $'s/\033\\[[0-9;?]*[A-Za-z]//g'
	fi
}

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
		warn "Uma porta do host já está em uso por outro programa (no macOS, o AirPlay usa a 5000)." \
			"Solução: escolha outra porta, ex.: WEB_PORT=5050 ./run.sh 3 (veja as variáveis *_PORT no README)."
	elif grep -qi 'permission denied' "$f"; then
		warn "Permissão negada ao falar com o Docker. No Linux: sudo usermod -aG docker \$USER e abra uma nova sessão."
	fi
}

# ------------------------------------------------------------ verificações

# check "descrição" CMD...: roda CMD; conta ok/falhou. Quando falha, o que o
# comando imprimiu é o motivo.
check() {
	local desc=$1 out status=0
	shift
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	out=$("$@" 2>&1) || status=$?
	if [ "$status" = 0 ]; then
		printf '  %sok%s      %s\n' "$C_OK" "$C_OFF" "$desc"
		echo ok >>"$RESULTS"
	else
		printf '  %sfalhou%s  %s\n' "$C_FAIL" "$C_OFF" "$desc"
		if [ -n "$out" ]; then printf '%s\n' "$out" | sed 's/^/          /' | head -n 60 || true; fi
		echo falhou >>"$RESULTS"
	fi
}

# Registra uma falha que não veio de check (ex.: um desafio que abortou).
record_failure() {
	printf '  %sfalhou%s  %s\n' "$C_FAIL" "$C_OFF" "$1"
	echo falhou >>"$RESULTS"
}

count_results() { grep -c "^$1\$" "$RESULTS" || true; }

summary() {
	local passed failed
	passed=$(count_results ok)
	failed=$(count_results falhou)
	echo
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# Asserções usadas por check: silenciosas quando passam, explicam quando não.
# grep -q recebe o texto por here-string, nunca por pipe: com pipefail, um
# `printf ... | grep -q` falha à toa quando o grep sai antes de o printf
# terminar de escrever (SIGPIPE) — por isso, fluxos vão para `grep ... >/dev/null`.
contains() { # TEXTO PADRÃO(grep -E)
	if grep -qE -- "$2" <<<"$1"; then return 0; fi
	printf 'esperado: /%s/\nobtido: %s\n' "$2" "$(printf '%s' "$1" | head -c 600)"
	return 1
}
not_contains() {
	if ! grep -qE -- "$2" <<<"$1"; then return 0; fi
	printf 'não deveria conter: /%s/\nobtido: %s\n' "$2" "$(printf '%s' "$1" | head -c 600)"
	return 1
}
equals() {
	if [ "$1" = "$2" ]; then return 0; fi
	printf 'esperado: %s\nobtido:   %s\n' "$2" "$1"
	return 1
}
# failed_with STATUS SAÍDA PADRÃO: o comando falhou (status != 0) dizendo PADRÃO.
failed_with() {
	if [ "$1" = 0 ]; then
		echo "o comando terminou com sucesso; esperava uma falha"
		return 1
	fi
	contains "$2" "$3"
}
less_than() {
	if [ "$1" -lt "$2" ]; then return 0; fi
	printf 'esperado menos que %s, obtido %s\n' "$2" "$1"
	return 1
}

# wait_until "descrição" CMD...: repete CMD (a cada 0,5 s) até dar certo ou
# passar $WAIT_SECS segundos. Nada de sleep fixo como espera.
wait_until() {
	local desc=$1 deadline tries=0
	shift
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	deadline=$((SECONDS + WAIT_SECS))
	until "$@" >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ "$SECONDS" -ge "$deadline" ] || [ "$tries" -gt $((WAIT_SECS * 4)) ]; then
			warn "tempo esgotado (${WAIT_SECS}s) esperando: $desc"
			return 1
		fi
		sleep 0.5
	done
}

# Milissegundos desde a época, com a melhor fonte disponível.
now_ms() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		echo $((t / 1000))
	elif command -v perl >/dev/null 2>&1; then
		perl -MTime::HiRes=time -e 'printf "%d\n", time() * 1000'
	else
		echo $(($(date +%s) * 1000))
	fi
}

# curl direto para 127.0.0.1, mesmo com HTTP_PROXY/http_proxy no ambiente.
hcurl() { curl --noproxy '*' "$@"; }

# elapsed_ms CMD...: roda CMD (sem a saída) e imprime quantos milissegundos levou.
elapsed_ms() {
	local t0 t1
	t0=$(now_ms)
	"$@" >/dev/null
	t1=$(now_ms)
	echo $((t1 - t0))
}

# HTTP: imprime o corpo; o status vai para $WORK/status e os cabeçalhos para $WORK/headers.
http_get() {
	local url=$1 code
	rm -f "$WORK/body" "$WORK/headers"
	code=$(hcurl -sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' \
		--connect-timeout 3 --max-time 10 "$url" 2>"$WORK/curl.err") || code=000
	echo "$code" >"$WORK/status"
	cat "$WORK/body" 2>/dev/null || true
}
http_status() { cat "$WORK/status"; }

# expect_http URL STATUS [PADRÃO]: status primeiro, depois o corpo.
expect_http() {
	local body
	body=$(http_get "$1")
	equals "$(http_status)" "$2" || {
		printf 'corpo: %s\n' "$(printf '%s' "$body" | head -c 400)"
		return 1
	}
	if [ $# -ge 3 ]; then contains "$body" "$3"; fi
}

# --------------------------------------------------------- docker: recursos

preflight() {
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	if ! command -v docker >/dev/null 2>&1; then
		die "Docker não encontrado no PATH. Instale o Docker Desktop (macOS/Windows com WSL2)" \
			"ou o Docker Engine (Linux: https://docs.docker.com/engine/install/) e rode de novo."
	fi
	local err
	if ! err=$(docker version --format '{{.Server.Version}}' 2>&1 >/dev/null); then
		case $err in
			*[Pp]ermission\ denied*)
				die "Permissão negada no socket do Docker (docker.sock). No Linux: sudo usermod -aG docker \$USER," \
					"depois saia e entre de novo na sessão (ou rode com sudo)." ;;
			*)
				die "O daemon do Docker não está rodando (ou não responde). Abra o Docker Desktop," \
					"ou no Linux: sudo systemctl start docker. Detalhe: $(printf '%s' "$err" | head -n 1)" ;;
		esac
	fi
}

# Compose v2 (plugin "docker compose") ou, na falta dele, v1 ("docker-compose").
detect_compose() {
	if [ "${#COMPOSE[@]}" -gt 0 ]; then return 0; fi
	if docker compose version >/dev/null 2>&1; then
		COMPOSE=(docker compose)
	elif command -v docker-compose >/dev/null 2>&1; then
		COMPOSE=(docker-compose)
		warn "usando Compose v1 (docker-compose); prefira o v2: https://docs.docker.com/compose/install/"
	elif [ "$DRY_RUN" = 1 ]; then
		COMPOSE=(docker compose)
	else
		die "Docker Compose não encontrado. Instale o plugin Compose v2 (vem com o Docker Desktop;" \
			"no Linux: pacote docker-compose-plugin) e rode de novo."
	fi
}

# compose ARGS...: roda o compose detectado, narrado como os demais comandos;
# dc ARGS...: o mesmo, sem narrar (consultas internas das verificações).
compose() {
	detect_compose
	run "${COMPOSE[@]}" "$@"
}
dc() { "${COMPOSE[@]}" "$@"; }

# Rótulo LABEL_KEY do contêiner, da imagem ou vazio. Falha se não existe.
container_label() {
	docker container inspect -f "{{index .Config.Labels \"$LABEL_KEY\"}}" "$1" 2>/dev/null
}
image_label() {
	docker image inspect -f "{{index .Config.Labels \"$LABEL_KEY\"}}" "$1" 2>/dev/null
}
exists_container() { docker container inspect "$1" >/dev/null 2>&1; }

# Um contêiner com um dos nossos nomes que não foi criado por este projeto
# nunca é removido: paramos com uma mensagem.
ensure_not_foreign() {
	local name label
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	for name in "$@"; do
		label=$(container_label "$name") || continue
		case $label in
			'' | '<no value>')
				die "Já existe um contêiner chamado '$name' que não foi criado por este projeto;" \
					"não vou removê-lo. Renomeie-o (docker rename $name $name-antigo) ou remova-o" \
					"você mesmo (docker rm -f $name) e rode de novo." ;;
		esac
	done
}

# Remove (com -f) os contêineres nossos que existirem entre os nomes dados;
# um alheio com o mesmo nome fica onde está, com um aviso.
remove_our_containers() {
	local name label found=()
	for name in "$@"; do
		if [ "$DRY_RUN" = 0 ]; then
			label=$(container_label "$name") || continue
			case $label in
				'' | '<no value>')
					warn "o contêiner '$name' não é deste projeto: mantido"
					continue ;;
			esac
		fi
		found+=("$name")
	done
	if [ "${#found[@]}" -gt 0 ]; then run_quiet docker rm -f "${found[@]}"; fi
}

# set_build_args VARIÁVEL: BUILD_ARGS ganha --build-arg VARIÁVEL=valor só quando
# a imagem base difere do padrão, para que o comando impresso seja o do README
# no caso comum. Uso: docker build ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} ...
# (a forma ${a[@]+...} porque o bash 3.2 com set -u recusa um array vazio).
BUILD_ARGS=()
set_build_args() {
	local default_name=DEFAULT_$1
	BUILD_ARGS=()
	if [ "${!1}" != "${!default_name}" ]; then BUILD_ARGS=(--build-arg "$1=${!1}"); fi
}

port_in_use() { # PORTA: algo aceita conexões em 127.0.0.1:PORTA?
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ----------------------------------------------------------- desafio 1

client_logs() { docker logs client 2>&1; }

cmd_1() {
	section "Desafio 1 — containers em rede"
	preflight
	ensure_not_foreign server client
	cd_run desafio1
	remove_our_containers server client
	if [ "$DRY_RUN" = 0 ] && docker network inspect desafio1-net >/dev/null 2>&1; then
		info "(a rede desafio1-net já existe: reaproveitando)"
	else
		run docker network create desafio1-net
	fi
	set_build_args PYTHON_IMAGE
	run docker build ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} -t d1-server -f Dockerfile.server .
	set_build_args CLIENT_IMAGE
	run docker build ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} -t d1-client -f Dockerfile.client .
	run docker run -d --network desafio1-net --name server d1-server
	run docker run -d --network desafio1-net --name client d1-client
	wait_until "a primeira resposta do servidor nos logs do client" d1_client_got_answer || true
	run docker logs client

	echo "Verificações:"
	check "a rede desafio1-net é uma bridge definida pelo usuário" \
		d1_network_is_bridge
	check "server e client estão conectados à rede desafio1-net" d1_both_on_network
	check "o client alcança http://server:8080 pelo nome (DNS do Docker) e recebe a resposta" \
		d1_client_got_answer
	check "a resposta traz o hostname do contêiner server (prova de quem respondeu)" \
		d1_answer_names_server
	check "o servidor roda como usuário não-root" not_root_in server
	if [ "$DRY_RUN" = 0 ]; then
		cat <<-EOF

		Desafio 1 rodando. Para explorar:
		  docker logs -f client          # respostas chegando a cada 2 s (Ctrl+C para sair)
		  docker network inspect desafio1-net
		  docker stop server             # o client passa a dizer "servidor indisponível"
		  docker start server            # ... e volta a receber respostas sozinho
		EOF
	fi
}

d1_network_is_bridge() {
	equals "$(docker network inspect -f '{{.Driver}}' desafio1-net)" bridge
}
d1_both_on_network() {
	local names
	names=$(docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' desafio1-net)
	contains "$names" '(^| )server( |$)' && contains "$names" '(^| )client( |$)'
}
d1_client_got_answer() {
	contains "$(client_logs)" 'resposta: \{.*"mensagem":"Olá do servidor Flask!"'
}
d1_answer_names_server() {
	local host
	host=$(docker container inspect -f '{{.Config.Hostname}}' server)
	contains "$(client_logs | grep 'resposta:')" "\"servidor\":\"$host\""
}
not_root_in() { # CONTÊINER
	local uid
	uid=$(docker exec "$1" id -u)
	if [ "$uid" != 0 ]; then return 0; fi
	echo "uid dentro de $1: $uid (root)"
	return 1
}

# stop_fast CONTÊINER: docker stop termina bem abaixo de 1 s (PID 1 trata SIGTERM).
stop_fast() {
	local ms code
	ms=$(elapsed_ms docker stop "$1")
	code=$(docker container inspect -f '{{.State.ExitCode}}' "$1")
	if [ "$code" = 137 ]; then
		echo "$1 precisou de SIGKILL (código 137): o PID 1 ignorou o SIGTERM"
		return 1
	fi
	less_than "$ms" 1000 || {
		echo "(ms para docker stop $1)"
		return 1
	}
}

test_1() {
	cmd_1
	echo "Exercícios de falha:"
	docker stop server >/dev/null
	check "com o server parado, o client escreve uma linha clara de erro e continua" \
		wait_until "linha de servidor indisponível" d1_client_reports_down
	local before
	before=$(client_logs | grep -c 'resposta:' || true)
	docker start server >/dev/null
	check "com o server de volta, o client volta a receber respostas sozinho" \
		wait_until "nova resposta" d1_more_answers_than "$before"
	check "docker stop server termina em menos de 1 s" stop_fast server
	check "docker stop client termina em menos de 1 s" stop_fast client

	clean_1 >/dev/null
	docker create --name server "$PYTHON_IMAGE" true >/dev/null
	local out status=0
	out=$("$SELF" 1 2>&1) || status=$?
	check "./run.sh 1 recusa remover um contêiner 'server' que não é deste projeto" \
		d1_refused_foreign "$status" "$out"
	"$SELF" clean >/dev/null 2>&1 || true
	check "./run.sh clean também mantém o 'server' alheio" \
		equals "$(container_label server || echo removido)" ''
	docker rm -f server >/dev/null 2>&1 || true
	clean_1 >/dev/null
}

d1_client_reports_down() {
	client_logs | grep 'servidor indisponível em http://server:8080' >/dev/null &&
		[ "$(docker container inspect -f '{{.State.Running}}' client)" = true ]
}
d1_more_answers_than() {
	[ "$(client_logs | grep -c 'resposta:')" -gt "$1" ]
}
d1_refused_foreign() { # STATUS SAÍDA
	failed_with "$1" "$2" "não foi criado por este projeto" || return 1
	equals "$(container_label server || echo removido)" ''
}

clean_1() {
	section "Limpeza — desafio 1"
	remove_our_containers server client
	remove_if_exists network desafio1-net
	remove_our_images d1-server d1-client
}

# remove_if_exists network|volume NOME: remove se existir; se algo de fora
# ainda o usa, o docker recusa e ele fica, com um aviso.
remove_if_exists() {
	if [ "$DRY_RUN" = 0 ] && ! docker "$1" inspect "$2" >/dev/null 2>&1; then return 0; fi
	run_quiet docker "$1" rm "$2" || warn "$1 $2 mantido (algum contêiner de fora ainda o usa?)"
}
# Remove só as imagens com o rótulo do projeto.
remove_our_images() {
	local img label found=()
	for img in "$@"; do
		if [ "$DRY_RUN" = 0 ]; then
			label=$(image_label "$img") || continue
			case $label in '' | '<no value>') warn "imagem $img não é deste projeto: mantida"; continue ;; esac
		fi
		found+=("$img")
	done
	if [ "${#found[@]}" -gt 0 ]; then run_quiet docker rmi "${found[@]}"; fi
}

# ----------------------------------------------------------- desafio 2

# total_of SAÍDA: o N de "Total: N aluno(s)".
total_of() { printf '%s\n' "$1" | sed -n 's/^Total: \([0-9][0-9]*\) aluno.*/\1/p'; }
rows_of() { printf '%s\n' "$1" | grep '^  #' || true; }

cmd_2() {
	section "Desafio 2 — volumes e persistência"
	preflight
	ensure_not_foreign d2-db
	cd_run desafio2
	remove_our_containers d2-db
	if [ "$DRY_RUN" = 0 ] && docker volume inspect desafio2-volume >/dev/null 2>&1; then
		info "(o volume desafio2-volume já existe: os dados de execuções anteriores continuam lá)"
	else
		run docker volume create desafio2-volume
	fi
	local first second without
	set_build_args PYTHON_IMAGE
	run docker build ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} -t d2-image .
	run docker run --name d2-db -v desafio2-volume:/data d2-image
	first=$(cat "$LAST_OUT")
	run docker rm d2-db
	run docker run --name d2-db -v desafio2-volume:/data d2-image
	second=$(cat "$LAST_OUT")
	echo "Contraprova: o mesmo contêiner sem o volume começa sempre do zero:"
	run docker run --rm d2-image
	without=$(cat "$LAST_OUT")

	echo "Verificações:"
	check "a segunda execução mostra exatamente uma linha a mais que a primeira" \
		d2_one_more "$first" "$second"
	check "as linhas da primeira execução continuam iguais na segunda" \
		d2_rows_kept "$first" "$second"
	check "sem o volume, a tabela começa vazia (o aluno inserido é o único)" \
		equals "$(total_of "$without")" 1
	check "o banco está no volume: /data/data.db existe em desafio2-volume" d2_db_on_volume
	if [ "$DRY_RUN" = 0 ]; then
		cat <<-EOF

		Desafio 2 pronto. Para explorar:
		  docker rm d2-db && docker run --name d2-db -v desafio2-volume:/data d2-image   # +1 linha
		  docker volume inspect desafio2-volume
		EOF
	fi
}

d2_one_more() {
	local a b
	a=$(total_of "$1")
	b=$(total_of "$2")
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "não achei 'Total: N aluno(s)' nas saídas (primeira: '$a', segunda: '$b')"
		return 1
	fi
	equals "$b" $((a + 1))
}
d2_rows_kept() {
	local a n
	a=$(rows_of "$1")
	n=$(printf '%s\n' "$a" | grep -c . || true)
	if [ "$n" = 0 ]; then
		echo "a primeira execução não listou linhas"
		return 1
	fi
	equals "$(rows_of "$2" | head -n "$n")" "$a"
}
d2_db_on_volume() {
	contains "$(docker run --rm -v desafio2-volume:/data --entrypoint ls d2-image -l /data)" 'data\.db'
}

test_2() {
	cmd_2
	echo "Exercícios de falha:"
	check "o script roda como usuário não-root" \
		contains "$(docker run --rm --entrypoint id d2-image -u)" '^[1-9][0-9]*$'
	check "sem permissão de escrita em /data, o erro é uma frase clara (sem traceback)" \
		d2_clear_error_on_readonly
	local out status=0
	out=$(PYTHON_IMAGE=desafios-docker-inexistente/python:0 "$SELF" 2 2>&1) || status=$?
	check "imagem base impossível de baixar: mensagem com a solução (*_IMAGE, mirror)" \
		failed_with "$status" "$out" 'Não foi possível baixar uma imagem base.*PYTHON_IMAGE='

	clean_2 >/dev/null
}

d2_clear_error_on_readonly() {
	local out status=0
	out=$(docker run --rm --read-only d2-image 2>&1) || status=$?
	failed_with "$status" "$out" 'erro: não foi possível usar o banco' && not_contains "$out" 'Traceback'
}

clean_2() {
	section "Limpeza — desafio 2"
	remove_our_containers d2-db
	remove_if_exists volume desafio2-volume
	remove_our_images d2-image
}

# ------------------------------------------------- compose (desafios 3 a 5)

# O compose lê PYTHON_IMAGE etc. do ambiente: exportamos os valores em uso.
export PYTHON_IMAGE POSTGRES_IMAGE REDIS_IMAGE

# ID do contêiner de um serviço do projeto compose da pasta atual.
service_id() { dc ps -q "$1" 2>/dev/null | head -n 1; }

service_health() {
	local id
	id=$(service_id "$1")
	[ -n "$id" ] || return 1
	docker container inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id"
}
is_healthy() { [ "$(service_health "$1")" = healthy ]; }

# wait_healthy SERVIÇO...: espera o healthcheck de cada um (limitado por WAIT_SECS).
wait_healthy() {
	local svc
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	for svc in "$@"; do
		if ! wait_until "o serviço $svc ficar saudável" is_healthy "$svc"; then
			warn "$svc não ficou saudável; últimas linhas do log:"
			dc logs --tail 20 "$svc" >&2 || true
			return 1
		fi
	done
	info "serviços saudáveis: $*"
}

# Antes de subir: cada porta publicada precisa estar livre ou já ser nossa.
ensure_ports_free() { # PROJETO VARIÁVEL=PORTA...
	local project=$1 pair var port
	shift
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	for pair in "$@"; do
		var=${pair%%=*}
		port=${pair#*=}
		# o nosso próprio serviço, de uma execução anterior (desafio3-web-1 no v2, desafio3_web_1 no v1)
		if docker ps --filter "label=com.docker.compose.project=$project" --filter "publish=$port" \
			--format '{{.Names}}' | grep -E "^${project}[-_]" >/dev/null; then
			continue
		fi
		if port_in_use "$port"; then
			die "A porta $port do host já está em uso por outro programa (no macOS, o AirPlay" \
				"Receiver ocupa a 5000). Escolha outra porta, ex.: $var=$((port + 50)) ./run.sh ${project#desafio}" \
				"— ou libere a porta (lsof -i :$port mostra quem a usa)."
		fi
	done
}

# started_at SERVIÇO: quando o contêiner começou (para provar que não reiniciou).
started_at() { docker container inspect -f '{{.State.StartedAt}}' "$(service_id "$1")"; }

# json_number CHAVE: o número (inteiro ou decimal) da CHAVE num JSON simples (stdin).
json_number() { grep -oE "\"$1\": ?[0-9.]+" | head -n 1 | sed -E 's/.*: ?//'; }

# header VALOR do último http_get
last_header() { grep -i "^$1:" "$WORK/headers" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }

# ----------------------------------------------------------- desafio 3

WEB_PORT=${WEB_PORT:-5000}
export WEB_PORT
D3="http://127.0.0.1:$WEB_PORT"

d3_up() {
	compose up --build -d
	wait_healthy db cache web
}

cmd_3() {
	section "Desafio 3 — docker compose: web + Postgres + Redis"
	preflight
	detect_compose
	ensure_ports_free desafio3 "WEB_PORT=$WEB_PORT"
	cd_run desafio3
	d3_up
	compose logs --tail 10 web

	echo "Verificações ($D3):"
	local before='' after='' logs_before=0
	if [ "$DRY_RUN" = 0 ]; then
		before=$(http_get "$D3/" | json_number acessos || true)
		after=$(http_get "$D3/" | json_number acessos || true)
	fi
	check "GET / responde 200 e o contador sobe de um em um ($before -> $after)" \
		d3_counter_step "$before" "$after"
	check "GET /log mostra o último acesso (número $after) primeiro" \
		expect_http "$D3/log?limit=5" 200 "^\\{\"total\":[0-9]+,\"limite\":5,\"acessos\":\\[\\{\"id\":[0-9]+,\"numero\":$after,"
	check "GET /todos lista os 5 alunos semeados pelo initdb" \
		expect_http "$D3/todos" 200 '"total":5,"alunos":\[\{"id":1,"nome":"Ana Souza"'
	compose exec -T cache redis-cli DEL aluno:1
	check "GET /aluno/1 na primeira vez vem do banco (X-Cache: MISS, 1 consulta)" d3_aluno_cache 1 MISS
	check "GET /aluno/1 na segunda vez vem do Redis (X-Cache: HIT, 0 consultas ao Postgres)" d3_aluno_cache 1 HIT
	check "GET /health: web, db e cache ok" \
		expect_http "$D3/health" 200 '"web":"ok","db":"ok","cache":"ok"'

	echo "Persistência: down e up de novo mantêm contador e histórico (volumes nomeados):"
	if [ "$DRY_RUN" = 0 ]; then logs_before=$(http_get "$D3/log" | json_number total || true); fi
	compose down
	d3_up
	check "depois de down/up o contador continua de onde parou (> $after)" \
		d3_counter_after "$after"
	check "depois de down/up o histórico ainda tem os acessos anteriores" \
		d3_log_total_at_least $((logs_before + 1))
	if [ "$DRY_RUN" = 0 ]; then
		cat <<-EOF

		Desafio 3 rodando em $D3. Para explorar:
		  curl $D3/            curl $D3/log?limit=5
		  curl $D3/todos       curl -i $D3/aluno/1    (veja X-Cache)
		  cd desafio3 && docker compose logs -f web
		  docker compose stop cache && curl -i $D3/aluno/2   # responde do banco e avisa
		EOF
	fi
}

d3_counter_step() {
	if [ -z "$1" ] || [ -z "$2" ]; then
		echo "GET / não devolveu \"acessos\" (status $(http_status))"
		return 1
	fi
	equals "$2" $(($1 + 1))
}
d3_counter_after() {
	local n
	n=$(http_get "$D3/" | json_number acessos || true)
	equals "$(http_status)" 200 || return 1
	if [ -n "$n" ] && [ "$n" -gt "$1" ]; then return 0; fi
	echo "contador depois do down/up: '$n' (antes: $1) — os dados do Redis se perderam?"
	return 1
}
d3_log_total_at_least() {
	local n
	n=$(http_get "$D3/log" | json_number total || true)
	equals "$(http_status)" 200 || return 1
	if [ -n "$n" ] && [ "$n" -ge "$1" ]; then return 0; fi
	echo "total no /log: '$n', esperado ao menos $1 — os dados do Postgres se perderam?"
	return 1
}
d3_aluno_cache() { # ID ESPERADO(HIT|MISS|BYPASS)
	expect_http "$D3/aluno/$1" 200 "\"aluno\":\\{\"id\":$1," || return 1
	equals "$(last_header X-Cache)" "$2" || return 1
	case $2 in
		HIT) equals "$(last_header X-Consultas-DB) consulta(s) ao Postgres" "0 consulta(s) ao Postgres" ;;
		*) equals "$(last_header X-Consultas-DB) consulta(s) ao Postgres" "1 consulta(s) ao Postgres" ;;
	esac
}

test_3() {
	cmd_3
	echo "Exercícios de falha e de carga:"
	check "testes unitários da web (dentro da imagem)" \
		dc run --rm --no-deps web python -m unittest
	check "50 GET / concorrentes: contador +50 e exatamente 50 novas linhas no log" d3_concurrency 50
	check "entradas ruins viram 4xx com JSON (nunca 500 nem traceback)" d3_bad_input

	local web_started
	web_started=$(started_at web)
	compose stop cache
	check "cache parado: /todos responde do banco e avisa (X-Cache: BYPASS)" \
		d3_bypass "$D3/todos" '"total":5'
	check "cache parado: /aluno/2 responde do banco e avisa" d3_bypass "$D3/aluno/2" '"id":2'
	check "cache parado: GET / responde 503 com JSON" expect_http "$D3/" 503 '"erro":"cache \(redis\) indisponível'
	compose start cache
	wait_healthy cache
	check "cache de volta: /aluno/3 faz MISS e depois HIT sem reiniciar a web" d3_cache_back 3

	compose stop db
	check "db parado: /todos e /log respondem 503 JSON em poucos segundos" d3_db_down
	compose start db
	wait_healthy db
	check "db de volta: /log responde 200 sem reiniciar a web" \
		wait_until "/log voltar a responder 200" expect_http "$D3/log?limit=1" 200
	check "a web não foi reiniciada durante as falhas" equals "$(started_at web)" "$web_started"

	for svc in web db cache; do
		check "docker stop do $svc termina em menos de 1 s" stop_fast "$(service_id "$svc")"
	done

	compose down -v
	d3_up
	check "down -v zera tudo: o primeiro acesso depois é o número 1" \
		expect_http "$D3/" 200 '"acessos":1\}'
	check "down -v zera tudo: o histórico só tem esse acesso" \
		expect_http "$D3/log" 200 '^\{"total":1,'

	local port=$((WEB_PORT + 55)) out status=0
	# um "outro programa" ocupando a porta: um servidor HTTP qualquer, que não é nosso
	docker run -d --rm --name desafios-docker-porta-ocupada -p "127.0.0.1:$port:8000" \
		"$PYTHON_IMAGE" python -m http.server 8000 >/dev/null
	wait_until "a porta $port ficar ocupada" port_in_use "$port" || true
	out=$(WEB_PORT=$port "$SELF" 3 2>&1) || status=$?
	docker rm -f desafios-docker-porta-ocupada >/dev/null 2>&1 || true
	check "porta do host ocupada: ./run.sh 3 para com a mensagem e a solução (WEB_PORT)" \
		failed_with "$status" "$out" "A porta $port do host já está em uso.*WEB_PORT="
	clean_3 >/dev/null
}

d3_concurrency() {
	local n=$1 c0 l0 c1 l1
	c0=$(docker exec "$(service_id cache)" redis-cli GET contador:acessos)
	l0=$(http_get "$D3/log" | json_number total)
	for _ in $(seq 1 "$n"); do
		hcurl -s -o /dev/null --max-time 20 "$D3/" &
	done
	wait
	c1=$(docker exec "$(service_id cache)" redis-cli GET contador:acessos)
	l1=$(http_get "$D3/log" | json_number total)
	equals "$((c1 - c0)) contador, $((l1 - l0)) linhas" "$n contador, $n linhas"
}

d3_bad_input() {
	local path code bad=0 body
	for path in /aluno/abc /aluno/-1 /aluno/0 /aluno/99999999999 /aluno/2147483648 \
		"/aluno/1%27%20OR%20%271%27=%271" "/aluno/1;DROP%20TABLE%20alunos" \
		"/log?limit=abc" "/log?limit=-5" "/log?limit=0" "/log?limit=%C2%B2" /nao-existe; do
		body=$(http_get "$D3$path")
		code=$(http_status)
		case $code in
			4??) contains "$body" '^\{"erro":"' >/dev/null || {
				echo "$path -> $code sem JSON de erro: $body"
				bad=1
			} ;;
			*) echo "$path -> $code (esperado 4xx): $body"; bad=1 ;;
		esac
	done
	body=$(http_get "$D3/log?limit=999999999999999999999")
	equals "$(http_status)" 200 || bad=1
	contains "$body" '"limite":100,' || bad=1
	[ "$bad" = 0 ]
}

d3_bypass() { # URL PADRÃO
	expect_http "$1" 200 "$2" || return 1
	equals "$(last_header X-Cache)" BYPASS || return 1
	contains "$(cat "$WORK/body")" '"fonte":"banco","aviso":"cache indisponível'
}
d3_cache_back() {
	wait_until "o cache voltar a responder" d3_aluno_cache "$1" MISS || d3_aluno_cache "$1" MISS || return 1
	d3_aluno_cache "$1" HIT
}
d3_db_down() {
	local url
	for url in "$D3/todos" "$D3/log"; do
		# /todos pode estar no cache; apagamos a chave para forçar o banco
		docker exec "$(service_id cache)" redis-cli DEL alunos:todos >/dev/null
		answers_within "$url" 503 '^\{"erro":"banco de dados \(db\) indisponível' 5000 || return 1
	done
}

clean_3() {
	section "Limpeza — desafio 3"
	detect_compose
	cd_run desafio3
	compose down -v --rmi local --remove-orphans
	cd "$ROOT"
}

# ------------------------------------------ auxiliares HTTP dos desafios 3 a 5

# same_response URL_DIRETA URL_GATEWAY: mesmo status, Content-Type e corpo byte a byte.
same_response() {
	local a b
	a=$(hcurl -sS -o "$WORK/a.body" -w '%{http_code} %{content_type}' --max-time 10 "$1") || return 1
	b=$(hcurl -sS -o "$WORK/b.body" -w '%{http_code} %{content_type}' --max-time 10 "$2") || return 1
	equals "$b" "$a" || return 1
	if ! cmp -s "$WORK/a.body" "$WORK/b.body"; then
		printf 'corpos diferentes:\n  %s: %s\n  %s: %s\n' "$1" "$(head -c 300 "$WORK/a.body")" \
			"$2" "$(head -c 300 "$WORK/b.body")"
		return 1
	fi
}

# answers_within URL STATUS PADRÃO MS: a resposta certa chega em menos de MS ms.
answers_within() {
	local t0 t1
	t0=$(now_ms)
	expect_http "$1" "$2" "$3" || return 1
	t1=$(now_ms)
	less_than $((t1 - t0)) "$4" || {
		echo "(ms até a resposta de $1)"
		return 1
	}
}

# ----------------------------------------------------------- desafio 4

SERVICE_A_PORT=${SERVICE_A_PORT:-5001}
SERVICE_B_PORT=${SERVICE_B_PORT:-7000}
export SERVICE_A_PORT SERVICE_B_PORT
A="http://127.0.0.1:$SERVICE_A_PORT"
B="http://127.0.0.1:$SERVICE_B_PORT"

cmd_4() {
	section "Desafio 4 — microsserviços independentes (service_a e service_b)"
	preflight
	detect_compose
	ensure_ports_free desafio4 "SERVICE_A_PORT=$SERVICE_A_PORT" "SERVICE_B_PORT=$SERVICE_B_PORT"
	cd_run desafio4
	compose up --build -d
	wait_healthy service_a service_b

	echo "Verificações:"
	check "GET $A/usuarios responde 200 com a lista de usuários" \
		expect_http "$A/usuarios" 200 '^\[\{"id":1,"nome":"Ana","idade":28,"ativo_desde":2023\}'
	check "GET $B/info responde 200 com uma frase por usuário, no formato exato" d4_sentences
	check "service_b /health informa que o service_a está ok" \
		expect_http "$B/health" 200 '"service_b":"ok","service_a":"ok"'
	if [ "$DRY_RUN" = 0 ]; then
		cat <<-EOF

		Desafio 4 rodando. Para explorar:
		  curl $A/usuarios
		  curl $B/info
		  cd desafio4 && docker compose stop service_a && curl -i $B/info   # 503 em JSON
		EOF
	fi
}

d4_sentences() {
	local users info n_users n_sentences
	users=$(http_get "$A/usuarios")
	info=$(http_get "$B/info")
	equals "$(http_status)" 200 || return 1
	contains "$info" '"Usuário Ana \(28 anos\) - ativo desde 2023"' || return 1
	n_users=$(printf '%s' "$users" | grep -o '"nome"' | wc -l | tr -d ' ')
	n_sentences=$(printf '%s' "$info" | grep -oE '"Usuário [^"]+ \([0-9]+ anos\) - ativo desde 2023"' | wc -l | tr -d ' ')
	equals "$n_sentences frases" "$n_users frases"
}

test_4() {
	cmd_4
	echo "Exercícios de falha:"
	check "testes unitários do service_b (dentro da imagem)" \
		dc run --rm --no-deps service_b python -m unittest
	local b_started
	b_started=$(started_at service_b)
	compose stop service_a
	check "service_a parado: /info responde 503 JSON em menos de 3 s" \
		answers_within "$B/info" 503 '^\{"erro":"service_a indisponível"' 3000
	check "service_a parado: o /health do service_b informa a dependência" \
		expect_http "$B/health" 200 '"service_a":"service_a indisponível","status":"degradado"'
	compose start service_a
	wait_healthy service_a
	check "service_a de volta: /info volta a responder 200 sozinho" \
		wait_until "/info responder 200" expect_http "$B/info" 200 'ativo desde 2023'
	compose pause service_a
	check "service_a travado (pause): /info responde 504 JSON dentro do timeout de leitura" \
		answers_within "$B/info" 504 '^\{"erro":"service_a não respondeu em 2 s"' 4000
	compose unpause service_a
	check "service_a destravado: /info volta a responder 200 sozinho" \
		wait_until "/info responder 200" expect_http "$B/info" 200 'ativo desde 2023'
	check "o service_b não foi reiniciado durante as falhas" equals "$(started_at service_b)" "$b_started"
	for svc in service_a service_b; do
		check "docker stop do $svc termina em menos de 1 s" stop_fast "$(service_id "$svc")"
	done
	clean_4 >/dev/null
}

clean_4() {
	section "Limpeza — desafio 4"
	detect_compose
	cd_run desafio4
	compose down -v --rmi local --remove-orphans
	cd "$ROOT"
}

# ----------------------------------------------------------- desafio 5

USERS_PORT=${USERS_PORT:-5003}
ORDERS_PORT=${ORDERS_PORT:-5002}
GATEWAY_PORT=${GATEWAY_PORT:-5004}
export USERS_PORT ORDERS_PORT GATEWAY_PORT
U="http://127.0.0.1:$USERS_PORT"
O="http://127.0.0.1:$ORDERS_PORT"
G="http://127.0.0.1:$GATEWAY_PORT"

cmd_5() {
	section "Desafio 5 — microsserviços com API gateway"
	preflight
	detect_compose
	ensure_ports_free desafio5 "USERS_PORT=$USERS_PORT" "ORDERS_PORT=$ORDERS_PORT" "GATEWAY_PORT=$GATEWAY_PORT"
	cd_run desafio5
	compose up --build -d
	wait_healthy users_service orders_service gateway

	echo "Verificações:"
	check "GET $U/users (direto) responde 200 com os usuários" \
		expect_http "$U/users" 200 '^\[\{"id":1,"nome":"Ana Souza"'
	check "GET $O/orders (direto) responde 200 com os pedidos" \
		expect_http "$O/orders" 200 '^\[\{"id":101,"user_id":1'
	check "GET $G/users pelo gateway é idêntico ao direto (status, Content-Type, bytes)" \
		same_response "$U/users" "$G/users"
	check "GET $G/orders pelo gateway é idêntico ao direto" same_response "$O/orders" "$G/orders"
	check "sub-caminhos pelo gateway: /users/1 e /orders/101 idênticos aos diretos" \
		d5_same_many /users/1 /orders/101
	check "ids desconhecidos: /users/999 e /orders/999 dão o mesmo 404 JSON pelo gateway" \
		d5_unknown_ids
	check "query string repassada: /orders?user_id=1 idêntico ao direto" \
		same_response "$O/orders?user_id=1" "$G/orders?user_id=1"
	check "X-Request-ID do cliente chega ao users_service e volta na resposta" d5_request_id
	check "composição: /users/1/orders traz o usuário com os pedidos dele" \
		expect_http "$G/users/1/orders" 200 '^\{"usuario":\{"id":1,"nome":"Ana Souza".*"pedidos":\[\{"id":101,"user_id":1,.*\{"id":102,"user_id":1,'
	check "GET $G/health informa cada serviço" \
		expect_http "$G/health" 200 '"upstreams":\{"users_service":"ok","orders_service":"ok"\}'
	if [ "$DRY_RUN" = 0 ]; then
		cat <<-EOF

		Desafio 5 rodando. Para explorar:
		  curl $G/users          curl $G/orders         curl $G/users/1/orders
		  curl -i -H 'X-Request-ID: meu-id' $G/users/2
		  cd desafio5 && docker compose stop users_service && curl -i $G/users   # 503; /orders segue ok
		EOF
	fi
}

d5_same_many() {
	local path base
	for path in "$@"; do
		case $path in /users*) base=$U ;; *) base=$O ;; esac
		same_response "$base$path" "$G$path" || return 1
	done
}
d5_unknown_ids() {
	expect_http "$G/users/999" 404 '^\{"erro":"usuário 999 não encontrado"\}' || return 1
	same_response "$U/users/999" "$G/users/999" || return 1
	same_response "$O/orders/999" "$G/orders/999"
}
d5_request_id() {
	local id
	id="desafio5-$$-$(now_ms)"
	hcurl -sS -o /dev/null -D "$WORK/headers" -H "X-Request-ID: $id" --max-time 10 "$G/users/2" || return 1
	equals "$(last_header X-Request-ID)" "$id" || return 1
	wait_until "o log do users_service mostrar request_id=$id" d5_logged "$id" ||
		{ echo "request_id=$id não apareceu no log do users_service"; return 1; }
}
d5_logged() { dc logs users_service 2>&1 | grep "GET /users/2 .*request_id=$1" >/dev/null; }

test_5() {
	cmd_5
	echo "Exercícios de falha:"
	check "testes unitários do gateway (dentro da imagem)" \
		dc run --rm --no-deps gateway python -m unittest
	local gw_started
	gw_started=$(started_at gateway)
	compose stop users_service
	check "users_service parado: /users responde 503 JSON com o nome do serviço" \
		answers_within "$G/users" 503 '^\{"erro":"users_service indisponível","servico":"users_service"\}' 3000
	check "users_service parado: /orders continua funcionando" same_response "$O/orders" "$G/orders"
	check "users_service parado: /health do gateway informa qual caiu" \
		expect_http "$G/health" 200 '"users_service":"users_service indisponível","orders_service":"ok"'
	compose start users_service
	wait_healthy users_service
	check "users_service de volta: /users responde sozinho" \
		wait_until "/users responder 200" same_response "$U/users" "$G/users"
	compose pause orders_service
	check "orders_service travado (pause): /orders responde 504 dentro do timeout" \
		answers_within "$G/orders" 504 '^\{"erro":"orders_service não respondeu em 2 s","servico":"orders_service"\}' 4000
	check "orders_service travado: /users continua funcionando" same_response "$U/users" "$G/users"
	compose unpause orders_service
	check "orders_service destravado: /orders responde sozinho" \
		wait_until "/orders responder 200" same_response "$O/orders" "$G/orders"
	check "o gateway não foi reiniciado durante as falhas" equals "$(started_at gateway)" "$gw_started"
	for svc in users_service orders_service gateway; do
		check "docker stop do $svc termina em menos de 1 s" stop_fast "$(service_id "$svc")"
	done
	clean_5 >/dev/null
}

clean_5() {
	section "Limpeza — desafio 5"
	detect_compose
	cd_run desafio5
	compose down -v --rmi local --remove-orphans
	cd "$ROOT"
}

# ---------------------------------------------------------------- bench

BENCH_OUT=${BENCH_OUT:-$ROOT/.saida/bench.md}
BENCH_SECS=${BENCH_SECS:-2}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}

# bench_row MEDIDA VALOR [META]: uma linha da tabela.
bench_row() { printf '| %s | %s | %s |\n' "$1" "$2" "${3:-—}" >>"$WORK/bench.rows"; }

# bench_quiet DESCRIÇÃO CMD...: roda uma etapa com a saída num log; mostra só o resumo.
bench_quiet() {
	local desc=$1 status=0
	shift
	info "bench: $desc..."
	set +e
	(
		set -e
		"$@"
	) >>"$WORK/bench.log" 2>&1
	status=$?
	set -e
	if [ "$status" != 0 ]; then
		tail -n 30 "$WORK/bench.log" >&2
		die "bench: falhou ao $desc (log acima)"
	fi
}


# load NOME URL CONCORRÊNCIA: uma rodada do gerador de carga na rede do desafio 5;
# cada rodada acrescenta uma linha JSON a load-NOME-CONCORRÊNCIA.json.
load() {
	local out
	out=$(docker run --rm --network desafio5_default desafios-bench \
		python loadgen.py "$2" "$3" "$BENCH_SECS")
	printf '%s\n' "$out" >>"$WORK/bench.log"
	printf '%s\n' "$out" >>"$WORK/load-$1-$3.json"
}
# load_get NOME CONCORRÊNCIA CAMPO: a mediana do campo entre as rodadas.
load_get() {
	local line
	while read -r line; do
		printf '%s\n' "$line" | json_number "$3"
	done <"$WORK/load-$1-$2.json" | median
}

# Contas com decimais, no awk (o bash só faz inteiros).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/d"; else printf "%.2f", a / b }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
ms_to_s() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; } # status 0 se A >= B
meets() { if [ "$1" = 1 ]; then echo "$2 ✓"; else echo "$2 ✗"; fi; }

# mediana (p50) de uma lista de números (um por linha, em ms com casas)
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "0"; else print v[int((NR + 1) / 2)] }'; }

bench_gateway() {
	cd "$ROOT"
	set_build_args PYTHON_IMAGE
	docker build -q ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} -t desafios-bench bench >/dev/null
	docker rm -f desafios-bench-naive >/dev/null 2>&1 || true
	docker run -d --rm --name desafios-bench-naive --network desafio5_default \
		desafios-bench python naive_gateway.py >/dev/null
	wait_until "o gateway ingênuo responder" \
		docker run --rm --network desafio5_default desafios-bench \
		python loadgen.py http://desafios-bench-naive:5010/users 1 0.2
	local c round
	rm -f "$WORK"/load-*.json
	# rodadas intercaladas: um ruído passageiro da máquina não cai todo num caso só
	for round in $(seq 1 "$BENCH_ROUNDS"); do
		for c in 1 8; do
			load direto http://users_service:5003/users "$c"
			load gateway http://gateway:5004/users "$c"
			load ingenuo http://desafios-bench-naive:5010/users "$c"
		done
		info "bench: rodada $round de $BENCH_ROUNDS"
	done
	docker rm -f desafios-bench-naive >/dev/null 2>&1 || true
}

bench_gateway_rows() {
	local c name label
	for c in 1 8; do
		for name in direto gateway ingenuo; do
			case $name in
				direto) label="/users direto (users_service :5003)" ;;
				gateway) label="/users pelo gateway (:5004, gunicorn + pool keep-alive)" ;;
				ingenuo) label="/users pelo gateway ingênuo (Flask dev + requests.get)" ;;
			esac
			bench_row "$label, concorrência $c" \
				"$(load_get "$name" "$c" rps) req/s · p50 $(load_get "$name" "$c" p50_ms) ms · p99 $(load_get "$name" "$c" p99_ms) ms · erros $(load_get "$name" "$c" erros)"
		done
	done
	local r8 ok=0 overhead
	r8=$(ratio "$(load_get gateway 8 rps)" "$(load_get ingenuo 8 rps)")
	if [ "$r8" != n/d ] && at_least "$r8" 3; then ok=1; fi
	bench_row "gateway ÷ ingênuo, req/s com concorrência 8" "${r8}x" "$(meets "$ok" "≥ 3x")"
	overhead=$(minus "$(load_get gateway 1 p50_ms)" "$(load_get direto 1 p50_ms)")
	ok=0
	if at_least 1 "$overhead"; then ok=1; fi
	bench_row "latência que o gateway soma ao p50 direto, concorrência 1" "$overhead ms" "$(meets "$ok" "≤ 1 ms")"
	for c in 1 8; do
		bench_row "gateway ÷ direto, req/s com concorrência $c" \
			"$(ratio "$(load_get gateway "$c" rps)" "$(load_get direto "$c" rps)")x" "(só informativo)"
	done
}

bench_cache() {
	cd "$ROOT/desafio3"
	local queries=0 t q
	: >"$WORK/hits"
	: >"$WORK/misses"
	hcurl -s -o /dev/null "$D3/aluno/1"
	for _ in $(seq 1 50); do
		t=$(hcurl -s -o /dev/null -D "$WORK/h" -w '%{time_total}' "$D3/aluno/1")
		q=$(grep -i '^X-Consultas-DB:' "$WORK/h" | tr -dc '0-9')
		grep -qi '^X-Cache: HIT' "$WORK/h" || { echo "esperava HIT"; return 1; }
		queries=$((queries + ${q:-1}))
		echo "$t" >>"$WORK/hits"
	done
	for _ in $(seq 1 30); do
		docker exec "$(service_id cache)" redis-cli DEL aluno:1 >/dev/null
		t=$(hcurl -s -o /dev/null -D "$WORK/h" -w '%{time_total}' "$D3/aluno/1")
		grep -qi '^X-Cache: MISS' "$WORK/h" || { echo "esperava MISS"; return 1; }
		echo "$t" >>"$WORK/misses"
	done
	awk '{ printf "%.2f\n", $1 * 1000 }' "$WORK/hits" | median >"$WORK/hit.p50"
	awk '{ printf "%.2f\n", $1 * 1000 }' "$WORK/misses" | median >"$WORK/miss.p50"
	echo "$queries" >"$WORK/hit.queries"
}

# ready_time PASTA SERVIÇOS...: ms do `up -d` até todos saudáveis (frio e morno)
ready_time() {
	local dir=$1 t0 t1 kind
	shift
	cd "$ROOT/$dir"
	for kind in frio morno; do
		if [ "$kind" = frio ]; then dc down -v; else dc down; fi
		t0=$(now_ms)
		dc up -d
		wait_healthy "$@"
		t1=$(now_ms)
		echo $((t1 - t0)) >"$WORK/ready-$dir-$kind"
	done
}

image_size_mb() { # IMAGEM -> tamanho em MB (ou n/d)
	local bytes
	bytes=$(docker image inspect -f '{{.Size}}' "$1" 2>/dev/null) || { echo "n/d"; return; }
	echo "$((bytes / 1000000)) MB"
}

bench_images() {
	local c img
	: >"$WORK/images"
	for c in server client d2-image desafio3:web desafio4:service_a desafio4:service_b \
		desafio5:users_service desafio5:orders_service desafio5:gateway; do
		case $c in
			d2-image) img=d2-image ;;
			*:*)
				cd "$ROOT/${c%%:*}"
				img=$(docker container inspect -f '{{.Config.Image}}' "$(service_id "${c#*:}")")
				;;
			*) img=$(docker container inspect -f '{{.Config.Image}}' "$c") ;;
		esac
		echo "$img" >>"$WORK/images"
	done
}

bench_rebuild() {
	local tmp t0 t1 steps cached
	tmp=$(mktemp -d "$WORK/rebuild.XXXXXX")
	cp -R "$ROOT/desafio3/web/." "$tmp/"
	printf '\n# alterado pelo ./run.sh bench em %s\n' "$(date)" >>"$tmp/app.py"
	set_build_args PYTHON_IMAGE
	t0=$(now_ms)
	docker build --progress=plain ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} -t desafios-bench-rebuild "$tmp" >"$WORK/rebuild.log" 2>&1
	t1=$(now_ms)
	steps=$(grep -E '^#[0-9]+ \[[0-9]+/[0-9]+\]' "$WORK/rebuild.log" | grep -vc '\] FROM ' || true)
	cached=$(grep -cE '^#[0-9]+ CACHED' "$WORK/rebuild.log" || true)
	echo "$((t1 - t0)) $((steps - cached)) $steps" >"$WORK/rebuild"
	docker rmi desafios-bench-rebuild >/dev/null
}

bench_stops() {
	local c id
	: >"$WORK/stops"
	for c in server client desafio3:web desafio3:db desafio3:cache desafio4:service_a desafio4:service_b \
		desafio5:users_service desafio5:orders_service desafio5:gateway; do
		case $c in
			*:*)
				cd "$ROOT/${c%%:*}"
				id=$(service_id "${c#*:}")
				;;
			*) id=$c ;;
		esac
		echo "$c $(elapsed_ms docker stop "$id")" >>"$WORK/stops"
	done
	cd "$ROOT"
	elapsed_ms "$SELF" clean >"$WORK/clean"
}

cmd_bench() {
	preflight
	detect_compose
	section "Bench: medidas de desempenho (leva alguns minutos)"
	: >"$WORK/bench.rows"
	: >"$WORK/bench.log"
	bench_quiet "subir os desafios 1 a 5" cmd_all
	bench_quiet "medir o gateway ($BENCH_ROUNDS rodadas de ${BENCH_SECS} s por caso)" bench_gateway
	bench_gateway_rows
	bench_quiet "medir o cache do desafio 3" bench_cache
	local ok=0 queries
	queries=$(cat "$WORK/hit.queries")
	bench_row "D3 /aluno/1 com HIT no Redis: p50 (50 requisições, pelo host)" "$(cat "$WORK/hit.p50") ms"
	bench_row "D3 /aluno/1 com MISS (vai ao Postgres): p50 (30 requisições)" "$(cat "$WORK/miss.p50") ms"
	if [ "$queries" = 0 ]; then ok=1; fi
	bench_row "D3 consultas ao Postgres em 50 HITs (X-Consultas-DB)" "$queries" "$(meets "$ok" "0")"

	bench_quiet "medir o tempo até ficar pronto (D3, D4, D5; frio e morno)" bench_ready_all
	local dir kind ms
	for dir in desafio3 desafio4 desafio5; do
		for kind in frio morno; do
			ms=$(cat "$WORK/ready-$dir-$kind")
			ok=0
			if [ "$ms" -lt 10000 ]; then ok=1; fi
			if [ "$dir:$kind" = desafio3:frio ]; then
				bench_row "$dir: do up -d até todos saudáveis, $kind" "$(ms_to_s "$ms") s" "$(meets "$ok" "< 10 s")"
			else
				bench_row "$dir: do up -d até todos saudáveis, $kind" "$(ms_to_s "$ms") s"
			fi
		done
	done

	bench_quiet "medir o tamanho das imagens" bench_images
	local img base
	while read -r img; do
		case $img in d1-client) base=$CLIENT_IMAGE ;; *) base=$PYTHON_IMAGE ;; esac
		bench_row "imagem $img (base $base)" "$(image_size_mb "$img") (base: $(image_size_mb "$base"))"
	done <"$WORK/images"

	bench_quiet "medir o rebuild depois de mudar só o app.py (D3 web)" bench_rebuild
	local rb
	read -r -a rb <"$WORK/rebuild"
	bench_row "rebuild da web do D3 depois de mudar só o app.py" \
		"$(ms_to_s "${rb[0]}") s; camadas refeitas: ${rb[1]} de ${rb[2]}" "$(meets "$([ "${rb[1]}" = 1 ] && echo 1 || echo 0)" "1 camada")"

	bench_quiet "medir o docker stop de cada contêiner e o ./run.sh clean" bench_stops
	local name
	while read -r name ms; do
		ok=0
		if [ "$ms" -lt 1000 ]; then ok=1; fi
		bench_row "docker stop $name" "$ms ms" "$(meets "$ok" "< 1 s")"
	done <"$WORK/stops"
	bench_row "./run.sh clean (tudo)" "$(ms_to_s "$(cat "$WORK/clean")") s"

	mkdir -p "$(dirname "$BENCH_OUT")"
	{
		echo "Medido em $(date '+%Y-%m-%d %H:%M') · $(uname -sm) · $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs ·" \
			"Docker $(docker version --format '{{.Server.Version}}') · imagens base: $PYTHON_IMAGE, $CLIENT_IMAGE," \
			"$POSTGRES_IMAGE, $REDIS_IMAGE · carga: mediana de $BENCH_ROUNDS rodadas de ${BENCH_SECS} s por caso"
		echo
		echo "| Medida | Valor | Meta |"
		echo "| --- | --- | --- |"
		cat "$WORK/bench.rows"
	} >"$BENCH_OUT"
	echo
	cat "$BENCH_OUT"
	echo
	echo "Tabela gravada em $BENCH_OUT"
}

bench_ready_all() {
	ready_time desafio3 db cache web
	ready_time desafio4 service_a service_b
	ready_time desafio5 users_service orders_service gateway
}

# ---------------------------------------------------------- subcomandos

cmd_all() {
	cmd_1
	cmd_2
	cmd_3
	cmd_4
	cmd_5
}

cmd_test() {
	preflight
	local n status
	for n in docs errors 1 2 3 4 5 bench clean; do
		status=0
		set +e
		(
			set -e
			"test_$n"
		)
		status=$?
		set -e
		if [ "$status" != 0 ]; then
			record_failure "teste '$n' abortou (código $status); veja a saída acima"
			if [ "$n" -ge 1 ] 2>/dev/null; then ("clean_$n" >/dev/null 2>&1) || true; fi
		fi
	done
}

# ------------- ./run.sh test: verificações transversais (README, erros, bench, limpeza)

# Comandos dos blocos do README marcados com <!-- run.sh N --> (sem comentários).
readme_commands() {
	awk -v tag="<!-- run.sh $1 -->" '
		$0 == tag { armed = 1; next }
		armed && /^```/ { if (inblock) { inblock = 0; armed = 0 } else { inblock = 1 }; next }
		inblock { print }
	' "$ROOT/README.md" | sed -e 's/[[:space:]][[:space:]]*#.*$//' -e 's/^\$ //' | grep -v '^[[:space:]]*$' | sort -u
}
# Comandos que ./run.sh N executa, com as imagens padrão (como um usuário comum).
runsh_commands() {
	PYTHON_IMAGE='' CLIENT_IMAGE='' POSTGRES_IMAGE='' REDIS_IMAGE='' "$SELF" "$1" --dry-run 2>/dev/null |
		sed -n 's/^\$ //p' | sed 's/^docker-compose /docker compose /' | sort -u
}
readme_matches() {
	local readme runsh only_readme only_runsh
	readme=$(readme_commands "$1")
	runsh=$(runsh_commands "$1")
	if [ -z "$readme" ]; then
		echo "nenhum bloco <!-- run.sh $1 --> no README.md"
		return 1
	fi
	only_readme=$(printf '%s\n' "$readme" | grep -vxF -- "$runsh" || true)
	only_runsh=$(printf '%s\n' "$runsh" | grep -vxF -- "$readme" || true)
	if [ -z "$only_readme$only_runsh" ]; then return 0; fi
	[ -z "$only_readme" ] || printf 'só no README:\n%s\n' "$only_readme"
	[ -z "$only_runsh" ] || printf 'só no run.sh:\n%s\n' "$only_runsh"
	return 1
}

# Os padrões de imagem base dos Dockerfiles e compose files são os do run.sh.
image_defaults_agree() {
	local bad=0 var def_name def f found value
	for var in PYTHON_IMAGE CLIENT_IMAGE POSTGRES_IMAGE REDIS_IMAGE; do
		def_name=DEFAULT_$var
		def=${!def_name}
		for f in "$ROOT"/desafio*/Dockerfile* "$ROOT"/desafio*/*/Dockerfile "$ROOT"/desafio*/docker-compose.yml \
			"$ROOT"/bench/Dockerfile; do
			[ -f "$f" ] || continue
			found=$(grep -oE "(ARG $var=|\\\$\{$var:-)[^ }\"]+" "$f" | sed -E "s/^(ARG $var=|\\\$\{$var:-)//" | sort -u || true)
			for value in $found; do
				if [ "$value" != "$def" ]; then
					echo "${f#"$ROOT"/}: $var=$value, mas run.sh usa $def"
					bad=1
				fi
			done
		done
	done
	[ "$bad" = 0 ]
}

test_docs() {
	section "README e padrões"
	local n
	for n in 1 2 3 4 5; do
		check "README mostra exatamente os comandos que ./run.sh $n executa" readme_matches "$n"
	done
	check "Dockerfiles e compose files usam as mesmas imagens base padrão do run.sh" image_defaults_agree
}

# O bench roda de ponta a ponta (com cargas curtas) e produz a tabela completa.
# Os números não são julgados: só que cada medida existe.
test_bench() {
	section "Bench (rodada curta: só confere que cada medida sai)"
	local out="$WORK/bench-teste.md" status=0
	BENCH_SECS=0.5 BENCH_ROUNDS=1 "$SELF" bench --out="$out" >"$WORK/bench-teste.log" 2>&1 || status=$?
	check "./run.sh bench termina sem erro" succeeded_or_log "$status" "$WORK/bench-teste.log"
	check "a tabela tem as seis partes do bench" bench_table_complete "$out"
}
succeeded_or_log() { # STATUS LOG: sucesso, ou o fim do log como motivo
	if [ "$1" = 0 ]; then return 0; fi
	tail -n 15 "$2"
	return 1
}
bench_table_complete() {
	local table pattern missing=''
	table=$(cat "$1" 2>/dev/null) || { echo "a tabela $1 não foi gravada"; return 1; }
	for pattern in \
		'/users pelo gateway \(:5004.*concorrência 8 \| [0-9.]+ req/s · p50 [0-9.]+ ms · p99 [0-9.]+ ms · erros 0' \
		'/users pelo gateway ingênuo.*concorrência 8 \| [0-9.]+ req/s' \
		'gateway ÷ ingênuo, req/s com concorrência 8 \| [0-9]+\.[0-9]+x' \
		'D3 /aluno/1 com HIT.* \| [0-9.]+ ms' \
		'consultas ao Postgres em 50 HITs.* \| 0 \|' \
		'desafio3: do up -d até todos saudáveis, frio \| [0-9.]+ s' \
		'desafio5: do up -d até todos saudáveis, morno \| [0-9.]+ s' \
		'imagem desafio5-gateway.* \| [0-9]+ MB \(base: ' \
		'camadas refeitas: 1 de 4' \
		'docker stop desafio3:db \| [0-9]+ ms' \
		'./run.sh clean \(tudo\) \| [0-9.]+ s'; do
		grep -qE -- "$pattern" <<<"$table" || missing="$missing
  /$pattern/"
	done
	if [ -z "$missing" ]; then return 0; fi
	printf 'linhas que faltam na tabela:%s\ntabela:\n%s\n' "$missing" "$table"
	return 1
}

# Mensagens de erro antes de qualquer comando docker: cada uma com a solução.
test_errors() {
	section "Mensagens de erro (uso, docker ausente, daemon parado, sem permissão)"
	local out status
	# docker ausente: um PATH só com as ferramentas que o run.sh usa antes do preflight
	local bin="$WORK/bin-sem-docker" tool
	mkdir -p "$bin"
	for tool in bash dirname mktemp rm cat grep sed head; do
		ln -sf "$(command -v "$tool")" "$bin/$tool"
	done
	status=0
	out=$(PATH="$bin" "$bin/bash" "$SELF" 1 2>&1) || status=$?
	check "docker ausente: 'Docker não encontrado' e como instalar" \
		failed_with "$status" "$out" 'Docker não encontrado no PATH. Instale o Docker Desktop'

	status=0
	out=$("$SELF" desafio-que-nao-existe 2>&1 >/dev/null) || status=$?
	check "subcomando desconhecido: uso no stderr e código de saída 2" \
		equals "$status $(printf '%s\n' "$out" | head -n 1)" "2 Uso: ./run.sh <comando> [--dry-run]"

	status=0
	out=$(DOCKER_HOST="unix://$WORK/nao-existe/docker.sock" "$SELF" 1 2>&1) || status=$?
	check "daemon parado: 'não está rodando' e como iniciar" \
		failed_with "$status" "$out" 'O daemon do Docker não está rodando.*systemctl start docker'

	status=0
	out=$(no_socket_permission 1 2>&1) || status=$?
	check "sem permissão no docker.sock: o grupo docker como solução" \
		failed_with "$status" "$out" 'Permissão negada no socket do Docker.*usermod -aG docker'
}

# ./run.sh ARGS sem permissão de acesso ao socket do Docker: como root, uma
# cópia do run.sh roda rebaixada para o usuário nobody (fora do grupo docker);
# senão, o socket fica dentro de um diretório sem permissão de acesso.
no_socket_permission() {
	local dir status=0
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
		dir=$(mktemp -d "${TMPDIR:-/tmp}/desafios-docker-nobody.XXXXXX")
		chmod 755 "$dir"
		cp "$SELF" "$dir/run.sh"
		chmod 755 "$dir/run.sh"
		(cd "$dir" && setpriv --reuid=65534 --regid=65534 --clear-groups \
			env HOME="$dir" TMPDIR=/tmp DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}" \
			bash "$dir/run.sh" "$@") || status=$?
	else
		dir="$WORK/sem-permissao"
		mkdir -p "$dir"
		chmod 000 "$dir"
		DOCKER_HOST="unix://$dir/docker.sock" "$SELF" "$@" || status=$?
		chmod 700 "$dir"
	fi
	rm -rf "$dir"
	return "$status"
}

# Limpeza geral: nada nosso sobra, e o que é do usuário (sentinelas criadas
# antes, com nomes que não são nossos) continua lá.
test_clean() {
	section "Limpeza geral (./run.sh clean duas vezes)"
	local tag="sentinela-do-usuario-$$"
	docker volume create "$tag" >/dev/null
	docker network create "$tag" >/dev/null
	docker create --name "$tag" --network "$tag" -v "$tag:/x" "$PYTHON_IMAGE" true >/dev/null
	check "./run.sh clean termina sem erro" "$SELF" clean
	check "./run.sh clean de novo (nada a remover) também" "$SELF" clean
	check "não sobra contêiner, volume, rede nem imagem deste projeto" no_leftovers
	check "o contêiner, o volume e a rede do usuário continuam lá" sentinels_intact "$tag"
	docker rm -f "$tag" >/dev/null 2>&1 || true
	docker network rm "$tag" >/dev/null 2>&1 || true
	docker volume rm "$tag" >/dev/null 2>&1 || true
}

no_leftovers() {
	local left
	left=$(
		docker ps -a --filter "label=$LABEL_KEY" --format 'contêiner {{.Names}}'
		docker volume ls --filter "label=$LABEL_KEY" --format 'volume {{.Name}}'
		docker volume ls --format 'volume {{.Name}}' | grep -E '^volume desafio2-volume$' || true
		docker network ls --format 'rede {{.Name}}' | grep -E '^rede desafio[0-9]' || true
		docker images --filter "label=$LABEL_KEY" --format 'imagem {{.Repository}}:{{.Tag}}'
	)
	if [ -z "$left" ]; then return 0; fi
	printf 'sobrou:\n%s\n' "$left"
	return 1
}
sentinels_intact() {
	docker container inspect "$1" >/dev/null &&
		docker volume inspect "$1" >/dev/null &&
		docker network inspect "$1" >/dev/null
}

cmd_clean() {
	preflight
	clean_1
	clean_2
	clean_3
	clean_4
	clean_5
	section "Limpeza — bench"
	remove_our_containers desafios-bench-naive
	remove_our_images desafios-bench desafios-bench-rebuild
	section "Limpeza — imagens antigas (sem tag) deste projeto"
	run_quiet docker image prune -f --filter "label=$LABEL_KEY"
	echo "Limpeza concluída: nada deste projeto ficou para trás (o resto não foi tocado)."
}

usage() {
	cat <<EOF
Uso: ./run.sh <comando> [--dry-run]

Comandos:
  1        Desafio 1 — containers em rede (server + client em desafio1-net)
  2        Desafio 2 — volumes e persistência (SQLite em desafio2-volume)
  3        Desafio 3 — compose: web + Postgres + Redis (http://127.0.0.1:5000)
  4        Desafio 4 — microsserviços: service_a (5001) e service_b (7000)
  5        Desafio 5 — API gateway (5004) na frente de users (5003) e orders (5002)
  all      todos os desafios, em ordem
  test     todos os desafios de ponta a ponta + exercícios de falha; limpa ao final
  bench    mede desempenho (gateway, cache, tempo até pronto, parada, imagens,
           rebuild) e grava uma tabela Markdown (--out=ARQUIVO; padrão .saida/bench.md)
  clean    remove contêineres, redes, volumes e imagens deste projeto (só os nossos)
  help     esta ajuda

Opções:
  --dry-run   só imprime os comandos, sem executar nada

Imagens base (use um mirror se o Docker Hub não estiver acessível):
  PYTHON_IMAGE   (padrão $DEFAULT_PYTHON_IMAGE)
  CLIENT_IMAGE   (padrão $DEFAULT_CLIENT_IMAGE)
  POSTGRES_IMAGE (padrão $DEFAULT_POSTGRES_IMAGE)
  REDIS_IMAGE    (padrão $DEFAULT_REDIS_IMAGE)

Portas do host (publicadas só em 127.0.0.1; BIND_ADDRESS muda o endereço):
  WEB_PORT (5000), SERVICE_A_PORT (5001), SERVICE_B_PORT (7000),
  USERS_PORT (5003), ORDERS_PORT (5002), GATEWAY_PORT (5004)

Outras:
  WAIT_SECS      tempo máximo de cada espera, em segundos (padrão 60)
  BENCH_SECS, BENCH_ROUNDS  duração (s) e rodadas de cada caso de carga do bench (2 e 3)
  NO_COLOR       desliga as cores
  POSTGRES_PASSWORD  senha do Postgres do desafio 3 (padrão só para uso local)
EOF
}

cleanup_work() {
	if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}

main() {
	local cmd=${1:-help}
	shift || true
	local arg
	for arg in "$@"; do
		case $cmd:$arg in
			[1-5]:--dry-run | all:--dry-run | clean:--dry-run) DRY_RUN=1 ;;
			bench:--out=*) BENCH_OUT=${arg#--out=} ;;
			*)
				usage >&2
				exit 2
				;;
		esac
	done
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/desafios-docker.XXXXXX")
	trap cleanup_work EXIT
	RESULTS="$WORK/results"
	LAST_OUT="$WORK/last.out"
	: >"$RESULTS"
	: >"$LAST_OUT"
	case $cmd in
		1 | 2 | 3 | 4 | 5) "cmd_$cmd" ;;
		bench) cmd_bench ;;
		all) cmd_all ;;
		test) cmd_test ;;
		clean)
			cmd_clean
			return 0
			;;
		help | -h | --help)
			usage
			return 0
			;;
		*)
			usage >&2
			exit 2
			;;
	esac
	if [ "$DRY_RUN" = 0 ]; then summary; fi
}

main "$@"
