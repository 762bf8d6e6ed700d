# shellcheck shell=bash
#
# tests/hardening.sh — contêineres de produção (CIS Docker Benchmark) e
# autorrecuperação, verificados nos stacks dos desafios 3 a 5 (pasta atual):
#   check_hardened SERVIÇO...        o docker inspect de cada contêiner em execução
#   drill_crash SERVIÇO URL PADRÃO   o processo principal cai; o serviço volta sozinho
#   check_stays_stopped SERVIÇO      depois de um docker stop, continua parado
#   drill_pids SERVIÇO URL...        processos sem fim param no limite de PIDs
# Carregado pelo run.sh; as partes test_3, test_4 e test_5 chamam estas funções.

# Segundos que um serviço derrubado tem para voltar a responder (issue: 15 s).
readonly HEAL_SECS=15

# hardening_problems CONTÊINER: lista o que falta (vazio: tudo certo).
hardening_problems() {
	local fmt info ro capdrop secopt mem nanocpus shares pids health restart uid
	# campos separados por \037 (um comando de healthcheck pode ter "|", espaços...)
	fmt='{{.HostConfig.ReadonlyRootfs}}@{{.HostConfig.CapDrop}}@{{.HostConfig.SecurityOpt}}'
	fmt="$fmt"'@{{.HostConfig.Memory}}@{{.HostConfig.NanoCpus}}@{{.HostConfig.CpuShares}}@{{.HostConfig.PidsLimit}}'
	fmt="$fmt"'@{{.HostConfig.RestartPolicy.Name}}@{{if .Config.Healthcheck}}{{.Config.Healthcheck.Test}}{{end}}'
	info=$(docker container inspect -f "${fmt//@/$'\037'}" "$1") || return 1
	IFS=$'\037' read -r ro capdrop secopt mem nanocpus shares pids restart health <<<"$info"
	uid=$(docker exec "$1" id -u 2>&1) || uid="?($uid)"
	[ "$ro" = true ] || echo "raiz gravável (ReadonlyRootfs=$ro)"
	contains "$capdrop" '(^|[[ ])ALL([] ]|$)' >/dev/null || echo "capabilities não removidas (CapDrop=$capdrop)"
	contains "$secopt" 'no-new-privileges(:true)?([] ]|$)' >/dev/null || echo "sem no-new-privileges (SecurityOpt=$secopt)"
	positive "$mem" || echo "sem limite de memória (Memory=$mem)"
	positive "$nanocpus" || echo "sem limite de CPU (NanoCpus=$nanocpus)"
	case $shares in 0 | 1024) echo "sem prioridade de CPU (CpuShares=$shares)" ;; esac
	positive "$pids" || echo "sem limite de PIDs (PidsLimit=$pids)"
	case $health in '' | '[]' | '[NONE]') echo "sem healthcheck" ;; esac
	case $uid in 0 | \?*) echo "roda como root (uid $uid)" ;; esac
	[ "$restart" = unless-stopped ] || echo "sem restart: unless-stopped (RestartPolicy=$restart)"
}
positive() { case $1 in '' | *[!0-9]*) return 1 ;; *) [ "$1" -gt 0 ] ;; esac; }

# check_hardened SERVIÇO...: um check por serviço, com tudo o que falta como motivo.
check_hardened() {
	local svc
	for svc in "$@"; do
		check "$svc endurecido: raiz somente leitura, sem capabilities, no-new-privileges, limites de memória/CPU/PIDs, healthcheck, não-root, restart" \
			hardened "$(service_id "$svc")"
	done
}
hardened() {
	local problems
	problems=$(hardening_problems "$1") || { echo "não consegui inspecionar $1"; return 1; }
	[ -z "$problems" ] && return 0
	printf '%s\n' "$problems"
	return 1
}

restart_count() { docker container inspect -f '{{.RestartCount}}' "$1"; }

