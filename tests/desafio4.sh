# shellcheck shell=bash
#
# tests/desafio4.sh — os exercícios do ./run.sh test 4.
# Carregado pelo run.sh; o que ./run.sh N faz está em lib/desafio4.sh.

test_4() {
	cmd_4
	echo "Exercícios de falha:"
	check "testes unitários do service_b: docker build --target test service_b (o estágio test)" \
		unit_tests service_b desafio4-service_b:test
	check "a imagem de produção do service_b não tem arquivo de teste (ls /app no contêiner)" \
		no_test_files service_b
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
