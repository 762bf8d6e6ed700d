# shellcheck shell=bash
#
# lib/services.sh — o kit dos serviços de longa duração (desafios 1, 3, 4, 5 e
# o bench): HTTP (status antes do corpo), usuário não-root, parada rápida,
# compose v2/v1, saúde, portas do host e limpeza dos projetos compose.
# Carregado pelo run.sh (com `.`); usa as funções de saída e de verificação dele.

# ------------------------------------------------------------------- HTTP

# curl direto para 127.0.0.1, mesmo com HTTP_PROXY/http_proxy no ambiente.
hcurl() { curl --noproxy '*' "$@"; }

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
# last_header NOME: o valor do cabeçalho NOME no último http_get.
last_header() { grep -i "^$1:" "$WORK/headers" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
# json_number CHAVE: o número (inteiro ou decimal) da CHAVE num JSON simples (stdin).
json_number() { grep -oE "\"$1\": ?[0-9.]+" | head -n 1 | sed -E 's/.*: ?//'; }

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

# ------------------------------------------------------------------ tempo

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

# elapsed_ms CMD...: roda CMD (sem a saída) e imprime quantos milissegundos levou.
elapsed_ms() {
	local t0 t1
	t0=$(now_ms)
	"$@" >/dev/null
	t1=$(now_ms)
	echo $((t1 - t0))
}

# ------------------------------------------------- contêineres de longa duração

# not_root_in CONTÊINER: o processo do contêiner não roda como root.
not_root_in() {
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

# ------------------------------------------------- compose (desafios 3 a 5)

COMPOSE_CMD=() # (docker compose) ou (docker-compose), escolhido sob demanda

# O Compose em uso: COMPOSE=v2 (o plugin "docker compose") ou COMPOSE=v1
# ("docker-compose") pede um deles, esteja o outro instalado onde estiver; sem
# COMPOSE, o v2 e, na falta dele, o v1.
detect_compose() {
	if [ "${#COMPOSE_CMD[@]}" -gt 0 ]; then return 0; fi
	case ${COMPOSE:-} in
		'') compose_auto ;;
		v2) compose_v2 || [ "$DRY_RUN" = 1 ] ||
			die "COMPOSE=v2, mas o plugin Compose v2 (docker compose) não está instalado. Instale-o" \
				"(vem com o Docker Desktop; no Linux: pacote docker-compose-plugin) ou rode sem COMPOSE=v2." ;;
		v1) compose_v1 ;;
		*) usage_error "COMPOSE=$COMPOSE: use COMPOSE=v2 ou COMPOSE=v1 (sem COMPOSE: o v2, com o v1 de reserva)" ;;
	esac
}
compose_auto() {
	if compose_v2; then return 0; fi
	if command -v docker-compose >/dev/null 2>&1; then
		COMPOSE_CMD=(docker-compose)
		warn "usando Compose v1 (docker-compose); prefira o v2: https://docs.docker.com/compose/install/"
	elif [ "$DRY_RUN" = 0 ]; then
		die "Docker Compose não encontrado. Instale o plugin Compose v2 (vem com o Docker Desktop;" \
			"no Linux: pacote docker-compose-plugin) e rode de novo."
	fi
}
# compose_v2: o plugin responde? (COMPOSE_CMD fica com o v2 de qualquer jeito: o
# --dry-run sem plugin nenhum mostra os comandos do v2)
compose_v2() {
	COMPOSE_CMD=(docker compose)
	docker compose version >/dev/null 2>&1
}
# Pedido com COMPOSE=v1: o docker-compose do PATH, e só se ele for mesmo o v1
# (o pacote docker-compose do Debian trixie, por exemplo, já é o v2 avulso).
compose_v1() {
	local version
	COMPOSE_CMD=(docker-compose)
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	command -v docker-compose >/dev/null 2>&1 ||
		die "COMPOSE=v1, mas o Compose v1 (docker-compose) não está instalado neste PATH." \
			"Instale-o (Debian/Ubuntu até o bookworm: apt-get install docker-compose) ou rode sem COMPOSE=v1."
	version=$(docker-compose version --short 2>/dev/null) || version='?'
	case $version in
		1.*) warn "usando Compose v1 (docker-compose $version), como pede COMPOSE=v1" ;;
		*) die "COMPOSE=v1, mas o docker-compose deste PATH não é o Compose v1 (versão: $version)." \
			"Rode sem COMPOSE=v1 (o run.sh usa o v2) ou ponha um docker-compose 1.x na frente do PATH." ;;
	esac
}

# compose ARGS...: roda o compose detectado, narrado como os demais comandos;
# dc ARGS...: o mesmo, sem narrar (consultas internas das verificações).
compose() {
	detect_compose
	run "${COMPOSE_CMD[@]}" "$@"
}
dc() { "${COMPOSE_CMD[@]}" "$@"; }

# ID do contêiner de um serviço do projeto compose da pasta atual (parado também).
service_id() { dc ps -a -q "$1" 2>/dev/null | head -n 1; }

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
			die "A porta $port do host já está em uso: $(port_holder "$port")." \
				"Libere-a, ou escolha outra porta, ex.: $var=$((port + 50)) ./run.sh ${project#desafio}"
		fi
	done
}

# started_at SERVIÇO: quando o contêiner começou (para provar que não reiniciou).
started_at() { docker container inspect -f '{{.State.StartedAt}}' "$(service_id "$1")"; }

