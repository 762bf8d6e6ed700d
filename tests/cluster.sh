# shellcheck shell=bash
#
# tests/cluster.sh — os exercícios do ./run.sh test cluster (drain, queda de nó, queda do líder, limpeza).
# Carregado pelo run.sh; o que ./run.sh cluster faz está em lib/cluster.sh.

# -------------------------------------------------------- ./run.sh test cluster

test_cluster() {
	local t_test=$SECONDS
	cmd_cluster
	echo "Exercícios com máquinas (requisições em laço por um gateway publicado em 127.0.0.1):"
	cl_drain_drill
	# o nó que voltou do drain está vazio: espalhar antes de derrubar outro (senão o
	# nó que cai pode levar duas réplicas do users_service, e o gateway tenta uma vez só)
	cl_rebalance_drill "depois do drain"
	cl_node_loss_drill
	# de novo antes do líder: as réplicas do nó que caiu foram para os outros, e o líder
	# pode ter ficado com duas do users_service (visto no CI: um 504)
	cl_rebalance_drill "depois da queda de um nó"
	cl_leader_drill
	cl_rebalance_drill "depois das quedas"
	cl_budget "memória do laboratório depois dos exercícios" "$(cl_memory)"
	cl_budget "./run.sh test cluster até aqui" "$((SECONDS - t_test)) s"
	echo "Orçamento do laboratório ($NOS nós):"
	cat "$WORK/cluster-orcamento"
	cl_clean_drill
}

# cl_victim: um nó que não é o 1 (o do laço) com o máximo de réplicas de users e orders.
cl_victim() {
	local tasks
	tasks=$(cl_tasks users_service; cl_tasks orders_service) || return 1
	printf '%s\n' "$tasks" | grep ' Running' | cut -d' ' -f1 | grep -v '^d5-no1$' |
		sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'
}

# Drain: o nó sai de serviço de propósito (manutenção); as réplicas mudam de nó.
cl_drain_drill() {
	local victim t0
	victim=$(cl_victim) || true
	[ -n "$victim" ] || { record_failure "drain: nenhum nó além do 1 tem réplicas"; return 0; }
	cl_load_start "$WORK/drain.log" "$(cl_url 1)"
	t0=$(now_ms)
	run_quiet docker exec d5-no1 docker node update --availability drain "$victim"
	if wait_until "as réplicas saírem de $victim" cl_drained "$victim"; then
		cl_budget "drain de $victim: réplicas de volta ao total nos outros nós" "$(cl_secs $(($(now_ms) - t0)))"
	fi
	cl_load_stop "$WORK/drain.log"
	check "drain de $victim com requisições em laço pelo nó 1: nenhuma falhou" cl_no_failures "$WORK/drain.log"
	check "as réplicas saíram de $victim e rodam nos outros nós (users 3, orders 2)" cl_drained "$victim"
	run_quiet docker exec d5-no1 docker node update --availability active "$victim"
	check "$victim de volta a active" cl_nodes_ready d5-no1 "$NOS"
}
cl_drained() { # NÓ
	cl_replicas_running users_service 3 "$1" && cl_replicas_running orders_service 2 "$1" &&
		! cl_tasks users_service | grep "^$1 " && ! cl_tasks orders_service | grep "^$1 "
}

# Uma máquina cai: docker kill no contêiner do nó inteiro (o engine e tudo nele).
cl_node_loss_drill() {
	local victim t0
	victim=$(cl_victim) || true
	[ -n "$victim" ] || { record_failure "queda de nó: nenhum nó além do 1 tem réplicas"; return 0; }
	cl_load_start "$WORK/node.log" "$(cl_url 1)"
	t0=$(now_ms)
	run_quiet docker kill "$victim"
	if WAIT_SECS=90 wait_until "o Swarm repor as réplicas de $victim nos outros nós" cl_restored "$victim"; then
		cl_budget "queda de $victim (docker kill): réplicas repostas nos sobreviventes" "$(cl_secs $(($(now_ms) - t0)))"
	fi
	cl_load_stop "$WORK/node.log"
	check "docker kill de $victim com GET /users e /orders em laço pelo nó 1: nenhum falhou" \
		cl_no_failures "$WORK/node.log"
	check "o Swarm repõe users (3) e orders (2) nos nós que sobraram" cl_restored "$victim"
	cl_restart_node "$victim"
}
cl_restored() { cl_replicas_running users_service 3 "$1" && cl_replicas_running orders_service 2 "$1"; }

