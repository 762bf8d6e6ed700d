# shellcheck shell=bash
#
# lib/verificacoes.sh — as verificações (check, os contadores, as esperas e as comparações) que todas as partes usam.
# Carregado pelo run.sh (com `.`), antes das outras partes.

# ------------------------------------------------------------ verificações

# check "descrição" CMD...: roda CMD; conta ok/falhou. Quando falha, o que o
# comando imprimiu é o motivo.
check() {
	local desc=$1 out status=0
	shift
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	out=$("$@" 2>&1) || status=$?
	if [ "$status" = 0 ]; then
		printf '  %sok%s      %s\n' "$C_OK" "$C_OFF" "$desc"
		echo ok >>"$RESULTS"
	else
		record_failure "$desc"
		if [ -n "$out" ]; then printf '%s\n' "$out" | sed 's/^/          /' | head -n 60 || true; fi
	fi
}

# checks_header [ENDEREÇO]: o título das verificações (no --dry-run não há nenhuma).
checks_header() {
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	echo "Verificações${1:+ ($1)}:"
}

# Registra uma falha (a de um check, ou a de um desafio que abortou); a lista do fim
# (summary) a mostra com a parte do ./run.sh test em que ela aconteceu.
record_failure() {
	printf '  %sfalhou%s  %s\n' "$C_FAIL" "$C_OFF" "$1"
	echo falhou >>"$RESULTS"
	printf '  %s%s\n' "${TEST_PART:+[$TEST_PART] }" "$1" >>"$RESULTS.falhas"
}

count_results() { grep -c "^$1\$" "$RESULTS" || true; }

summary() {
	local passed failed
	passed=$(count_results ok)
	failed=$(count_results falhou)
	if [ -s "$RESULTS.falhas" ]; then printf '\nFalharam:\n' && cat "$RESULTS.falhas"; fi
	echo
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# Asserções usadas por check: silenciosas quando passam, explicam quando não.
# grep -q lê por here-string, nunca por pipe: com pipefail, `printf | grep -q`
# falha à toa quando o grep sai antes (SIGPIPE); fluxos vão para `grep >/dev/null`.
contains() { # TEXTO PADRÃO(grep -E)
	if grep -qE -- "$2" <<<"$1"; then return 0; fi
	printf 'esperado: /%s/\nobtido: %s\n' "$2" "$(printf '%s' "$1" | head -c 600)"
	return 1
}
not_contains() {
	if ! grep -qE -- "$2" <<<"$1"; then return 0; fi
	printf 'não deveria conter: /%s/\nobtido: %s\n' "$2" "$(printf '%s' "$1" | head -c 600)"
	return 1
}
equals() {
	if [ "$1" = "$2" ]; then return 0; fi
	printf 'esperado: %s\nobtido:   %s\n' "$2" "$1"
	return 1
}
# failed_with STATUS SAÍDA PADRÃO: o comando falhou (status != 0) dizendo PADRÃO.
failed_with() {
	if [ "$1" = 0 ]; then
		echo "o comando terminou com sucesso; esperava uma falha"
		return 1
	fi
	contains "$2" "$3"
}
less_than() {
	if [ "$1" -lt "$2" ]; then return 0; fi
	printf 'esperado menos que %s, obtido %s\n' "$2" "$1"
	return 1
}

# wait_until "descrição" CMD...: repete CMD (a cada POLL_SECS, 0,5 s por padrão) até
# dar certo ou passar $WAIT_SECS segundos. Nada de sleep fixo como espera.
wait_until() {
	local desc=$1 deadline tries=0
	shift
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	deadline=$((SECONDS + WAIT_SECS))
	until "$@" >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ "$SECONDS" -ge "$deadline" ] || [ "$tries" -gt $((WAIT_SECS * 20)) ]; then
			warn "tempo esgotado (${WAIT_SECS}s) esperando: $desc"
			return 1
		fi
		sleep "${POLL_SECS:-0.5}"
	done
}
