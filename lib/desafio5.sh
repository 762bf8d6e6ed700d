# shellcheck shell=bash
#
# lib/desafio5.sh — ./run.sh 5: users_service e orders_service atrás de um API gateway.
# Carregado pelo run.sh: cmd_5, as verificações d5_* e clean_5; os exercícios
# do ./run.sh test 5 estão em tests/desafio5.sh.

USERS_PORT=${USERS_PORT:-5003}
ORDERS_PORT=${ORDERS_PORT:-5002}
GATEWAY_PORT=${GATEWAY_PORT:-5004}
export USERS_PORT ORDERS_PORT GATEWAY_PORT
D5_USERS_URL="http://127.0.0.1:$USERS_PORT"
D5_ORDERS_URL="http://127.0.0.1:$ORDERS_PORT"
D5_GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"

cmd_5() {
	section "Desafio 5 — microsserviços com API gateway"
	preflight
	detect_compose
	ensure_ports_free desafio5 "USERS_PORT=$USERS_PORT" "ORDERS_PORT=$ORDERS_PORT" "GATEWAY_PORT=$GATEWAY_PORT"
	cd_run desafio5
	compose_up users_service orders_service gateway

	checks_header
	check "GET $D5_USERS_URL/users (direto) responde 200 com os usuários" \
		expect_http "$D5_USERS_URL/users" 200 '^\[\{"id":1,"nome":"Ana Souza"'
	check "GET $D5_ORDERS_URL/orders (direto) responde 200 com os pedidos" \
		expect_http "$D5_ORDERS_URL/orders" 200 '^\[\{"id":101,"user_id":1'
	check "GET $D5_GATEWAY_URL/users pelo gateway é idêntico ao direto (status, Content-Type, bytes)" \
		same_response "$D5_USERS_URL/users" "$D5_GATEWAY_URL/users"
	check "GET $D5_GATEWAY_URL/orders pelo gateway é idêntico ao direto" same_response "$D5_ORDERS_URL/orders" "$D5_GATEWAY_URL/orders"
	check "sub-caminhos pelo gateway: /users/1 e /orders/101 idênticos aos diretos" \
		d5_same_many /users/1 /orders/101
	check "ids desconhecidos: /users/999 e /orders/999 dão o mesmo 404 JSON pelo gateway" \
		d5_unknown_ids
	check "query string repassada: /orders?user_id=1 idêntico ao direto" \
		same_response "$D5_ORDERS_URL/orders?user_id=1" "$D5_GATEWAY_URL/orders?user_id=1"
	check "X-Request-ID do cliente chega ao users_service e volta na resposta" d5_request_id
	check "sem X-Request-ID, o gateway cria um, devolve e o registra no log dele e no do serviço" \
		d5_request_id_created
	check "composição: /users/1/orders traz o usuário com os pedidos dele" \
		expect_http "$D5_GATEWAY_URL/users/1/orders" 200 '^\{"usuario":\{"id":1,"nome":"Ana Souza".*"pedidos":\[\{"id":101,"user_id":1,.*\{"id":102,"user_id":1,'
	check "GET $D5_GATEWAY_URL/health informa cada serviço" \
		expect_http "$D5_GATEWAY_URL/health" 200 '"upstreams":\{"users_service":"ok","orders_service":"ok"\}'
	if [ "$DRY_RUN" = 0 ]; then hints_5; fi
}

# hints_5: o que explorar depois do ./run.sh 5 (comandos como em hints_1).
hints_5() {
	cat <<-EOF

	Desafio 5 rodando. Para explorar:
	  curl $D5_GATEWAY_URL/users
	  curl $D5_GATEWAY_URL/orders
	  curl $D5_GATEWAY_URL/users/1/orders
	  curl -i -H 'X-Request-ID: meu-id' $D5_GATEWAY_URL/users/2
	Na pasta do desafio: com o users_service parado, /users responde 503 e /orders segue ok;
	religado, /users volta sozinho:
	  cd desafio5
	  docker compose stop users_service
	  curl -i $D5_GATEWAY_URL/users
	  curl $D5_GATEWAY_URL/orders
	  docker compose start users_service
	Para terminar e voltar à raiz:
	  docker compose down
	  cd ..
	EOF
}

d5_same_many() {
	local path base
	for path in "$@"; do
		case $path in /users*) base=$D5_USERS_URL ;; *) base=$D5_ORDERS_URL ;; esac
		same_response "$base$path" "$D5_GATEWAY_URL$path" || return 1
	done
}
d5_unknown_ids() {
	expect_http "$D5_GATEWAY_URL/users/999" 404 '^\{"erro":"usuário 999 não encontrado"\}' || return 1
	same_response "$D5_USERS_URL/users/999" "$D5_GATEWAY_URL/users/999" || return 1
	same_response "$D5_ORDERS_URL/orders/999" "$D5_GATEWAY_URL/orders/999"
}
d5_request_id() {
	local id
	id="desafio5-$$-$(now_ms)"
	hcurl -sS -o /dev/null -D "$WORK/headers" -H "X-Request-ID: $id" --max-time 10 "$D5_GATEWAY_URL/users/2" || return 1
	equals "$(last_header X-Request-ID)" "$id" || return 1
	wait_until "o log do users_service mostrar request_id=$id" d5_logged "$id" ||
		{ echo "request_id=$id não apareceu no log do users_service"; return 1; }
}
d5_logged() { dc logs users_service 2>&1 | grep "GET /users/2 .*request_id=$1" >/dev/null; }
d5_request_id_created() {
	local id
	hcurl -sS -o /dev/null -D "$WORK/headers" --max-time 10 "$D5_GATEWAY_URL/users/2" || return 1
	id=$(last_header X-Request-ID)
	contains "$id" '^[0-9a-f]{32}$' || return 1
	wait_until "o log do gateway mostrar request_id=$id" d5_gateway_logged "$id" ||
		{ echo "o log do gateway não tem \"GET /users/2 HTTP/1.1\" 200 request_id=$id"; return 1; }
	wait_until "o log do users_service mostrar request_id=$id" d5_logged "$id"
}
d5_gateway_logged() { dc logs gateway 2>&1 | grep "\"GET /users/2 HTTP/1.1\" 200 request_id=$1\$" >/dev/null; }


clean_5() {
	clean_ataques # (tests/ataques.sh: os contêineres dos ataques, na rede do desafio)
	compose_clean desafio5
}