# cl_restart_node NÓ: a máquina volta (docker start) e entra de novo no cluster.
cl_restart_node() {
	local t0
	t0=$(now_ms)
	run_quiet docker start "$1"
	if WAIT_SECS=90 wait_until "$1 voltar ao cluster (Ready)" cl_nodes_ready "$CL_MANAGER" "$NOS"; then
		cl_budget "$1 ligado de novo até Ready no cluster" "$(cl_secs $(($(now_ms) - t0)))"
	fi
	check "$1 ligado de novo volta ao cluster: $NOS nós Ready" cl_nodes_ready "$CL_MANAGER" "$NOS"
	wait_until "um gateway saudável em cada nó" cl_converged || true
}

# O líder do Raft cai: os outros dois managers elegem outro e o cluster segue.
cl_leader_drill() {
	local leader k other='' t0 ms status=0
	leader=$(bounded 15 in_node "$CL_MANAGER" node ls --format '{{.Hostname}} {{.ManagerStatus}}' |
		awk '$2 == "Leader" { print $1 }') || true
	[ -n "$leader" ] || { record_failure "não achei o líder no docker node ls"; return 0; }
	for k in $(cl_nodes); do
		if [ "$(cl_node "$k")" != "$leader" ] && [ "$k" -le "$(cl_managers)" ] && [ -z "$other" ]; then other=$k; fi
	done
	CL_MANAGER=$(cl_node "$other")
	cl_load_start "$WORK/leader.log" "$(cl_url "$other")"
	t0=$(now_ms)
	run_quiet docker kill "$leader"
	WAIT_SECS=60 wait_until "um novo líder" cl_new_leader "$CL_MANAGER" "$leader" || status=1
	ms=$(($(now_ms) - t0))
	WAIT_SECS=90 wait_until "o Swarm repor as réplicas de $leader" cl_restored "$leader" || true
	cl_load_stop "$WORK/leader.log"
	if [ "$status" = 0 ]; then cl_budget "queda do líder $leader: novo líder eleito" "$(cl_secs "$ms")"; fi
	check "o líder $leader cai e os managers que sobraram elegem outro" cl_new_leader "$CL_MANAGER" "$leader"
	check "docker node ls responde num manager que sobrou ($CL_MANAGER)" cl_node_ls_answers "$CL_MANAGER"
	check "o Swarm repõe users (3) e orders (2) fora do líder que caiu" cl_restored "$leader"
	check "GET /users e /orders em laço pelo gateway de $CL_MANAGER: nenhum falhou" cl_no_failures "$WORK/leader.log"
	cl_restart_node "$leader"
}
cl_new_leader() { # MANAGER LÍDER_MORTO
	local now
	now=$(bounded 4 in_node "$1" node ls --format '{{.Hostname}} {{.ManagerStatus}}' | awk '$2 == "Leader" { print $1 }') || true
	if [ -n "$now" ] && [ "$now" != "$2" ]; then return 0; fi
	echo "líder agora: ${now:-nenhum}"
	return 1
}
cl_node_ls_answers() { bounded 10 in_node "$1" node ls >/dev/null || { echo "docker node ls em $1 não respondeu"; return 1; }; }

