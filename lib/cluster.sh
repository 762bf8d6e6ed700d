# shellcheck shell=bash
#
# lib/cluster.sh — ./run.sh cluster: o desafio 5 num swarm de vários nós,
# todos na sua máquina. Cada nó é um Docker engine inteiro num contêiner
# (Docker-in-Docker), numa rede só deles, com um registry ao lado: o stack é o
# mesmo docker-stack.yml do ./run.sh swarm, com as imagens vindas do registry e
# as réplicas espalhadas pelos nós. O ./run.sh test cluster derruba nós de verdade.
# Carregado pelo run.sh: cmd_cluster, as verificações cl_* e clean_cluster; os
# exercícios de queda do ./run.sh test cluster estão em tests/cluster.sh.

readonly CLUSTER_NET=d5-cluster
readonly CLUSTER_STACK=d5-cluster
readonly CLUSTER_REGISTRY=d5-registry
readonly CLUSTER_LABEL="$LABEL_KEY=cluster"
NOS=${NOS:-3}
CLUSTER_PORT=${CLUSTER_PORT:-5004}
CLUSTER_REGISTRY_PORT=${CLUSTER_REGISTRY_PORT:-5020}
# O registry visto do host (para o push) e visto dos nós (para o pull).
CLUSTER_PUSH="127.0.0.1:$CLUSTER_REGISTRY_PORT"
readonly CLUSTER_PULL=registry:5000
# Onde o engine recusa --privileged, as permissões que um nó precisa, uma a uma.
readonly CLUSTER_NODE_CAPS='--cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined
--security-opt apparmor=unconfined --security-opt systempaths=unconfined --tmpfs /run
-v /sys/fs/cgroup:/sys/fs/cgroup:rw'
CL_PRIVILEGED=1  # 0: o engine recusou --privileged; os nós sobem com CLUSTER_NODE_CAPS
CL_MANAGER=d5-no1 # um manager vivo, por onde consultamos o swarm

cl_node() { echo "d5-no$1"; }
cl_port() { echo $((CLUSTER_PORT + $1 - 1)); }            # porta do host do gateway do nó N
cl_url() { echo "http://127.0.0.1:$(cl_port "$1")"; }
cl_nodes() { seq 1 "$NOS"; }
cl_managers() { if [ "$NOS" -lt 3 ]; then echo "$NOS"; else echo 3; fi; }
# in_node NÓ ARGS...: o docker de dentro do nó (docker exec NÓ docker ARGS), sem narrar.
in_node() {
	local node=$1
	shift
	docker exec "$node" docker "$@"
}

# bounded SEGUNDOS CMD...: CMD por no máximo SEGUNDOS (o bash 3.2 do macOS não tem
# `timeout`); um `docker node ls` durante uma eleição pode ficar segundos sem responder.
bounded() {
	local limit=$(($1 * 10)) pid ticks=0
	shift
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$ticks" -ge "$limit" ]; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			return 124
		fi
		sleep 0.1
		ticks=$((ticks + 1))
	done
	wait "$pid"
}

# run_shown TEXTO CMD...: mostra TEXTO (o que você digitaria, com $TOKEN) e roda CMD.
run_shown() {
	local shown=$1 status=0
	shift
	printf '%s$ %s%s\n' "$C_CMD" "$shown" "$C_OFF"
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	"$@" >"$LAST_OUT" 2>&1 || status=$?
	if [ "$status" != 0 ]; then
		cat "$LAST_OUT"
		explain_failure "$LAST_OUT"
	fi
	return "$status"
}

# ------------------------------------------------------------- ./run.sh cluster

