# shellcheck shell=bash
#
# tests/desafio1.sh — os exercícios de falha do ./run.sh test 1 (server parado e de volta, parada rápida, um "server" alheio, o --endurecido).
# Carregado pelo run.sh; o que ./run.sh N faz está em lib/desafio1.sh.

test_1() {
	cmd_1
	echo "Exercícios de falha:"
	docker stop server >/dev/null
	check "com o server parado, o client escreve uma linha clara de erro e continua" \
		wait_until "linha de servidor indisponível" d1_client_reports_down
	local before
	before=$(client_logs | grep -c 'resposta:' || true)
	docker start server >/dev/null
	check "com o server de volta, o client volta a receber respostas sozinho" \
		wait_until "nova resposta" d1_more_answers_than "$before"
	check "docker stop server termina em menos de 1 s" stop_fast server
	check "docker stop client termina em menos de 1 s" stop_fast client

	clean_1 >/dev/null
	docker create --name server "$PYTHON_IMAGE" true >/dev/null
	local out status=0
	out=$("$ROOT/run.sh" 1 2>&1) || status=$?
	check "./run.sh 1 recusa remover um contêiner 'server' que não é deste projeto" \
		d1_refused_foreign "$status" "$out"
	# a parte do desafio 1 no ./run.sh clean (o clean inteiro derrubaria os outros desafios
	# de quem roda só ./run.sh test 1; o test clean confere o clean inteiro)
	(clean_1) >/dev/null 2>&1 || true
	check "a limpeza do desafio 1 no ./run.sh clean também mantém o 'server' alheio" \
		equals "$(container_label server || echo removido)" ''
	docker rm -f server >/dev/null 2>&1 || true
	echo "O mesmo desafio com as travas de produção (./run.sh 1 --endurecido):"
	cmd_1 --endurecido
	clean_1 >/dev/null
}

d1_client_reports_down() {
	client_logs | grep 'servidor indisponível em http://server:8080' >/dev/null &&
		[ "$(docker container inspect -f '{{.State.Running}}' client)" = true ]
}
d1_more_answers_than() {
	[ "$(client_logs | grep -c 'resposta:')" -gt "$1" ]
}
d1_refused_foreign() { # STATUS SAÍDA
	failed_with "$1" "$2" "não foi criado por este projeto" || return 1
	equals "$(container_label server || echo removido)" ''
}
