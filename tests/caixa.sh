# shellcheck shell=bash
#
# tests/caixa.sh — parte do ./run.sh test avaliar: a caixa que não sobe. O avaliador tenta uma
# segunda caixa, nova (lib/caixa.sh); com as duas falhando, a entrega sai "não avaliado" e o
# código de saída é 1. A falha é de verdade: um docker na frente do PATH passa tudo ao docker do
# sistema, menos o `docker run` da caixa, em que o dockerd de dentro ganha um arquivo de
# configuração que não existe (ele sobe e sai na hora, como o que desistiu do containerd no CI).
# Carregado pelo run.sh; chamado pelo test_avaliar (tests/avaliar.sh).

tav_caixa_retry() {
	local entrega="$ROOT/tests/avaliar/entregas/outros-nomes" rc=0
	echo "A caixa que não sobe:"
	tav_docker_falho uma "$WORK/docker-falho-uma"
	tav_snapshot >"$WORK/caixa-antes"
	printf '$ ./run.sh avaliar tests/avaliar/entregas/outros-nomes   # a primeira caixa não sobe\n'
	PATH="$WORK/docker-falho-uma:$PATH" "$ROOT/run.sh" avaliar "$entrega" --saida "$WORK/caixa-uma" \
		</dev/null >"$WORK/caixa-uma.log" 2>&1 || rc=$?
	check "a primeira caixa não sobe: uma segunda, nova, e a entrega avaliada como sempre (código 0)" \
		tav_second_caixa "$rc" "$WORK/caixa-uma.log" "$WORK/caixa-uma/outros-nomes" "$WORK/docker-falho-uma"
	check "nada da caixa que não subiu ficou para trás (contêineres, volumes, redes)" \
		tav_nothing_left "$WORK/caixa-antes"
	rc=0
	tav_docker_falho sempre "$WORK/docker-falho-sempre"
	printf '$ ./run.sh avaliar tests/avaliar/entregas/outros-nomes   # nenhuma caixa sobe\n'
	PATH="$WORK/docker-falho-sempre:$PATH" "$ROOT/run.sh" avaliar "$entrega" --saida "$WORK/caixa-sempre" \
		</dev/null >"$WORK/caixa-sempre.log" 2>&1 || rc=$?
	check "nenhuma caixa sobe: \"não avaliado: a caixa não subiu (duas tentativas)\" nos cinco, código 1" \
		tav_no_caixa "$rc" "$WORK/caixa-sempre.log" "$WORK/caixa-sempre/outros-nomes"
	check "nada das duas caixas ficou para trás (contêineres, volumes, redes)" \
		tav_nothing_left "$WORK/caixa-antes"
}

# tav_docker_falho MODO PASTA: PASTA/docker, que estraga o `docker run` da caixa (--hostname
# caixa) na primeira vez (MODO=uma; a marca é PASTA/falhou) ou sempre (MODO=sempre).
tav_docker_falho() {
	local real
	real=$(command -v docker)
	mkdir -p "$2"
	rm -rf "$2/falhou"
	{
		echo '#!/usr/bin/env bash'
		printf 'real=%q modo=%q marca=%q\n' "$real" "$1" "$2/falhou"
		cat <<'EOF'
if [ "$1" = run ] && printf '%s\n' "$@" | grep -qx caixa; then
	if [ "$modo" = sempre ] || mkdir "$marca" 2>/dev/null; then
		args=()
		for a in "$@"; do
			args+=("$a")
			if [ "$a" = dockerd ]; then args+=(--config-file=/nao/existe.json); fi
		done
		exec "$real" "${args[@]}"
	fi
fi
exec "$real" "$@"
EOF
	} >"$2/docker"
	chmod +x "$2/docker"
}

tav_second_caixa() { # STATUS LOG PASTA-DA-ENTREGA PASTA-DO-DOCKER-FALHO
	if [ ! -d "$4/falhou" ]; then echo "a falha não foi injetada (nenhum docker run da caixa)"; return 1; fi
	if [ "$(grep -c 'não subiu: outra tentativa' "$2")" != 1 ]; then
		echo "esperava um aviso 'não subiu: outra tentativa'; o fim da saída:"
		tail -n 20 "$2"
		return 1
	fi
	tav_exit_zero "$1" "$2" && tav_verdicts "$3" passou passou ausente ausente ausente
}

tav_no_caixa() { # STATUS LOG PASTA-DA-ENTREGA
	local want
	want=$(printf 'desafio%s\tfalhou\tnão avaliado: a caixa não subiu (duas tentativas)\n' 1 2 3 4 5)
	if [ "$1" != 1 ]; then
		echo "código $1 (esperado 1); o fim da saída:"
		tail -n 20 "$2"
		return 1
	fi
	if [ "$(cat "$3/veredictos.txt" 2>/dev/null)" != "$want" ]; then
		echo "veredictos.txt:"
		cat "$3/veredictos.txt" 2>/dev/null || echo "(sem $3/veredictos.txt)"
		return 1
	fi
}
