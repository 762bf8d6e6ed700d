# shellcheck shell=bash
#
# lib/swarm.sh — ./run.sh swarm, o sexto passo (opcional): o desafio 5 em
# Docker Swarm, com réplicas (users_service 3, orders_service 2, um gateway por
# nó), DNS round robin e o gateway balanceando por requisição.
# Carregado pelo run.sh: cmd_swarm, as verificações sw_* e clean_swarm; o stack é
# extras/swarm/docker-stack.yml e os exercícios do ./run.sh test swarm estão em tests/swarm.sh.

readonly SWARM_STACK=d5-swarm
# Rótulo no nó quando foi o ./run.sh que criou o swarm: só então o clean sai dele.
readonly SWARM_MARK=desafios-docker.swarm
SWARM_PORT=${SWARM_PORT:-5004}
export SWARM_PORT
SWARM_URL="http://127.0.0.1:$SWARM_PORT"

swarm_state() { docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }
swarm_is_ours() {
	[ "$(docker node inspect self --format "{{index .Spec.Labels \"$SWARM_MARK\"}}" 2>/dev/null)" = criado ]
}

# O engine entra num swarm só se não estiver em nenhum; um swarm que já existe
# é usado como está (e nunca desfeito pelo clean); num worker não dá para deployar.
swarm_join_or_init() {
	local state
	state=$(swarm_state)
	if [ "$DRY_RUN" = 1 ] || [ "$state" = inactive ]; then
		if run docker swarm init; then :; elif grep -q 'advertise' "$LAST_OUT"; then
			info "(mais de um endereço de rede: anunciando o swarm só em 127.0.0.1, um nó só)"
			run docker swarm init --advertise-addr 127.0.0.1
		else
			return 1
		fi
		[ "$DRY_RUN" = 1 ] ||
			docker node update --label-add "$SWARM_MARK=criado" "$(docker info --format '{{.Swarm.NodeID}}')" >/dev/null
		return 0
	fi
	case $state in
		active) ;;
		*) die "O engine está num estado de swarm que não sei usar ('$state'); veja docker info." ;;
	esac
	if [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" != true ]; then
		die "Este engine é um nó worker de um swarm: o deploy precisa de um manager." \
			"Rode ./run.sh swarm num manager (docker node ls mostra quem é) ou saia do swarm" \
			"(docker swarm leave) se ele não for mais usado."
	fi
	if ! swarm_is_ours; then
		info "(este engine já está num swarm que não foi criado por este projeto: vou usá-lo como está," \
			"e o ./run.sh clean remove só o stack $SWARM_STACK, sem sair do swarm)"
	fi
}

# A porta do gateway (modo host, em todas as interfaces do nó) precisa estar livre.
swarm_port_free() {
	if [ "$DRY_RUN" = 1 ] || ! port_in_use "$SWARM_PORT"; then return 0; fi
	if docker service inspect "${SWARM_STACK}_gateway" >/dev/null 2>&1; then return 0; fi
	die "A porta $SWARM_PORT do host já está em uso: $(port_holder "$SWARM_PORT")." \
		"Libere-a, ou escolha outra porta: SWARM_PORT=5014 ./run.sh swarm"
}

cmd_swarm() {
	section "Escala: o desafio 5 em Docker Swarm (réplicas, DNS round robin, gateway balanceando)"
	preflight
	swarm_port_free
	cd_run extras/swarm
	swarm_join_or_init
	docker_build PYTHON_IMAGE -t d5-users ../../desafio5/users_service
	docker_build PYTHON_IMAGE -t d5-orders ../../desafio5/orders_service
	docker_build PYTHON_IMAGE -t d5-gateway ../../desafio5/gateway
	run docker stack deploy --resolve-image never -c docker-stack.yml "$SWARM_STACK"
	wait_until "cada serviço do stack chegar ao número de réplicas, saudáveis" sw_converged ||
		{ docker stack ps --no-trunc "$SWARM_STACK" >&2 || true; return 1; }
	run docker stack services "$SWARM_STACK"
	sw_checks
	cd "$ROOT" || return
}

sw_checks() {
	checks_header "$SWARM_URL"
	check "GET /users pelo gateway do swarm responde 200 com os usuários" \
		expect_http "$SWARM_URL/users" 200 '^\[\{"id":1,"nome":"Ana Souza"'
	check "GET /orders e a composição /users/1/orders respondem 200" sw_orders_and_composition
	check "cada resposta diz qual réplica respondeu (X-Servido-Por)" sw_names_replica
	# o gateway resolve o nome de novo a cada 2 s: logo depois do deploy, ele pode ter visto
	# só as réplicas que já estavam de pé (a verificação vem depois, e ainda pode falhar)
	wait_until "o gateway ver as 3 réplicas do users_service" sw_spread "$SWARM_URL" 30 3 || true
	check "30 requisições pelo gateway chegam às 3 réplicas do users_service" sw_spread "$SWARM_URL" 30 3
	if [ "$DRY_RUN" = 0 ]; then hints_swarm; fi
}

# hints_swarm: o que explorar depois do ./run.sh swarm (comandos como em hints_1).
hints_swarm() {
	cat <<-EOF

	Desafio 5 no Swarm. Para explorar (o cabeçalho X-Servido-Por muda a cada requisição):
	  curl -i $SWARM_URL/users
	  docker service scale ${SWARM_STACK}_users_service=5
	Uma atualização sem derrubar nada, e onde roda cada réplica:
	  docker service update --force ${SWARM_STACK}_users_service
	  docker stack ps $SWARM_STACK
	EOF
}

# sw_converged: todo serviço do stack com réplicas rodando (= saudáveis) = desejadas.
sw_converged() {
	local lines line
	lines=$(docker stack services "$SWARM_STACK" --format '{{.Replicas}}') || return 1
	[ -n "$lines" ] || return 1
	while read -r line; do
		line=${line%% *} # "3/3 (max 1 per node)"
		[ "${line%/*}" = "${line#*/}" ] || return 1
	done <<<"$lines"
	# e nenhuma tarefa "starting" (o healthcheck ainda não passou)
	! docker service ps "$SWARM_STACK"_users_service "$SWARM_STACK"_orders_service "$SWARM_STACK"_gateway \
		--filter desired-state=running --format '{{.CurrentState}}' | grep -v '^Running' >/dev/null
}

sw_orders_and_composition() {
	expect_http "$SWARM_URL/orders" 200 '^\[\{"id":101,"user_id":1' || return 1
	expect_http "$SWARM_URL/users/1/orders" 200 '"pedidos":\[\{"id":101,'
}
sw_names_replica() {
	expect_http "$SWARM_URL/users/1" 200 || return 1
	contains "$(last_header X-Servido-Por)" '^[0-9a-f]{12}$'
}

# sw_spread URL N ESPERADO [CABEÇALHO QUEM]: em N requisições a URL/users, todas 200, ESPERADO
# réplicas distintas respondem (URL: o gateway do swarm, ou o de um nó do cluster); com
# CABEÇALHO e QUEM, o que se conta é outro (X-Servido-Pelo-No nós: os nós, pela borda).
sw_spread() {
	local i seen='' header=${4:-X-Servido-Por} who=${5:-réplicas}
	for i in $(seq 1 "$2"); do
		http_get "$1/users" >/dev/null
		[ "$(http_status)" = 200 ] || { echo "requisição $i a $1: status $(http_status)"; return 1; }
		seen="$seen$(last_header "$header")"$'\n'
	done
	equals "$(printf '%s' "$seen" | sort -u | grep -c .) $who" "$3 $who" || {
		printf 'respostas (%s):\n%s\n' "$header" "$(printf '%s' "$seen" | sort | uniq -c)"
		return 1
	}
}

# sw_post_early N BYTES: N POSTs de BYTES bytes em /users pelo gateway, todos com o
# 405 do serviço (no Swarm, o serviço não é publicado: a referência é o 405 do compose).
sw_post_early() {
	local i out
	head -c "$2" /dev/zero | tr '\0' ' ' >"$WORK/post"
	for i in $(seq 1 "$1"); do
		out=$(hcurl -sS -o "$WORK/body" -w '%{http_code}' --max-time 10 -H 'Expect:' \
			-H 'Content-Type: application/json' --data-binary "@$WORK/post" "$SWARM_URL/users") || return 1
		equals "$out $(cat "$WORK/body")" '405 {"erro":"método não permitido"}' || { echo "(vez $i)"; return 1; }
	done
}

# sw_none_pushed_out DESDE: 30 GETs chegam às 3 réplicas, e o log do gateway não mostra
# nenhuma réplica tirada do rodízio desde DESDE. (Com todas fora, o gateway usa todas: só
# o rodízio não mostraria.)
sw_none_pushed_out() {
	local out
	sw_spread "$SWARM_URL" 30 3 || return 1
	out=$(docker service logs --since "$1" "${SWARM_STACK}_gateway" 2>&1 | grep 'fora do rodízio' || true)
	[ -z "$out" ] || { printf 'o gateway tirou réplicas do rodízio:\n%s\n' "$(printf '%s\n' "$out" | tail -n 5)"; return 1; }
}

sw_replicas() { # SERVIÇO N: o serviço do stack tem N/N réplicas
	equals "$(docker service ls --filter "name=${SWARM_STACK}_$1" --format '{{.Replicas}}' | head -n 1)" "$2/$2"
}


clean_swarm() {
	section "Limpeza — swarm (stack $SWARM_STACK)"
	if [ "$DRY_RUN" = 1 ] || [ "$(swarm_state)" = active ]; then
		if [ "$DRY_RUN" = 1 ] || docker stack ls --format '{{.Name}}' 2>/dev/null | grep -qx "$SWARM_STACK"; then
			run_quiet docker stack rm "$SWARM_STACK"
			# o stack rm devolve antes de os contêineres saírem; a rede sai por último
			wait_until "os contêineres do stack saírem" sw_no_containers || true
			remove_if_exists network "${SWARM_STACK}_default"
		fi
		if [ "$DRY_RUN" = 0 ] && swarm_is_ours; then
			run_quiet docker swarm leave --force
		fi
	fi
	remove_our_images d5-users d5-orders d5-gateway
}
sw_no_containers() {
	[ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$SWARM_STACK")" ]
}