cmd_cluster() {
	local t0 t_push t_deploy k
	case $NOS in 2 | 3 | 4 | 5) ;; *) usage_error "NOS=$NOS: o laboratório tem de 2 a 5 nós" ;; esac
	section "Vários nós: o desafio 5 num cluster de $NOS engines na sua máquina"
	preflight
	cl_existing_lab
	cl_ports_free
	cd_run extras/cluster
	# as imagens já com o nome do registry (e não as d5-* do ./run.sh swarm)
	docker_build PYTHON_IMAGE -t "$CLUSTER_PUSH/d5-users" ../../desafio5/users_service
	docker_build PYTHON_IMAGE -t "$CLUSTER_PUSH/d5-orders" ../../desafio5/orders_service
	docker_build PYTHON_IMAGE -t "$CLUSTER_PUSH/d5-gateway" ../../desafio5/gateway
	t0=$(now_ms)
	run_quiet docker network create --label "$CLUSTER_LABEL" "$CLUSTER_NET"
	run_quiet docker run -d --name "$CLUSTER_REGISTRY" --network "$CLUSTER_NET" --network-alias registry \
		--label "$CLUSTER_LABEL" \
		--mount "type=volume,src=$CLUSTER_REGISTRY-dados,dst=/var/lib/registry,volume-label=$CLUSTER_LABEL" \
		-p "$CLUSTER_PUSH:5000" "$REGISTRY_IMAGE"
	for k in $(cl_nodes); do cl_start_node "$k"; done
	for k in $(cl_nodes); do
		wait_until "o engine do nó $(cl_node "$k") responder" in_node "$(cl_node "$k")" info ||
			{ docker logs --tail 20 "$(cl_node "$k")" >&2 || true; return 1; }
	done
	cl_form_swarm
	wait_until "o registry responder em $CLUSTER_PUSH" cl_registry_up || return 1
	t_push=$(now_ms)
	for k in users orders gateway; do
		run_quiet docker push "$CLUSTER_PUSH/d5-$k"
	done
	t_deploy=$(now_ms)
	CL_PUSH_MS=$((t_deploy - t_push))
	run_quiet docker cp ../swarm/docker-stack.yml d5-no1:/docker-stack.yml
	run_quiet docker cp docker-stack.cluster.yml d5-no1:/docker-stack.cluster.yml
	run docker exec d5-no1 docker stack deploy -c /docker-stack.yml -c /docker-stack.cluster.yml "$CLUSTER_STACK"
	wait_until "cada serviço chegar ao número de réplicas, saudáveis, em todos os nós" cl_converged ||
		{ in_node d5-no1 stack ps --no-trunc "$CLUSTER_STACK" >&2 || true; return 1; }
	CL_PULL_MS=$(($(now_ms) - t_deploy))
	CL_UP_MS=$(($(now_ms) - t0))
	run docker exec d5-no1 docker node ls
	run docker exec d5-no1 docker stack ps "$CLUSTER_STACK"
	cd "$ROOT" || return
	cl_checks
	cl_timings
}

# Um laboratório de uma execução anterior é refeito do zero (é só um laboratório).
cl_existing_lab() {
	local k
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	# shellcheck disable=SC2046 # os nomes dos nós, um por palavra
	ensure_not_foreign "$CLUSTER_REGISTRY" $(for k in $(cl_nodes); do cl_node "$k"; done)
	if [ -n "$(cl_lab_containers)" ] || docker network inspect "$CLUSTER_NET" >/dev/null 2>&1; then
		info "(há um laboratório de uma execução anterior: vou removê-lo e criar outro)"
		clean_cluster >/dev/null
	fi
	if docker network inspect "$CLUSTER_NET" >/dev/null 2>&1; then
		die "Já existe uma rede chamada '$CLUSTER_NET' que não foi criada por este projeto (ou que" \
			"algum contêiner de fora ainda usa); não vou removê-la. Veja quem a usa com" \
			"docker network inspect $CLUSTER_NET e remova-a você mesmo (docker network rm $CLUSTER_NET)."
	fi
}

# As portas dos gateways (uma por nó) e a do registry precisam estar livres.
cl_ports_free() {
	local k
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	for k in $(cl_nodes) registry; do
		if [ "$k" = registry ]; then set -- "$CLUSTER_REGISTRY_PORT" CLUSTER_REGISTRY_PORT; else set -- "$(cl_port "$k")" CLUSTER_PORT; fi
		if port_in_use "$1"; then
			die "A porta $1 do host já está em uso (o laboratório usa $CLUSTER_PORT a $(cl_port "$NOS")" \
				"para os gateways e $CLUSTER_REGISTRY_PORT para o registry; o desafio 5 usa a 5004)." \
				"Derrube quem a usa ou escolha outra: $2=$(($1 + 100)) ./run.sh cluster"
		fi
	done
}

