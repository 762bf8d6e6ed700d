# shellcheck shell=bash
#
# lib/borda.sh — a borda do ./run.sh cluster: um HAProxy (d5-borda) na rede do
# laboratório, publicado em 127.0.0.1:EDGE_PORT, na frente dos gateways de todos os
# nós. É o único endereço que um cliente precisa: ele manda cada requisição a um
# nó vivo e repete num outro nó um GET que falhou (nunca um POST). A configuração,
# comentada, é extras/cluster/haproxy.cfg. Carregado pelo run.sh; usado por
# lib/cluster.sh (cmd_cluster, clean_cluster) e pelos exercícios de tests/cluster.sh.

readonly EDGE_NAME=d5-borda
EDGE_PORT=${EDGE_PORT:-5010}
EDGE_URL="http://127.0.0.1:$EDGE_PORT"

# O endereço que se usa vem antes de tudo na saída do ./run.sh cluster.
cl_edge_banner() {
	echo "O endereço para usar: $EDGE_URL (a borda, um HAProxy na frente dos gateways dos $NOS nós)"
}

# cl_start_edge: a borda sobe com a configuração da pasta (extras/cluster, só leitura),
# sem privilégio nenhum e com memória e processos limitados. O comando mostrado é o que
# você digitaria nessa pasta ("$PWD"); o executado tem o caminho inteiro.
cl_start_edge() {
	local opts=(--name "$EDGE_NAME" --network "$CLUSTER_NET" --label "$CLUSTER_LABEL"
		--read-only --cap-drop ALL --security-opt no-new-privileges --memory 128m --pids-limit 64)
	local publish=(-p "127.0.0.1:$EDGE_PORT:5010" "$HAPROXY_IMAGE")
	run_shown "$(shell_quote docker run -d "${opts[@]}") -v \"\$PWD:/usr/local/etc/haproxy:ro\" $(shell_quote "${publish[@]}")" \
		docker run -d "${opts[@]}" -v "$PWD:/usr/local/etc/haproxy:ro" "${publish[@]}" || return 1
	wait_until "a borda ($EDGE_URL) mandar requisições aos $NOS nós" cl_edge_spread "$((NOS * 4))" "$NOS" ||
		{ docker logs --tail 30 "$EDGE_NAME" >&2 || true; return 1; }
}

# cl_edge_spread N NÓS: em N requisições a /users pela borda, todas 200, NÓS nós diferentes
# respondem (o cabeçalho X-Servido-Pelo-No que a borda acrescenta).
cl_edge_spread() { sw_spread "$EDGE_URL" "$1" "$2" X-Servido-Pelo-No nós; }

cl_edge_checks() {
	check "GET /users pela borda ($EDGE_URL) responde 200 com os usuários" \
		expect_http "$EDGE_URL/users" 200 '^\[\{"id":1,"nome":"Ana Souza"'
	check "$((NOS * 6)) requisições pela borda passam pelos $NOS nós (X-Servido-Pelo-No)" \
		cl_edge_spread "$((NOS * 6))" "$NOS"
	check "um POST pela borda chega ao serviço uma vez e volta com o 405 dele, sem nova tentativa" cl_edge_post_once
	check "a borda fecha (408) uma conexão cujos cabeçalhos não chegam inteiros em 5 s" cl_edge_slow_client
}

# cl_edge_post_once: POST /users com um X-Request-ID novo; o users_service responde 405
# (ele não tem POST) e o log de acesso dele mostra o ID uma vez só.
cl_edge_post_once() {
	local id="borda-um-post-$$-$RANDOM" out
	out=$(hcurl -sS -o "$WORK/body" -w '%{http_code}' --max-time 15 -X POST -H "X-Request-ID: $id" \
		-H 'Content-Type: application/json' --data '{}' "$EDGE_URL/users") || return 1
	equals "$out $(cat "$WORK/body")" '405 {"erro":"método não permitido"}' || return 1
	wait_until "o POST $id aparecer no log do users_service" cl_post_logged "$id" >/dev/null || true
	equals "$(cl_service_post_ids users_service /users | grep -c "^$id\$") vez(es) no log do users_service" \
		"1 vez(es) no log do users_service"
}
cl_post_logged() { cl_service_post_ids users_service /users | grep -qx "$1"; }

# cl_service_post_ids SERVIÇO CAMINHO: o X-Request-ID de cada POST em CAMINHO que chegou a uma
# réplica do SERVIÇO, em qualquer nó, das réplicas de agora e das que já pararam (docker logs
# de cada contêiner).
cl_service_post_ids() {
	local k node ids id
	for k in $(cl_nodes); do
		node=$(cl_node "$k")
		ids=$(bounded 15 in_node "$node" ps -aq --filter "label=com.docker.swarm.service.name=${CLUSTER_STACK}_$1") ||
			{ echo "docker ps não respondeu em $node" >&2; continue; }
		for id in $ids; do
			bounded 15 in_node "$node" logs "$id" 2>&1 | sed -n "s#.*\"POST $2 HTTP[^\"]*\" [0-9]* request_id=\\([^ ]*\\).*#\\1#p" || true
		done
	done
}

# cl_edge_slow_client: uma conexão que manda só metade dos cabeçalhos e para; a borda
# responde 408 depois do timeout http-request (5 s) e fecha, sem esperar mais o cliente.
# (/dev/tcp do bash: o cliente lento é este shell, sem curl no meio)
cl_edge_slow_client() {
	local t0 ms line='' rest='' l
	t0=$(now_ms)
	exec 3<>"/dev/tcp/127.0.0.1/$EDGE_PORT" || return 1
	printf 'GET /users HTTP/1.1\r\nHost: borda\r\n' >&3
	IFS= read -r -t 9 line <&3 || true
	ms=$(($(now_ms) - t0))
	# o resto da resposta, até a borda fechar (cada leitura com prazo)
	while l=''; IFS= read -r -t 2 l <&3 || [ -n "$l" ]; do rest="$rest$l"; done
	exec 3<&-
	contains "$line" '^HTTP/1\.[01] 408' || return 1
	contains "$rest" '[Cc]onnection: close' || return 1
	# a borda esperou os 5 s do prazo (não mais que isso, com folga para uma máquina ocupada)
	{ less_than 4500 "$ms" && less_than "$ms" 8000; } || { echo "(ms até o 408: $ms)"; return 1; }
}

# cl_edge_saw NÓ UP|DOWN DESDE_MS: o log da borda diz que o nó mudou para esse estado
# desde aquele instante (option log-health-checks: "Server nos/d5-no2 is DOWN").
cl_edge_saw() {
	docker logs --since "$(($3 / 1000)).$(printf '%03d' $(($3 % 1000)))" "$EDGE_NAME" 2>&1 |
		grep "Server nos/$1 is $2" >/dev/null
}
