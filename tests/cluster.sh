# shellcheck shell=bash
#
# tests/cluster.sh — os exercícios do ./run.sh test cluster (drain, queda de nó, queda do líder, limpeza).
# Carregado pelo run.sh; o que ./run.sh cluster faz está em lib/cluster.sh.

# -------------------------------------------------------- ./run.sh test cluster

test_cluster() {
	local t_test=$SECONDS
	cmd_cluster
	echo "Exercícios com máquinas (requisições em laço pela borda, $EDGE_URL, o endereço que um cliente usa):"
	cl_drain_drill
	# o nó que voltou do drain está vazio: espalhar antes de derrubar outro (senão o
	# nó que cai pode levar duas réplicas do users_service, e o gateway tenta uma vez só)
	cl_rebalance_drill "depois do drain"
	cl_restart_drill
	cl_rebalance_drill "depois de religar um nó"
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

# cl_victim: um nó que não é o manager das consultas com o máximo de réplicas de users e orders.
cl_victim() {
	local tasks
	tasks=$(cl_tasks users_service; cl_tasks orders_service) || return 1
	printf '%s\n' "$tasks" | grep ' Running' | cut -d' ' -f1 | grep -v "^$CL_MANAGER\$" |
		sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'
}

# cl_other_manager NÓ: um manager que não é NÓ (por onde consultar o swarm sem ele).
cl_other_manager() {
	local k
	for k in $(seq 1 "$(cl_managers)"); do
		if [ "$(cl_node "$k")" != "$1" ]; then cl_node "$k"; return 0; fi
	done
}

# Drain: o nó sai de serviço de propósito (manutenção); as réplicas mudam de nó.
cl_drain_drill() {
	local victim t0
	victim=$(cl_victim) || true
	[ -n "$victim" ] || { record_failure "drain: nenhum nó além de $CL_MANAGER tem réplicas"; return 0; }
	cl_load_start "$WORK/drain.log"
	t0=$(now_ms)
	run_quiet docker exec "$CL_MANAGER" docker node update --availability drain "$victim"
	if wait_until "as réplicas saírem de $victim" cl_drained "$victim"; then
		cl_budget "drain de $victim: réplicas de volta ao total nos outros nós" "$(cl_secs $(($(now_ms) - t0)))"
	fi
	cl_load_stop "$WORK/drain.log"
	cl_budget "drain de $victim" "$(cl_recovery "$WORK/drain.log" "$t0")"
	check "drain de $victim com GET em laço pela borda: nenhum falhou" cl_no_failures "$WORK/drain.log"
	check "as réplicas saíram de $victim e rodam nos outros nós (users 3, orders 2)" cl_drained "$victim"
	run_quiet docker exec "$CL_MANAGER" docker node update --availability active "$victim"
	check "$victim de volta a active" cl_nodes_ready "$CL_MANAGER" "$NOS"
}
cl_drained() { # NÓ
	cl_replicas_running users_service 3 "$1" && cl_replicas_running orders_service 2 "$1" &&
		! cl_tasks users_service | grep "^$1 " && ! cl_tasks orders_service | grep "^$1 "
}

# A máquina desliga (docker stop: o engine do nó para os contêineres e sai) e liga de
# novo com o laço rodando; ao voltar, o Swarm põe outro gateway nela (modo global), e a
# borda só a põe de volta no rodízio quando esse gateway responde.
cl_restart_drill() {
	local victim t0 t1
	victim=$(cl_victim) || true
	[ -n "$victim" ] || { record_failure "religar: nenhum nó além de $CL_MANAGER tem réplicas"; return 0; }
	cl_load_start "$WORK/restart.log"
	t0=$(now_ms)
	run_quiet docker stop "$victim"
	cl_edge_detects "$victim" "$t0" "docker stop de $victim"
	t1=$(now_ms)
	run_quiet docker start "$victim"
	if WAIT_SECS=90 POLL_SECS=0.2 wait_until "a borda pôr $victim de volta no rodízio" cl_edge_saw "$victim" UP "$t1"; then
		cl_budget "$victim ligado de novo: a borda o pôs de volta no rodízio" "$(cl_secs $(($(now_ms) - t1)))"
	fi
	WAIT_SECS=90 wait_until "$victim voltar ao cluster, com um gateway saudável" cl_converged || true
	# alguns segundos de tráfego pelo nó que voltou, com o gateway novo
	wait_until "requisições passarem por $victim de novo" cl_log_has_node "$WORK/restart.log" "$victim" "$(now_ms)" || true
	cl_load_stop "$WORK/restart.log"
	cl_budget "docker stop + docker start de $victim" "$(cl_recovery "$WORK/restart.log" "$t0")"
	check "docker stop e docker start de $victim com GET em laço pela borda: nenhum falhou" \
		cl_no_failures "$WORK/restart.log"
	check "$victim volta ao cluster ($NOS nós Ready) e a borda manda requisições a ele de novo" \
		cl_back_in "$victim" "$WORK/restart.log" "$t1"
}
cl_log_has_node() { awk -v n="$2" -v t="$3" '$3 == n && $4 >= t { found = 1 } END { exit !found }' "$1"; }
cl_back_in() { # NÓ LOG DESDE_MS
	cl_nodes_ready "$CL_MANAGER" "$NOS" || return 1
	cl_log_has_node "$2" "$1" "$3" || { echo "nenhuma requisição do laço passou por $1 depois de ligado"; return 1; }
}

# Uma máquina cai: docker kill no contêiner do nó inteiro (o engine e tudo nele). Qual:
# a que respondeu a última requisição do laço (nenhum nó é especial para a borda). Um
# laço de POST /orders corre junto: nenhum pode ser atendido duas vezes. O momento é o
# em que a última resposta veio do nó sem réplica do orders_service: o gateway dele
# recebe POSTs da borda até cair, e todo POST que chega a uma réplica fica no log de um
# nó que sobrevive (o log das últimas requisições de um nó morto morre com o dockerd dele).
cl_node_loss_drill() {
	local victim t0
	victim=$(cl_without_replica orders_service)
	[ -n "$victim" ] || { record_failure "queda de nó: todo nó tem uma réplica do orders_service"; return 0; }
	cl_load_start "$WORK/node.log"
	cl_load_start "$WORK/post.log" POST /orders
	if ! POLL_SECS=0.1 wait_until "a última resposta do laço vir de $victim" cl_last_is "$WORK/node.log" "$victim"; then
		cl_load_stop "$WORK/node.log"
		cl_load_stop "$WORK/post.log"
		record_failure "queda de nó: o laço não passou por $victim"
		return 0
	fi
	if [ "$victim" = "$CL_MANAGER" ]; then CL_MANAGER=$(cl_other_manager "$victim"); fi
	t0=$(now_ms)
	run_quiet docker kill "$victim"
	cl_edge_detects "$victim" "$t0" "docker kill de $victim (o nó da última resposta)"
	if WAIT_SECS=90 wait_until "o Swarm repor as réplicas de $victim nos outros nós" cl_restored "$victim"; then
		cl_budget "queda de $victim (docker kill): réplicas repostas nos sobreviventes" "$(cl_secs $(($(now_ms) - t0)))"
	fi
	cl_load_stop "$WORK/node.log"
	cl_load_stop "$WORK/post.log"
	cl_budget "docker kill de $victim" "$(cl_recovery "$WORK/node.log" "$t0")"
	check "docker kill de $victim, o nó da última resposta, com GET em laço pela borda: nenhum falhou" \
		cl_no_failures "$WORK/node.log"
	check "o Swarm repõe users (3) e orders (2) nos nós que sobraram" cl_restored "$victim"
	cl_restart_node "$victim"
	check "POSTs em laço pela borda durante a queda: nenhum atendido duas vezes, cada falha um erro honesto" \
		cl_post_honest "$WORK/post.log" orders_service /orders
	cl_budget "POSTs durante o docker kill de $victim" "$(cl_post_figures "$WORK/post.log")"
}
cl_restored() { cl_replicas_running users_service 3 "$1" && cl_replicas_running orders_service 2 "$1"; }
cl_last_is() { [ "$(cl_last_node "$1")" = "$2" ]; }
# cl_without_replica SERVIÇO: um nó sem nenhuma tarefa do SERVIÇO rodando.
cl_without_replica() {
	local tasks k
	tasks=$(cl_tasks "$1") || return 0
	for k in $(cl_nodes); do
		if ! grep "^$(cl_node "$k") " >/dev/null <<<"$tasks"; then cl_node "$k"; return 0; fi
	done
}

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
	local leader t0 ms status=0
	leader=$(bounded 15 in_node "$CL_MANAGER" node ls --format '{{.Hostname}} {{.ManagerStatus}}' |
		awk '$2 == "Leader" { print $1 }') || true
	[ -n "$leader" ] || { record_failure "não achei o líder no docker node ls"; return 0; }
	if [ "$leader" = "$CL_MANAGER" ]; then CL_MANAGER=$(cl_other_manager "$leader"); fi
	cl_load_start "$WORK/leader.log"
	t0=$(now_ms)
	run_quiet docker kill "$leader"
	WAIT_SECS=60 wait_until "um novo líder" cl_new_leader "$CL_MANAGER" "$leader" || status=1
	ms=$(($(now_ms) - t0))
	WAIT_SECS=90 wait_until "o Swarm repor as réplicas de $leader" cl_restored "$leader" || true
	cl_load_stop "$WORK/leader.log"
	if [ "$status" = 0 ]; then cl_budget "queda do líder $leader: novo líder eleito" "$(cl_secs "$ms")"; fi
	cl_budget "docker kill do líder $leader" "$(cl_recovery "$WORK/leader.log" "$t0")"
	check "o líder $leader cai e os managers que sobraram elegem outro" cl_new_leader "$CL_MANAGER" "$leader"
	check "docker node ls responde num manager que sobrou ($CL_MANAGER)" cl_node_ls_answers "$CL_MANAGER"
	check "o Swarm repõe users (3) e orders (2) fora do líder que caiu" cl_restored "$leader"
	check "GET /users e /orders em laço pela borda durante a queda do líder: nenhum falhou" \
		cl_no_failures "$WORK/leader.log"
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

cl_no_failures() { sw_no_failures "$@"; }

# A limpeza remove só o laboratório: um contêiner e um volume do usuário, com nomes
# parecidos, e o swarm do próprio engine (se houver) continuam como estavam.
cl_clean_drill() {
	local tag="d5-no9-do-usuario-$$" swarm_before
	swarm_before=$(cl_host_swarm)
	docker volume create "$tag" >/dev/null
	docker create --name "$tag" -v "$tag:/x" "$PYTHON_IMAGE" true >/dev/null
	clean_cluster >/dev/null
	check "clean_cluster remove nós, borda, volumes, rede e registry do laboratório" cl_nothing_left
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
