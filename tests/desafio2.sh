# shellcheck shell=bash
#
# tests/desafio2.sh — os exercícios do ./run.sh test 2.
# Carregado pelo run.sh; o que ./run.sh N faz está em lib/desafio2.sh.

test_2() {
	cmd_2
	echo "Exercícios de falha:"
	check "o script roda como usuário não-root" \
		contains "$(docker run --rm --entrypoint id d2-image -u)" '^[1-9][0-9]*$'
	check "sem permissão de escrita em /data, o erro é uma frase clara em português (sem traceback)" \
		d2_clear_error_on_readonly
	local out status=0
	out=$(PYTHON_IMAGE=desafios-docker-inexistente/python:0 "$ROOT/run.sh" 2 2>&1) || status=$?
	check "imagem base impossível de baixar: mensagem com a solução (*_IMAGE, mirror)" \
		failed_with "$status" "$out" 'Não foi possível baixar uma imagem base.*PYTHON_IMAGE='
	echo "O mesmo desafio com as travas de produção (./run.sh 2 --endurecido):"
	cmd_2 --endurecido
	clean_2 >/dev/null
}

d2_clear_error_on_readonly() {
	local out status=0
	out=$(docker run --rm --read-only d2-image 2>&1) || status=$?
	failed_with "$status" "$out" 'erro: não foi possível usar o banco' && not_contains "$out" 'Traceback|unable to open|readonly database'
}
