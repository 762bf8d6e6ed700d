# shellcheck shell=bash
#
# tests/desafio5.sh — os exercícios do ./run.sh test 5 (corpos grandes, serviços que caem ou travam, produção).
# Carregado pelo run.sh; o que ./run.sh N faz está em lib/desafio5.sh.

# d5_gateway_state: quantas vezes o contêiner do gateway reiniciou e se o kernel o matou por memória.
d5_gateway_state() {
	docker container inspect -f 'reinícios={{.RestartCount}} OOMKilled={{.State.OOMKilled}}' "$(service_id gateway)"
}
D5_413='^\{"erro":"corpo da requisição maior que o limite de 1 MiB"\}$'
d5_body_2mib() {
	local id code
	id="grande-$$-$(now_ms)"
	head -c 2097152 /dev/zero >"$WORK/2mib"
	code=$(hcurl -sS -o "$WORK/body" -w '%{http_code}' --max-time 10 -H 'Expect:' -H "X-Request-ID: $id" \
		-H 'Content-Type: application/json' --data-binary "@$WORK/2mib" "$D5_GATEWAY_URL/users") || return 1
	equals "$code" 413 || return 1
	contains "$(cat "$WORK/body")" "$D5_413" || return 1
	# o log do serviço está em dia quando mostra uma requisição feita depois desta
	hcurl -sS -o /dev/null --max-time 10 -H "X-Request-ID: $id-depois" "$D5_USERS_URL/users/2" || return 1
	wait_until "o log do users_service mostrar request_id=$id-depois" d5_logged "$id-depois" || return 1
	if dc logs users_service 2>&1 | grep "request_id=$id\$" >/dev/null; then
		echo "o users_service recebeu a requisição de 2 MiB (request_id=$id)"
		return 1
	fi
}
# d5_body_stream CABEÇALHO: 500 MiB de /dev/zero, enviados enquanto são lidos
# (curl -T -), com o tamanho declarado ou em chunks; no máximo 20 s.
d5_body_stream() {
	local out code secs
	out=$({ head -c 524288000 /dev/zero || true; } | hcurl -sS -o "$WORK/body" -w '%{http_code} %{time_total}' \
		--max-time 20 -X POST -T - -H 'Expect:' -H "$1" -H 'Content-Type: application/json' \
		"$D5_GATEWAY_URL/users") || { echo "curl: $out"; return 1; }
	code=${out%% *}
	secs=${out#* }
	equals "$code" 413 || return 1
	contains "$(cat "$WORK/body")" "$D5_413" || return 1
	info "(413 em $secs s)"
}
# d5_same_post N BYTES: N POSTs de BYTES bytes em /users, direto e pelo gateway: mesmo status, tipo e corpo.
d5_same_post() {
	local i direct via
	head -c "$2" /dev/zero | tr '\0' ' ' >"$WORK/post"
	for i in $(seq 1 "$1"); do
		direct=$(d5_post "$D5_USERS_URL/users" "$WORK/a.body") || return 1
		via=$(d5_post "$D5_GATEWAY_URL/users" "$WORK/b.body") || return 1
		equals "$via" "$direct" || { echo "(vez $i: $(head -c 200 "$WORK/b.body"))"; return 1; }
		cmp -s "$WORK/a.body" "$WORK/b.body" || {
			printf 'vez %s, corpos diferentes:
  direto: %s
  gateway: %s
' "$i" \
				"$(head -c 200 "$WORK/a.body")" "$(head -c 200 "$WORK/b.body")"
			return 1
		}
	done
	info "($1 x $direct)"
}
d5_post() { # URL ARQUIVO_DA_RESPOSTA
	hcurl -sS -o "$2" -w '%{http_code} %{content_type}' --max-time 10 -H 'Expect:' \
		-H 'Content-Type: application/json' --data-binary "@$WORK/post" "$1"
}

# d5_same_redirect CAMINHO DESTINO: o serviço redireciona CAMINHO para DESTINO; pelo gateway,
# o mesmo status e o mesmo corpo, com o endereço do gateway (o Host do cliente chega ao serviço).
d5_same_redirect() {
	local direct
	direct=$(http_get "$D5_USERS_URL$1")
	equals "$(http_status) $(last_header Location)" "308 $D5_USERS_URL$2" || return 1
	expect_http "$D5_GATEWAY_URL$1" 308 || return 1
	equals "$(last_header Location)" "$D5_GATEWAY_URL$2" || return 1
	equals "$(cat "$WORK/body")" "${direct//"$D5_USERS_URL"/$D5_GATEWAY_URL}"
}

# d5_unit_tests: o estágio test do Dockerfile do gateway roda os testes no build (e falha com eles);
# a saída do build vai para um log, e o que importa dele para o motivo.
d5_unit_tests() {
	docker_build PYTHON_IMAGE --progress=plain --target test -t desafios-gateway-test "$ROOT/desafio5/gateway" \
		>"$WORK/unit.log" 2>&1 || {
		grep -E '^#[0-9]+ [0-9.]+ (FAIL|ERROR|Traceback|  File|[A-Za-z]*Error|Ran )' "$WORK/unit.log" | tail -n 40
		return 1
	}
	grep -E 'Ran [0-9]+ tests' "$WORK/unit.log" | tail -n 1
	docker rmi desafios-gateway-test >/dev/null
}

# d5_stop_keeps_log: docker stop do gateway com um cliente pedindo sem parar (até 300 pedidos
# de 2 s no máximo): cada 200 que o cliente recebeu tem a sua linha no log do gateway (o último
# lote sai no fim do processo, não se perde com ele). O gateway volta no fim.
d5_stop_keeps_log() {
	local gw ids=$WORK/ids-parada id falta=0 n
	gw=$(service_id gateway)
	: >"$ids"
	(
		i=0
		while [ "$i" -lt 300 ]; do
			id="parada-$$-$i"
			[ "$(hcurl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "X-Request-ID: $id" \
				"$D5_GATEWAY_URL/users/1")" = 200 ] || break
			echo "$id" >>"$ids"
			i=$((i + 1))
		done
	) &
	sleep 1
	docker stop "$gw" >/dev/null
	wait
	docker logs "$gw" >"$WORK/log-parada" 2>&1
	while read -r id; do
		grep "\" 200 request_id=$id\$" "$WORK/log-parada" >/dev/null || falta=$((falta + 1))
	done <"$ids"
	n=$(grep -c . "$ids" || true)
	docker start "$gw" >/dev/null
	wait_healthy gateway >/dev/null 2>&1 || { echo "o gateway não voltou depois do docker start"; return 1; }
	[ "$n" -ge 10 ] || { echo "o cliente só recebeu $n respostas 200 antes do docker stop"; return 1; }
	equals "$falta linhas faltando (de $n respostas 200)" "0 linhas faltando (de $n respostas 200)"
}

test_5() {
	cmd_5
	echo "Exercícios de falha:"
	check "testes unitários do gateway e dos limites dele (o estágio test do Dockerfile)" \
		d5_unit_tests
	local gw_started gw_state
	gw_started=$(started_at gateway)
	gw_state=$(d5_gateway_state)
	echo "Corpos grandes (limite do gateway: 1 MiB; o corpo é enviado sem esperar o 100-continue):"
	check "POST de 2 MiB pelo gateway: 413 JSON do próprio gateway, e o users_service nem vê a requisição" \
		d5_body_2mib
	check "POST de 500 MiB (curl lendo de /dev/zero, Content-Length declarado): 413 sem ler o corpo" \
		d5_body_stream "Content-Length: 524288000"
	check "POST chunked de 500 MiB (tamanho só visto lendo): 413 ao passar de 1 MiB" \
		d5_body_stream "Transfer-Encoding: chunked"
	check "o gateway aguentou os corpos grandes: nem OOMKilled nem reiniciado" \
		equals "$(d5_gateway_state)" "$gw_state"
	check "POST de 900 KiB em /users (o serviço responde 405 sem ler o corpo): o mesmo status e corpo do direto, 10 vezes" \
		d5_same_post 10 921600
	check "GET /users//1: o gateway repassa o 308 do serviço, com Location para /users/1 no próprio gateway" \
		d5_same_redirect /users//1 /users/1
	compose stop users_service
	check "users_service parado: /users responde 503 JSON com o nome do serviço" \
		answers_within "$D5_GATEWAY_URL/users" 503 '^\{"erro":"users_service indisponível","servico":"users_service"\}' 3000
	check "users_service parado: /orders continua funcionando" same_response "$D5_ORDERS_URL/orders" "$D5_GATEWAY_URL/orders"
	check "users_service parado: /health do gateway informa qual caiu" \
		expect_http "$D5_GATEWAY_URL/health" 200 '"users_service":"users_service indisponível","orders_service":"ok"'
	compose start users_service
	wait_healthy users_service
	check "users_service de volta: /users responde sozinho" \
		wait_until "/users responder 200" same_response "$D5_USERS_URL/users" "$D5_GATEWAY_URL/users"
	compose pause orders_service
	check "orders_service travado (pause): /orders responde 504 dentro do timeout" \
		answers_within "$D5_GATEWAY_URL/orders" 504 '^\{"erro":"orders_service não respondeu em 2 s","servico":"orders_service"\}' 4000
	check "orders_service travado: /users continua funcionando" same_response "$D5_USERS_URL/users" "$D5_GATEWAY_URL/users"
	compose unpause orders_service
	check "orders_service destravado: /orders responde sozinho" \
		wait_until "/orders responder 200" same_response "$D5_ORDERS_URL/orders" "$D5_GATEWAY_URL/orders"
	check_not_restarted gateway "$gw_started" "o gateway não foi reiniciado"
	test_5_ataques
	check "o gateway não foi reiniciado durante os ataques" equals "$(started_at gateway)" "$gw_started"
	echo "Produção: endurecimento, limite de PIDs, queda do processo, parada:"
	check_hardened users_service orders_service gateway
	drill_pids orders_service "$D5_GATEWAY_URL/orders" "$D5_GATEWAY_URL/users" "$D5_USERS_URL/users"
	drill_crash gateway "$D5_GATEWAY_URL/users" '"nome":"Ana Souza"'
	check "docker stop com um cliente pedindo: cada resposta 200 tem a sua linha no log do gateway" \
		d5_stop_keeps_log
	check_stops_fast gateway users_service orders_service
	check_stays_stopped gateway
	clean_5 >/dev/null
}