# drill_crash SERVIÇO URL PADRÃO: de dentro do contêiner, o processo principal
# recebe o sinal de "encerrar" (como uma queda, sem docker stop: funciona também
# no Docker Desktop, onde o host não vê os PIDs dos contêineres). A política de
# reinício o traz de volta e URL responde 200 com PADRÃO em até HEAL_SECS segundos.
drill_crash() {
	local id before
	id=$(service_id "$1")
	before=$(restart_count "$id")
	docker exec "$id" sh -c 'kill -TERM 1'
	check "$1 cai (o processo principal sai sem docker stop) e volta sozinho em até ${HEAL_SECS} s" \
		heals_within "$id" "$before" "$2" "$3"
}
heals_within() { # ID REINÍCIOS_ANTES URL PADRÃO
	local t0=$SECONDS
	WAIT_SECS=$HEAL_SECS wait_until "o contêiner reiniciar e $3 responder" \
		restarted_and_answers "$1" "$2" "$3" "$4" || {
		echo "reinícios: $(restart_count "$1") (antes: $2); estado: $(docker container inspect -f '{{.State.Status}}' "$1")"
		expect_http "$3" 200 "$4"
		return 1
	}
	info "(voltou em $((SECONDS - t0)) s; reinícios: $(restart_count "$1"))"
}
restarted_and_answers() {
	[ "$(restart_count "$1")" -gt "$2" ] && expect_http "$3" 200 "$4"
}

# check_stays_stopped SERVIÇO: depois de um docker stop (já feito), a política de
# reinício não o traz de volta: observado por 3 s.
check_stays_stopped() {
	check "depois de docker stop, o $1 continua parado (o restart não desfaz um stop)" \
		stays_stopped "$(service_id "$1")"
}
stays_stopped() {
	local before running tries=0
	before=$(restart_count "$1") || { echo "contêiner '$1' não encontrado"; return 1; }
	while [ "$tries" -lt 6 ]; do
		running=$(docker container inspect -f '{{.State.Running}}' "$1") || return 1
		if [ "$running" = true ]; then
			echo "o contêiner voltou a rodar depois do docker stop (reinícios: $(restart_count "$1"))"
			return 1
		fi
		tries=$((tries + 1))
		sleep 0.5
	done
	equals "reinícios: $(restart_count "$1")" "reinícios: $before"
}

# O programa do exercício de PIDs, rodado com python dentro do contêiner: cria
# processos até o limite recusar (no máximo PIDS_MAX), segura PIDS_HOLD segundos
# e encerra todos. Os filhos também saem sozinhos depois de PIDS_HOLD + 10 s.
readonly PIDS_MAX=500 PIDS_HOLD=4
readonly PIDS_DRILL='
import os, signal, sys, time
maximo, segurar = int(sys.argv[1]), float(sys.argv[2])
filhos, erro = [], None
while len(filhos) < maximo:
    try:
        pid = os.fork()
    except OSError as e:
        erro = e
        break
    if pid == 0:
        time.sleep(segurar + 10)
        os._exit(0)
    filhos.append(pid)
print(f"processos criados: {len(filhos)}; recusado: {erro}", flush=True)
time.sleep(segurar)
for pid in filhos:
    os.kill(pid, signal.SIGKILL)
for pid in filhos:
    os.waitpid(pid, 0)
print("liberados", flush=True)
'

# drill_pids SERVIÇO URL_DELE URL_OUTRO...: processos sem fim num contêiner param
# no limite de PIDs dele; os outros serviços seguem respondendo; ele se recupera.
drill_pids() {
	local svc=$1 own=$2 id out="$WORK/pids-drill.out" drill_pid
	shift 2
	id=$(service_id "$svc")
	docker exec "$id" python -c "$PIDS_DRILL" "$PIDS_MAX" "$PIDS_HOLD" >"$out" 2>&1 &
	drill_pid=$!
	wait_until "o exercício de PIDs chegar ao limite" grep -q 'processos criados' "$out" || true
	check "$svc: criar processos sem fim para no limite de PIDs (menos de $PIDS_MAX)" pids_refused "$out"
	local url
	for url in "$@"; do
		check "com o $svc no limite de PIDs, $url segue respondendo" expect_http "$url" 200
	done
	wait "$drill_pid" || true
	check "depois do exercício, os processos extras somem e o $svc volta a responder" \
		wait_until "$own responder 200" expect_http "$own" 200
}
pids_refused() {
	local text n
	text=$(cat "$1")
	n=$(sed -n 's/^processos criados: \([0-9]*\);.*/\1/p' <<<"$text")
	if [ -z "$n" ]; then
		printf 'o exercício não chegou ao limite:\n%s\n' "$text"
		return 1
	fi
	less_than "$n" "$PIDS_MAX" && contains "$text" 'recusado: .*(Resource temporarily unavailable|\[Errno 11\])'
}
