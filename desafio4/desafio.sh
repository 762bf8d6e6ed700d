# shellcheck shell=bash
#
# desafio4/desafio.sh — Desafio 4: service_a e service_b, microsserviços por HTTP.
# Carregado pelo run.sh: cmd_4, as verificações d4_*, test_4 e clean_4.

SERVICE_A_PORT=${SERVICE_A_PORT:-5001}
SERVICE_B_PORT=${SERVICE_B_PORT:-7000}
export SERVICE_A_PORT SERVICE_B_PORT
D4_A_URL="http://127.0.0.1:$SERVICE_A_PORT"
D4_B_URL="http://127.0.0.1:$SERVICE_B_PORT"

cmd_4() {
	section "Desafio 4 — microsserviços independentes (service_a e service_b)"
	preflight
	detect_compose
	ensure_ports_free desafio4 "SERVICE_A_PORT=$SERVICE_A_PORT" "SERVICE_B_PORT=$SERVICE_B_PORT"
	cd_run desafio4
	compose_up service_a service_b

	checks_header
	check "GET $D4_A_URL/usuarios responde 200 com a lista de usuários" \
		expect_http "$D4_A_URL/usuarios" 200 '^\[\{"id":1,"nome":"Ana","idade":28,"ativo_desde":2023\}'
	check "GET $D4_B_URL/info responde 200 com uma frase por usuário, no formato exato" d4_sentences
	check "service_b /health informa que o service_a está ok" \
		expect_http "$D4_B_URL/health" 200 '"service_b":"ok","service_a":"ok"'
	if [ "$DRY_RUN" = 0 ]; then
		cat <<-EOF

		Desafio 4 rodando. Para explorar:
		  curl $D4_A_URL/usuarios
		  curl $D4_B_URL/info
		  cd desafio4 && docker compose stop service_a && curl -i $D4_B_URL/info   # 503 em JSON
		EOF
	fi
}

d4_sentences() {
	local users info n_users n_sentences
	users=$(http_get "$D4_A_URL/usuarios")
	info=$(http_get "$D4_B_URL/info")
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
		answers_within "$D4_B_URL/info" 503 '^\{"erro":"service_a indisponível"' 3000
	check "service_a parado: o /health do service_b informa a dependência" \
		expect_http "$D4_B_URL/health" 200 '"service_a":"service_a indisponível","status":"degradado"'
	compose start service_a
	wait_healthy service_a
	check "service_a de volta: /info volta a responder 200 sozinho" \
		wait_until "/info responder 200" expect_http "$D4_B_URL/info" 200 'ativo desde 2023'
	compose pause service_a
	check "service_a travado (pause): /info responde 504 JSON dentro do timeout de leitura" \
		answers_within "$D4_B_URL/info" 504 '^\{"erro":"service_a não respondeu em 2 s"' 4000
	compose unpause service_a
	check "service_a destravado: /info volta a responder 200 sozinho" \
		wait_until "/info responder 200" expect_http "$D4_B_URL/info" 200 'ativo desde 2023'
	check_not_restarted service_b "$b_started" "o service_b não foi reiniciado"
	echo "Produção: endurecimento, queda do processo, parada:"
	check_hardened service_a service_b
	drill_crash service_a "$D4_B_URL/info" 'ativo desde 2023'
	check_stops_fast service_b service_a
	check_stays_stopped service_a
	clean_4 >/dev/null
}

clean_4() { compose_clean desafio4; }