# cl_start_node N: o nó N, um Docker engine num contêiner, com o seu volume de estado
# e o gateway publicado em 127.0.0.1. Padrão: --privileged (a imagem oficial pede);
# se este engine o recusa, as mesmas permissões uma a uma, com um aviso (uma vez).
cl_start_node() {
	local k=$1 node caps=(--privileged) inner=()
	node=$(cl_node "$k")
	if [ "$CL_PRIVILEGED" = 0 ]; then
		read -r -a caps <<<"$(printf '%s' "$CLUSTER_NODE_CAPS" | tr '\n' ' ')"
		inner=(--cgroup-parent "/$node") # cada nó nos seus cgroups (o /sys/fs/cgroup é o do host)
	fi
	# --restart on-failure: um dockerd que cai sozinho volta, como o systemd faz numa máquina
	# (visto aqui: ao religar, o dockerd às vezes não resolve d5-no1 e sai); um docker kill
	# ou docker stop, não: a máquina desligada fica desligada
	if run_quiet docker run -d --name "$node" --hostname "$node" --network "$CLUSTER_NET" \
		--label "$CLUSTER_LABEL" --restart on-failure "${caps[@]}" \
		--mount "type=volume,src=$node-dados,dst=/var/lib/docker,volume-label=$CLUSTER_LABEL" \
		-p "127.0.0.1:$(cl_port "$k"):5004" "$NODE_IMAGE" \
		dockerd --insecure-registry "$CLUSTER_PULL" ${inner[@]+"${inner[@]}"}; then
		return 0
	fi
	if [ "$CL_PRIVILEGED" = 1 ] && grep -qiE 'caps|privileged|operation not permitted' "$LAST_OUT"; then
		warn "Este Docker recusa --privileged (\"unable to apply caps\"). Os nós vão subir com as" \
			"permissões explícitas que um engine precisa (--cap-add ALL, seccomp, apparmor e" \
			"/sys/fs/cgroup), cada um nos seus próprios cgroups. Isso vale para todos os nós."
		docker rm -f "$node" >/dev/null 2>&1 || true
		CL_PRIVILEGED=0
		cl_start_node "$k"
		return
	fi
	return 1
}

cl_registry_up() {
	[ "$(hcurl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$CLUSTER_PUSH/v2/")" = 200 ]
}

# Três managers (o Raft aguenta perder um); do quarto nó em diante, workers.
cl_form_swarm() {
	local k node worker_token=0
	run docker exec d5-no1 docker swarm init --advertise-addr eth0
	# shellcheck disable=SC2016 # o texto mostrado é o que você digitaria, com $(...) literal
	run_shown 'TOKEN=$(docker exec d5-no1 docker swarm join-token -q manager)' cl_token manager
	for k in $(cl_nodes); do
		[ "$k" != 1 ] || continue
		node=$(cl_node "$k")
		if [ "$k" -le "$(cl_managers)" ]; then
			run_shown "docker exec $node docker swarm join --token \"\$TOKEN\" d5-no1:2377" \
				cl_join "$node" "$CL_TOKEN_MANAGER"
		else
			if [ "$worker_token" = 0 ]; then
				worker_token=1
				# shellcheck disable=SC2016 # idem
				run_shown 'TOKEN_WORKER=$(docker exec d5-no1 docker swarm join-token -q worker)' cl_token worker
			fi
			run_shown "docker exec $node docker swarm join --token \"\$TOKEN_WORKER\" d5-no1:2377" \
				cl_join "$node" "$CL_TOKEN_WORKER"
		fi
	done
	if [ "$NOS" = 2 ]; then
		warn "com 2 nós há 2 managers: se um cair, o outro sozinho não tem quórum (use NOS=3 ou mais)."
	fi
	wait_until "os $NOS nós aparecerem Ready no docker node ls" cl_nodes_ready d5-no1 "$NOS"
}
CL_TOKEN_MANAGER='' CL_TOKEN_WORKER=''
# cl_join NÓ TOKEN: o join, de novo se falhar antes de entrar (o DNS da rede recém-criada
# pode ainda não achar d5-no1), até WAIT_SECS; no fim, o erro do último join.
cl_join() {
	wait_until "$1 entrar no swarm" cl_joined "$1" "$2" && return 0
	in_node "$1" swarm join --token "$2" d5-no1:2377
}
cl_joined() {
	[ "$(in_node "$1" info --format '{{.Swarm.LocalNodeState}}')" = active ] ||
		in_node "$1" swarm join --token "$2" d5-no1:2377
}
cl_token() {
	local t
	t=$(in_node d5-no1 swarm join-token -q "$1") || return 1
	case $1 in manager) CL_TOKEN_MANAGER=$t ;; worker) CL_TOKEN_WORKER=$t ;; esac
}

