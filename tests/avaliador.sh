# shellcheck shell=bash
#
# tests/avaliador.sh — parte do ./run.sh test avaliar: o que o avaliador faz no host, fora da
# caixa. Sem Docker: os nomes das pastas de saída numa rodada nova com a mesma --saida, e o que
# o host escreve quando o juiz parou no meio (av_settle). Depois, a caixa que não sobe, de
# verdade (uma caixa, minutos de CI, por isso uma entrega pequena): o avaliador tenta uma
# segunda caixa, nova (lib/caixa.sh); com as duas falhando, a entrega sai "não avaliado" e o
# código de saída é 1. A falha é de verdade: um docker na frente do PATH passa tudo ao docker do
# sistema, menos o `docker run` da caixa, em que o dockerd de dentro ganha um arquivo de
# configuração que não existe (ele sobe e sai na hora, como o que desistiu do containerd no CI).
# Carregado pelo run.sh; chamado pelo test_avaliar (tests/avaliar.sh).

tav_avaliador() {
	echo "O avaliador no host (nomes das pastas, o juiz que para, a caixa que não sobe):"
	check "rodada nova com a mesma --saida: cada entrega volta à sua pasta; outra com o mesmo nome ganha -2" \
		tav_names_again
	check "--saida que escreveria dentro da entrega (a pasta mãe dela, ou ela mesma): erro, e os arquivos dela intactos" \
		tav_saida_na_entrega
	check "tempo esgotado: o que o juiz não avaliou vira falhou com o motivo (também no results.json); o que AVALIAR_DESAFIOS deixou de fora segue ausente; código 0" \
		tav_settle 137 "tempo esgotado (AVALIAR_TEMPO=9 s): a caixa & o /saida dela removidos" \
		"tempo esgotado (AVALIAR_TEMPO=9 s): a caixa & o /saida dela removidos" sem-marca
	check "o juiz parou com erro: \"não avaliado: o avaliador não terminou (código 1...)\" no que ficou, código 1" \
		tav_settle 1 '' "não avaliado: o avaliador não terminou (código 1; veja log.txt)" marca
	check "o juiz terminou: os veredictos dele como estão, código 0" \
		tav_settle 0 '' "não avaliado: o avaliador parou antes deste desafio" sem-marca
	tav_caixa_retry
}

# tav_names_again: a turma /t/ana e /u/ana deu ana e ana-2 (fonte.txt de cada uma); uma rodada
# só com /u/ana volta a ana-2 (e não escreve por cima do relatório da outra); /v/ana, nova, ana-3.
tav_names_again() {
	local AV_SAIDA=$WORK/nomes AV_NOMES=' ' AV_NOME got=''
	rm -rf "$AV_SAIDA" && mkdir -p "$AV_SAIDA/ana" "$AV_SAIDA/ana-2"
	echo /t/ana >"$AV_SAIDA/ana/fonte.txt" && echo /u/ana >"$AV_SAIDA/ana-2/fonte.txt"
	av_unique /u/ana && got=$AV_NOME
	AV_NOMES=' ' && av_unique /t/ana && got="$got $AV_NOME"
	# shellcheck disable=SC2034 # AV_NOMES é lido por av_unique
	AV_NOMES=' ' && av_unique /v/ana && got="$got $AV_NOME"
	if [ "$got" != "ana-2 ana ana-3" ]; then echo "pastas: $got (esperado: ana-2 ana ana-3)" && return 1; fi
}

# tav_saida_na_entrega: ./run.sh avaliar turma/ana --saida turma, e --saida turma/ana.
tav_saida_na_entrega() {
	local ana=$WORK/turma/ana saida out rc
	rm -rf "$WORK/turma" && mkdir -p "$ana"
	echo "o relatório da ana" >"$ana/RELATORIO.md" && echo "o log da ana" >"$ana/log.txt"
	for saida in "$WORK/turma" "$ana"; do
		rc=0
		out=$("$ROOT/run.sh" avaliar "$ana" --saida "$saida" </dev/null 2>&1) || rc=$?
		failed_with "$rc" "$out" 'escreveria dentro da entrega' || return 1
		if [ "$(cat "$ana/RELATORIO.md" "$ana/log.txt")" != "$(printf 'o relatório da ana\no log da ana')" ] ||
			[ "$(find "$ana" -mindepth 1 | wc -l | tr -d ' ')" != 2 ]; then
			echo "com --saida $saida, a pasta da entrega mudou:" && find "$ana" -mindepth 1
			return 1
		fi
	done
}

tav_caixa_retry() {
	local entrega="$ROOT/tests/avaliar/entregas/outros-nomes" rc=0
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

# tav_settle STATUS TEMPO MOTIVO-ESPERADO marca|sem-marca: av_settle numa entrega em que o juiz
# avaliou o desafio 2, não chegou ao 3, e o 1 e o 5 ficaram de fora (AVALIAR_DESAFIOS='2 3 4');
# TEMPO, se não vazio, é o que o vigia escreveu. A marca é a do código de saída 1.
tav_settle() {
	local dir=$WORK/settle-$1 want
	rm -rf "$dir" && mkdir -p "$dir/entrega"
	printf 'desafio%s\t%s\t%s\n' 1 ausente 'não avaliado (JUIZ_DESAFIOS)' 2 passou 'tudo funciona' \
		3 falhou 'não avaliado: o avaliador parou antes deste desafio' 4 ausente 'nenhuma pasta do desafio 4' \
		5 ausente 'não avaliado (JUIZ_DESAFIOS)' >"$dir/entrega/veredictos.txt"
	: >"$dir/entrega/RELATORIO.md"
	printf '{\n  "tests": [\n    {"name": "desafio2", "output": "tudo funciona"},\n    {"name": "desafio3", "output": "%s"}\n  ]\n}\n' \
		'não avaliado: o avaliador parou antes deste desafio' >"$dir/entrega/results.json"
	if [ -n "$2" ]; then printf '%s\n' "$2" >"$dir/tempo-7"; fi
	(WORK=$dir && av_settle "$dir/entrega" 7 "$1")
	want=$(printf 'desafio%s\t%s\t%s\n' 1 ausente 'não avaliado (JUIZ_DESAFIOS)' 2 passou 'tudo funciona' \
		3 falhou "$3" 4 ausente 'nenhuma pasta do desafio 4' 5 ausente 'não avaliado (JUIZ_DESAFIOS)')
	if [ "$(cat "$dir/entrega/veredictos.txt")" != "$want" ]; then
		printf 'veredictos.txt:\n%s\nesperado:\n%s\n' "$(cat "$dir/entrega/veredictos.txt")" "$want"
		return 1
	fi
	if ! grep -qxF "    {\"name\": \"desafio3\", \"output\": \"$3\"}" "$dir/entrega/results.json" ||
		! grep -qF '"output": "tudo funciona"' "$dir/entrega/results.json"; then
		printf 'results.json (o desafio3 com "%s"):\n%s\n' "$3" "$(cat "$dir/entrega/results.json")"
		return 1
	fi
	case $4:$([ -e "$dir/nao-avaliada" ] && echo sim) in
		marca:sim | sem-marca:) ;;
		marca:*) echo "sem a marca do código de saída 1 ($dir/nao-avaliada)" && return 1 ;;
		*) echo "com a marca do código de saída 1, sem motivo" && return 1 ;;
	esac
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