# Os nós voltaram vazios (o Swarm não tira réplicas de quem está bem); --force as
# recria uma a uma, e a preferência spread: node.hostname as põe no nó com menos.
# Com stop-first, porque no start-first a velha ainda conta no seu nó quando a nova
# é posta, e um empate pode juntar duas no mesmo nó; depois, start-first de novo.
cl_rebalance_drill() { # QUANDO
	local svc
	for svc in users_service orders_service; do
		run_quiet docker exec "$CL_MANAGER" docker service update --detach --force --update-order stop-first \
			"${CLUSTER_STACK}_$svc"
	done
	WAIT_SECS=90 wait_until "as réplicas novas ficarem saudáveis" cl_converged || true
	for svc in users_service orders_service; do
		in_node "$CL_MANAGER" service update --detach --update-order start-first "${CLUSTER_STACK}_$svc" >/dev/null || true
	done
	echo "  onde ficaram as réplicas depois do docker service update --force ($1):"
	{ cl_tasks users_service | sed 's/^/    users_service  /'; cl_tasks orders_service | sed 's/^/    orders_service /'; } || true
	check "$1, docker service update --force espalha as réplicas: users em 3 nós" cl_spread_nodes users_service 3
	check "$1, orders em 2 nós" cl_spread_nodes orders_service 2
}

# cl_load_start ARQUIVO URL: GET /users e /orders em laço por URL, um status por linha,
# por ao menos 5 s e até existir ARQUIVO.stop (no máximo 120 s e 6000 requisições).
CL_LOAD_PID=''
cl_load_start() {
	rm -f "$1" "$1.stop"
	(
		t0=$SECONDS n=0
		while [ $((SECONDS - t0)) -lt 120 ] && [ "$n" -lt 3000 ] &&
			{ [ ! -e "$1.stop" ] || [ $((SECONDS - t0)) -lt 5 ]; }; do
			for path in /users /orders; do
				hcurl -s -o /dev/null -w "%{http_code} $path\n" --max-time 5 "$2$path" >>"$1" || true
			done
			n=$((n + 1))
		done
	) &
	CL_LOAD_PID=$!
}
cl_load_stop() {
	: >"$1.stop"
	wait "$CL_LOAD_PID" || true
}
cl_no_failures() { sw_no_failures "$@"; }

# A limpeza remove só o laboratório: um contêiner e um volume do usuário, com nomes
# parecidos, e o swarm do próprio engine (se houver) continuam como estavam.
cl_clean_drill() {
	local tag="d5-no9-do-usuario-$$" swarm_before
	swarm_before=$(cl_host_swarm)
	docker volume create "$tag" >/dev/null
	docker create --name "$tag" -v "$tag:/x" "$PYTHON_IMAGE" true >/dev/null
	clean_cluster >/dev/null
	check "clean_cluster remove nós, volumes, rede e registry do laboratório" cl_nothing_left
	check "um contêiner e um volume do usuário continuam lá, e o swarm do engine também" \
		cl_user_intact "$tag" "$swarm_before"
	docker rm -f "$tag" >/dev/null 2>&1 || true
	docker volume rm "$tag" >/dev/null 2>&1 || true
}
cl_nothing_left() {
	local left
	left=$(
		docker ps -a --filter "label=$CLUSTER_LABEL" --format 'contêiner {{.Names}}'
		docker volume ls --filter "label=$CLUSTER_LABEL" --format 'volume {{.Name}}'
		docker network ls --filter "name=^$CLUSTER_NET\$" --format 'rede {{.Name}}'
		docker images --format 'imagem {{.Repository}}' | grep -E '^imagem 127\.0\.0\.1:[0-9]+/d5-' || true
	)
	[ -z "$left" ] || { printf 'sobrou:\n%s\n' "$left"; return 1; }
}
cl_user_intact() { # NOME SWARM_ANTES
	docker container inspect "$1" >/dev/null && docker volume inspect "$1" >/dev/null || return 1
	# um swarm que o engine já tinha continua lá, o mesmo nó (o clean nunca sai dele);
	# se não havia, não há o que conferir (outro programa pode criar um no meio)
	[ "$2" = inactive ] || equals "swarm do engine: $(cl_host_swarm)" "swarm do engine: $2"
}
# cl_host_swarm: o estado do swarm do engine da sua máquina, com o ID do nó se ativo.
cl_host_swarm() { docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}}' 2>/dev/null | sed 's/ $//'; }