# check_not_restarted SERVIÇO INÍCIO FRASE: o contêiner é o mesmo de antes das falhas.
check_not_restarted() {
	check "$3 durante as falhas" equals "$(started_at "$1")" "$2"
}
# check_stops_fast SERVIÇO...: docker stop de cada um em menos de 1 s.
check_stops_fast() {
	local svc
	for svc in "$@"; do
		check "docker stop do $svc termina em menos de 1 s" stop_fast "$(service_id "$svc")"
	done
}

# compose_clean PASTA: derruba o projeto compose da pasta com volumes e imagens locais.
compose_clean() {
	section "Limpeza — ${1/desafio/desafio }"
	detect_compose
	cd_run "$1"
	compose down -v --rmi local --remove-orphans
	cd "$ROOT" || return
}

# unit_tests PASTA TAG [VARIÁVEL ARGS...]: docker build --target test PASTA, o estágio do
# Dockerfile que roda os testes unitários sobre a imagem de produção (um teste que falha faz o
# build falhar, e o fim da saída, onde o unittest diz qual teste e por quê, é o motivo). A imagem
# de teste sai logo em seguida; --force-rm: sem buildx, o builder antigo deixaria o contêiner do
# teste que falhou. VARIÁVEL: a da imagem base (PYTHON_IMAGE, se não vier); ARGS: mais do build (-f).
unit_tests() {
	local dir=$1 tag=$2 base=${3:-PYTHON_IMAGE}
	shift 2
	if [ $# -gt 0 ]; then shift; fi
	docker_build "$base" --force-rm --target test -t "$tag" ${1+"$@"} "$dir" >"$WORK/unit-tests.out" 2>&1 || {
		tail -n 25 "$WORK/unit-tests.out"
		return 1
	}
	docker rmi "$tag" >/dev/null
}
# no_test_files SERVIÇO: o contêiner do serviço (a imagem de produção) não tem arquivo de teste.
no_test_files() {
	local files
	files=$(dc exec -T "$1" ls -A /app) || return 1
	not_contains "$files" '(^|[[:space:]])test_'
}

# ------------------------------------------------ respostas HTTP dos serviços

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

# same_response URL_DIRETA URL_GATEWAY: mesmo status, Content-Type e corpo byte a byte.
same_response() {
	local direct via
	direct=$(hcurl -sS -o "$WORK/a.body" -w '%{http_code} %{content_type}' --max-time 10 "$1") || return 1
	via=$(hcurl -sS -o "$WORK/b.body" -w '%{http_code} %{content_type}' --max-time 10 "$2") || return 1
	equals "$via" "$direct" || return 1
	if ! cmp -s "$WORK/a.body" "$WORK/b.body"; then
		printf 'corpos diferentes:\n  %s: %s\n  %s: %s\n' "$1" "$(head -c 300 "$WORK/a.body")" \
			"$2" "$(head -c 300 "$WORK/b.body")"
		return 1
	fi
}

port_in_use() { # PORTA: algo aceita conexões em 127.0.0.1:PORTA?
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# port_holder PORTA: quem ocupa a porta, numa frase com o jeito de liberá-la (um
# desafio deste curso com compose, o stack do Swarm, outro contêiner, outro programa).
port_holder() {
	local port=$1 line name project stack
	line=$(docker ps --filter "publish=$port" \
		--format '{{.Names}}|{{.Label "com.docker.compose.project"}}|{{.Label "com.docker.stack.namespace"}}' \
		2>/dev/null | head -n 1 || true)
	IFS='|' read -r name project stack <<<"$line"
	case $project:$stack in
		desafio[1-5]:*)
			echo "é o desafio ${project#desafio} deste curso, com compose (cd $project && docker compose down o derruba)" ;;
		:d5-swarm)
			echo "é o desafio 5 deste curso no Swarm, o stack d5-swarm (docker stack rm d5-swarm o remove)" ;;
		*)
			if [ -n "$name" ]; then
				echo "é o contêiner $name (docker ps mostra; docker stop $name a libera)"
			elif [ "$port" = 5000 ]; then
				echo "é outro programa; no macOS, o AirPlay Receiver usa a 5000 (Ajustes do Sistema > Geral > AirDrop e Handoff)"
			else
				echo "é outro programa (lsof -i :$port mostra qual)"
			fi ;;
	esac
}

# compose_up SERVIÇO...: sobe o projeto compose da pasta atual e espera os healthchecks.
# No Compose v2 é o próprio `up --wait` (o comando do README); o v1 não tem --wait:
# a espera é a nossa (wait_healthy), que no v2 só confirma.
compose_up() {
	detect_compose
	if [ "${COMPOSE_CMD[0]}" = docker-compose ]; then
		compose up --build -d
	elif ! compose up --build -d --wait; then
		warn "algum serviço não ficou saudável; últimas linhas do log:"
		dc logs --tail 20 "$@" >&2 || true
		return 1
	fi
	wait_healthy "$@"
}

# clean_strays: contêineres avulsos criados das nossas imagens (um `docker run d1-client`
# sem --rm, um experimento do README): herdam o rótulo da imagem, e com eles de pé o
# `docker rmi` das imagens falharia. Só os que levam o rótulo; os seus não são tocados.
clean_strays() {
	section "Limpeza — contêineres avulsos das imagens deste projeto"
	# shellcheck disable=SC2016 # o comando mostrado, com o $(...) que você digitaria
	run_shown 'docker rm -f -v $(docker ps -aq --filter label='"$LABEL_KEY"')' rm_strays
}
rm_strays() {
	local ids
	ids=$(docker ps -aq --filter "label=$LABEL_KEY")
	# shellcheck disable=SC2086 # lista de ids
	if [ -n "$ids" ]; then docker rm -f -v $ids; fi # (-v: os volumes anônimos deles, como o das caixas)
}
