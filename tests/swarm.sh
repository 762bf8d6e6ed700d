# shellcheck shell=bash
#
# tests/swarm.sh — os exercícios do ./run.sh test swarm (escala, atualização, queda de réplica, limpeza).
# Carregado pelo run.sh; o que ./run.sh swarm faz está em lib/swarm.sh.


test_swarm() {
	local before
	before=$(swarm_state)
	cmd_swarm
	echo "Um serviço que responde antes de ler o corpo (o users_service dá 405 a um POST):"
	local since
	since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	check "10 POSTs de 900 KiB em /users pelo gateway: sempre o 405 JSON do serviço, nenhum 503" \
		sw_post_early 10 921600
	check "logo depois, 30 GETs pelo gateway chegam às 3 réplicas (nenhuma saiu do rodízio)" \
		sw_none_pushed_out "$since"
	echo "Exercícios de escala e de falha (com requisições em laço pelo gateway):"
	sw_scale_drill
	sw_update_drill
	sw_kill_drill
	sw_clean_drills "$before"
}

sw_scale_drill() {
	run_quiet docker service scale --detach=false "${SWARM_STACK}_users_service=5"
	wait_until "5 réplicas saudáveis" sw_converged || true
	check "escalado para 5: as 5 réplicas respondem em até 50 requisições" sw_spread "$SWARM_URL" 50 5
	run_quiet docker service scale --detach=false "${SWARM_STACK}_users_service=3"
	wait_until "3 réplicas de novo" sw_converged || true
	check "de volta a 3 réplicas (3/3)" sw_replicas users_service 3
}

sw_update_drill() {
	sw_load_start "$WORK/update.log"
	run_quiet docker service update --detach=false --force "${SWARM_STACK}_users_service"
	sw_load_stop "$WORK/update.log"
	check "docker service update --force (start-first, uma réplica por vez) sem nenhuma requisição falhar" \
		sw_no_failures "$WORK/update.log"
}

sw_kill_drill() {
	local victim
	victim=$(docker ps -q --filter "label=com.docker.swarm.service.name=${SWARM_STACK}_orders_service" | head -n 1)
	sw_load_start "$WORK/kill.log"
	run_quiet docker kill "$victim"
	wait_until "o Swarm repor a réplica do orders_service" sw_converged || true
	sw_load_stop "$WORK/kill.log"
	check "uma réplica do orders_service morta (docker kill) sem nenhuma requisição falhar" \
		sw_no_failures "$WORK/kill.log"
	check "o Swarm repõe a réplica morta: orders_service de volta a 2/2" sw_replicas orders_service 2
}

# sw_load_start ARQUIVO: GET /users e /orders em laço pelo gateway, um status por
# linha em ARQUIVO, por ao menos 15 s e até existir ARQUIVO.stop (no máximo 90 s).
SW_LOAD_PID=''
sw_load_start() {
	rm -f "$1" "$1.stop"
	(
		t0=$SECONDS
		while [ $((SECONDS - t0)) -lt 90 ] && { [ ! -e "$1.stop" ] || [ $((SECONDS - t0)) -lt 15 ]; }; do
			for path in /users /orders; do
				hcurl -s -o /dev/null -w "%{http_code} $path\n" --max-time 5 "$SWARM_URL$path" >>"$1" || true
			done
		done
	) &
	SW_LOAD_PID=$!
}
sw_load_stop() {
	: >"$1.stop"
	wait "$SW_LOAD_PID" || true
}
sw_no_failures() {
	local total bad
	total=$(grep -c . "$1" || true)
	bad=$(grep -vc '^200 ' "$1" || true)
	if [ "$total" -gt 0 ] && [ "$bad" = 0 ]; then
		info "($total requisições, todas 200)"
		return 0
	fi
	printf '%s requisições, %s falharam:\n%s\n' "$total" "$bad" "$(grep -v '^200 ' "$1" | sort | uniq -c)"
	return 1
}

# Depois da limpeza do Swarm (a parte dele no ./run.sh clean; o clean inteiro derrubaria
# os outros desafios de quem roda só ./run.sh test swarm), nada do stack; o swarm sai só
# se foi o ./run.sh que o criou.
sw_clean_drills() {
	local before=$1 out status=0
	(clean_swarm) >/dev/null 2>&1 || true
	if [ "$before" != inactive ]; then
		check "a limpeza do Swarm no ./run.sh clean remove o stack e mantém o swarm que já existia" sw_after_clean active
		return 0
	fi
	check "a limpeza do Swarm no ./run.sh clean remove o stack e desfaz o swarm que o ./run.sh swarm criou" sw_after_clean inactive
	# agora um swarm "do usuário", criado antes do ./run.sh swarm
	docker swarm init >/dev/null 2>&1 || docker swarm init --advertise-addr 127.0.0.1 >/dev/null
	out=$("$ROOT/run.sh" swarm 2>&1) || status=$?
	check "num swarm que já existia, ./run.sh swarm avisa que vai usá-lo e faz o deploy" \
		sw_used_existing "$status" "$out"
	(clean_swarm) >/dev/null 2>&1 || true
	check "um swarm criado antes do ./run.sh swarm continua lá depois do clean (sem o stack)" \
		sw_after_clean active
	docker swarm leave --force >/dev/null 2>&1 || true
}
sw_used_existing() {
	equals "$1" 0 || { printf '%s\n' "$2" | tail -n 15; return 1; }
	contains "$2" 'já está num swarm que não foi criado por este projeto'
}
sw_after_clean() { # ESTADO_ESPERADO
	local left
	left=$(docker service ls --filter "name=${SWARM_STACK}_" --format '{{.Name}}' 2>/dev/null || true)
	[ -z "$left" ] || { printf 'serviços que sobraram:\n%s\n' "$left"; return 1; }
	equals "swarm $(swarm_state)" "swarm $1"
}