# cl_nodes_ready MANAGER N: N nós Ready (e Active) no docker node ls do MANAGER.
cl_nodes_ready() {
	local n
	n=$(bounded 15 in_node "$1" node ls --format '{{.Status}} {{.Availability}}' | grep -c '^Ready Active$') || true
	equals "$n nós Ready" "$2 nós Ready"
}

# cl_converged: users e orders com as réplicas saudáveis que pediram, e um gateway
# saudável em cada nó Ready (modo global).
cl_converged() {
	local ready
	cl_replicas_running users_service 3 || return 1
	cl_replicas_running orders_service 2 || return 1
	ready=$(bounded 15 in_node "$CL_MANAGER" node ls --format '{{.Status}} {{.Availability}}' | grep -c '^Ready Active$') ||
		return 1
	cl_replicas_running gateway "$ready"
}

# cl_tasks SERVIÇO: "nó estado" de cada tarefa que deve estar rodando.
cl_tasks() {
	bounded 15 in_node "$CL_MANAGER" service ps "${CLUSTER_STACK}_$1" --filter desired-state=running \
		--format '{{.Node}} {{.CurrentState}}'
}

# cl_replicas_running SERVIÇO N [NÓ_MORTO]: fora do NÓ_MORTO, exatamente N tarefas
# que devem rodar, todas Running (saudáveis): no meio de uma atualização start-first
# há uma a mais, e a nova ainda Starting.
cl_replicas_running() {
	local tasks all running
	tasks=$(cl_tasks "$1" | grep -v "^${3:-nenhum} ") || true
	all=$(printf '%s\n' "$tasks" | grep -c .) || true
	running=$(printf '%s\n' "$tasks" | grep -c ' Running') || true
	equals "$1: $running de $all tarefas rodando" "$1: $2 de $2 tarefas rodando" || {
		printf '%s\n' "$tasks"
		return 1
	}
}

cl_checks() {
	echo "Verificações ($(cl_url 1) é o gateway do nó 1):"
	check "docker node ls: $NOS nós Ready, $(cl_managers) managers, um líder" cl_node_roles d5-no1
	check "as 3 réplicas do users_service estão em 3 nós diferentes" cl_spread_nodes users_service 3
	check "GET /users pelo gateway de cada nó responde 200 com os usuários" cl_every_gateway
	check "30 requisições pelo gateway do nó 1 chegam às 3 réplicas (a rede overlay cruza os nós)" \
		sw_spread "$(cl_url 1)" 30 3
}

cl_node_roles() { # MANAGER
	local ls ready managers leaders
	ls=$(bounded 15 in_node "$1" node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}') || {
		echo "docker node ls não respondeu em $1"
		return 1
	}
	ready=$(grep -c ' Ready' <<<"$ls") || true
	managers=$(grep -cE ' (Leader|Reachable)$' <<<"$ls") || true
	leaders=$(grep -c ' Leader$' <<<"$ls") || true
	equals "$ready Ready, $managers managers, $leaders líder" "$NOS Ready, $(cl_managers) managers, 1 líder" || {
		printf '%s\n' "$ls"
		return 1
	}
}

# cl_spread_nodes SERVIÇO N: as réplicas rodando estão em N nós diferentes.
cl_spread_nodes() {
	local tasks distinct
	tasks=$(cl_tasks "$1") || return 1
	distinct=$(printf '%s\n' "$tasks" | grep ' Running' | cut -d' ' -f1 | sort -u | grep -c .) || true
	equals "$distinct nós" "$2 nós" || {
		printf 'onde estão as réplicas de %s:\n%s\n' "$1" "$tasks"
		return 1
	}
}

cl_every_gateway() {
	local k
	for k in $(cl_nodes); do
		expect_http "$(cl_url "$k")/users" 200 '^\[\{"id":1,"nome":"Ana Souza"' ||
			{ echo "(gateway do nó $k, $(cl_url "$k"))"; return 1; }
	done
}

