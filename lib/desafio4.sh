# shellcheck shell=bash
#
# lib/desafio4.sh — ./run.sh 4: service_a e service_b, microsserviços por HTTP.
# Carregado pelo run.sh: cmd_4, as verificações d4_* e clean_4; os exercícios
# do ./run.sh test 4 estão em tests/desafio4.sh.

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
	if [ "$DRY_RUN" = 0 ]; then hints_4; fi
}

# hints_4: o que explorar depois do ./run.sh 4 (comandos como em hints_1).
hints_4() {
	cat <<-EOF

	Desafio 4 rodando. Para explorar:
	  curl $D4_A_URL/usuarios
	  curl $D4_B_URL/info
	Na pasta do desafio: com o service_a parado, o service_b responde 503 em JSON; religado, volta sozinho:
	  cd desafio4
	  docker compose stop service_a
	  curl -i $D4_B_URL/info
	  docker compose start service_a
	Para terminar e voltar à raiz:
	  docker compose down
	  cd ..
	EOF
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

clean_4() { compose_clean desafio4; }
