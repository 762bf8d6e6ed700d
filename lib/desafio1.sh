# shellcheck shell=bash
#
# lib/desafio1.sh — ./run.sh 1: dois contêineres na rede desafio1-net.
# Carregado pelo run.sh: cmd_1, as verificações d1_* e clean_1; os exercícios
# do ./run.sh test 1 estão em tests/desafio1.sh.

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
	if [ "$DRY_RUN" = 0 ]; then hints_1; fi
}

# hints_1: o que explorar depois do ./run.sh 1. As linhas com dois espaços na frente
# são comandos para colar no terminal, um por linha, sem comentários: também no zsh
# (o ./run.sh test leitura cola cada hints_PARTE no zsh, tests/leitura/dicas.sh).
hints_1() {
	cat <<-EOF

	Desafio 1 rodando. Para explorar (as respostas chegam a cada 2 s; Ctrl+C sai do logs -f):
	  docker logs -f client
	  docker network inspect desafio1-net
	Com o server parado, o client passa a dizer "servidor indisponível"; religado, volta a receber respostas sozinho:
	  docker stop server
	  docker start server
	Para terminar:
	  docker rm -f server client
	  docker network rm desafio1-net
	EOF
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

clean_1() {
	section "Limpeza — desafio 1"
	remove_our_containers server client
	remove_if_exists network desafio1-net
	remove_our_images d1-server d1-client
}