# Tempos e memória: o que o laboratório custa na sua máquina.
CL_UP_MS=0 CL_PUSH_MS=0 CL_PULL_MS=0
cl_timings() {
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	echo "Tempos (sem os builds) e memória:"
	cl_budget "laboratório de pé, do nada ao stack saudável" "$(cl_secs "$CL_UP_MS")"
	cl_budget "push das 3 imagens para o registry (uma vez)" "$(cl_secs "$CL_PUSH_MS")"
	cl_budget "deploy até tudo saudável (o pull em cada nó)" "$(cl_secs "$CL_PULL_MS")"
	cl_budget "memória do laboratório (nós + registry)" "$(cl_memory)"
	cat <<-EOF

	Um swarm de $NOS nós na sua máquina. Para explorar (o gateway de cada nó: $(cl_url 1) a $(cl_url "$NOS")):
	  docker exec d5-no1 docker node ls
	  docker exec d5-no1 docker service ps ${CLUSTER_STACK}_users_service     # em que nó está cada réplica
	  docker kill d5-no2          # uma máquina cai; o Swarm repõe as réplicas nos outros nós
	  docker start d5-no2         # ... e ela volta para o cluster
	  ./run.sh clean              # remove o laboratório (nós, volumes, rede, registry)
	EOF
}
# cl_budget O_QUÊ QUANTO: mostra agora e guarda para o resumo do test cluster.
cl_budget() {
	printf '  %s: %s\n' "$1" "$2" | tee -a "$WORK/cluster-orcamento"
}
cl_secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

# Memória em uso somando os contêineres do laboratório (docker stats), em MiB.
cl_memory() {
	local ids
	ids=$(cl_lab_containers)
	[ -n "$ids" ] || { echo "?"; return 0; }
	# shellcheck disable=SC2086 # lista de ids
	docker stats --no-stream --format '{{.MemUsage}}' $ids | awk '
		{ v = $1; u = v; sub(/[A-Za-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
		  f = (u == "GiB") ? 1024 : (u == "MiB") ? 1 : (u == "KiB") ? 1 / 1024 : (u == "B") ? 1 / 1048576 : 0
		  total += v * f; n++ }
		END { printf "%.0f MiB em %d contêineres\n", total, n }'
}
cl_lab_containers() { docker ps -aq --filter "label=$CLUSTER_LABEL"; }

# O laboratório inteiro sai: o que está dentro dos nós (swarm, stack, imagens) vai
# com eles. Só o que leva o rótulo do laboratório; o resto não é tocado.
clean_cluster() {
	local ids names vols
	section "Limpeza — laboratório de vários nós ($CLUSTER_NET)"
	if [ "$DRY_RUN" = 1 ]; then
		run_quiet docker rm -f "$CLUSTER_REGISTRY" d5-no1 d5-no2 d5-no3
		run_quiet docker volume rm "$CLUSTER_REGISTRY-dados" d5-no1-dados d5-no2-dados d5-no3-dados
		run_quiet docker network rm "$CLUSTER_NET"
		return 0
	fi
	ids=$(cl_lab_containers)
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086 # lista de ids
		names=$(docker inspect -f '{{.Name}}' $ids | sed 's#^/##' | sort)
		# shellcheck disable=SC2086 # lista de nomes
		run_quiet docker rm -f $names
	fi
	vols=$(docker volume ls -q --filter "label=$CLUSTER_LABEL" | sort)
	# shellcheck disable=SC2086 # lista de nomes
	if [ -n "$vols" ]; then run_quiet docker volume rm $vols; fi
	if [ "$(docker network inspect -f "{{index .Labels \"$LABEL_KEY\"}}" "$CLUSTER_NET" 2>/dev/null)" = cluster ]; then
		run_quiet docker network rm "$CLUSTER_NET"
	fi
	names=$(docker images --format '{{.Repository}}' | grep -E '^127\.0\.0\.1:[0-9]+/d5-(users|orders|gateway)$' |
		sort -u || true)
	# shellcheck disable=SC2086 # lista de nomes
	if [ -n "$names" ]; then remove_our_images $names; fi
}
