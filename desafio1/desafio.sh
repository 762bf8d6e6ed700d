# shellcheck shell=bash
#
# desafio1/desafio.sh — Desafio 1: dois contêineres na rede desafio1-net.
# Carregado pelo run.sh: cmd_1 (./run.sh 1), as verificações d1_*, test_1 (a
# parte do desafio 1 no ./run.sh test) e clean_1.

client_logs() { docker logs client 2>&1; }

# ./run.sh 1 --endurecido: os mesmos docker run com as travas de produção (o
# README explica cada uma). O client escreve em /tmp (um tmpfs: a raiz é só leitura).
D1_HARDENING=(--read-only --cap-drop ALL --security-opt no-new-privileges:true
	--cpu-shares 512 --restart unless-stopped)
D1_SERVER_LIMITS=(--memory 128m --cpus 0.5 --pids-limit 64)
D1_CLIENT_LIMITS=(--tmpfs /tmp --memory 32m --cpus 0.25 --pids-limit 16)

cmd_1() {
	local hardened=0
	if has_arg --endurecido "$@"; then hardened=1; fi
	section "Desafio 1 — contêineres em rede"
	preflight
	ensure_not_foreign server client
	cd_run desafio1
	remove_our_containers server client
	if [ "$DRY_RUN" = 0 ] && docker network inspect desafio1-net >/dev/null 2>&1; then
		info "(a rede desafio1-net já existe: reaproveitando)"
	else
		run docker network create desafio1-net
	fi
	docker_build PYTHON_IMAGE -t d1-server -f Dockerfile.server .
	docker_build CLIENT_IMAGE -t d1-client -f Dockerfile.client .
	d1_run_containers "$hardened"
	wait_until "a primeira resposta do servidor nos logs do client" d1_client_got_answer || true
	run docker logs client

	checks_header
	check "a rede desafio1-net é uma bridge definida pelo usuário" \
		d1_network_is_bridge
	check "server e client estão conectados à rede desafio1-net" d1_both_on_network
	check "o client alcança http://server:8080 pelo nome (DNS do Docker) e recebe a resposta" \
		d1_client_got_answer
	check "a resposta traz o hostname do contêiner server (prova de quem respondeu)" \
		d1_answer_names_server
	check "o servidor roda como usuário não-root" not_root_in server
	check "server e client ficam saudáveis (o HEALTHCHECK de cada imagem)" \
		wait_until "server e client ficarem healthy" d1_both_healthy
	if [ "$hardened" = 1 ]; then
		check "server e client endurecidos (raiz só leitura, sem capabilities, limites, restart)" \
			d1_hardened
	fi
	if [ "$DRY_RUN" = 0 ]; then
		cat <<-EOF

		Desafio 1 rodando. Para explorar:
		  docker logs -f client          # respostas chegando a cada 2 s (Ctrl+C para sair)
		  docker network inspect desafio1-net
		  docker stop server             # o client passa a dizer "servidor indisponível"
		  docker start server            # ... e volta a receber respostas sozinho
		EOF
	fi
}

d1_network_is_bridge() {
	equals "$(docker network inspect -f '{{.Driver}}' desafio1-net)" bridge
}
d1_both_on_network() {
	local names
	names=$(docker network inspect -f '{{range .Containers}}{{.Name}} {{end}}' desafio1-net)
	contains "$names" '(^| )server( |$)' && contains "$names" '(^| )client( |$)'
}
d1_run_containers() { # 1: com as travas de produção
	if [ "$1" = 1 ]; then
		run docker run -d --network desafio1-net --name server "${D1_HARDENING[@]}" "${D1_SERVER_LIMITS[@]}" d1-server
		run docker run -d --network desafio1-net --name client "${D1_HARDENING[@]}" "${D1_CLIENT_LIMITS[@]}" d1-client
	else
		run docker run -d --network desafio1-net --name server d1-server
		run docker run -d --network desafio1-net --name client d1-client
	fi
}
d1_hardened() { hardened server && hardened client; }
d1_both_healthy() {
	[ "$(docker container inspect -f '{{.State.Health.Status}}' server client | sort -u)" = healthy ]
}
d1_client_got_answer() {
	contains "$(client_logs)" 'resposta: \{.*"mensagem":"Olá do servidor Flask!"'
}
d1_answer_names_server() {
	local host
	host=$(docker container inspect -f '{{.Config.Hostname}}' server)
	contains "$(client_logs | grep 'resposta:')" "\"servidor\":\"$host\""
}
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
	"$ROOT/run.sh" clean >/dev/null 2>&1 || true
	check "./run.sh clean também mantém o 'server' alheio" \
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

clean_1() {
	section "Limpeza — desafio 1"
	remove_our_containers server client
	remove_if_exists network desafio1-net
	remove_our_images d1-server d1-client
}
