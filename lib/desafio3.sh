# shellcheck shell=bash
#
# lib/desafio3.sh — ./run.sh 3: compose com web (Flask), db (Postgres) e cache (Redis).
# Carregado pelo run.sh: cmd_3, as verificações d3_* e clean_3; os exercícios
# do ./run.sh test 3 estão em tests/desafio3.sh.

WEB_PORT=${WEB_PORT:-5000}
export WEB_PORT
D3_URL="http://127.0.0.1:$WEB_PORT"

d3_up() {
	compose_up db cache web
}

cmd_3() {
	section "Desafio 3 — docker compose: web + Postgres + Redis"
	preflight
	detect_compose
	ensure_ports_free desafio3 "WEB_PORT=$WEB_PORT"
	cd_run desafio3
	d3_up

	checks_header "$D3_URL"
	local before='' after='' logs_before=0
	if [ "$DRY_RUN" = 0 ]; then
		before=$(http_get "$D3_URL/" | json_number acessos || true)
		after=$(http_get "$D3_URL/" | json_number acessos || true)
	fi
	check "GET / responde 200 e o contador sobe de um em um ($before -> $after)" \
		d3_counter_step "$before" "$after"
	check "GET /log mostra o último acesso (número $after) primeiro" \
		expect_http "$D3_URL/log?limit=5" 200 "^\\{\"total\":[0-9]+,\"limite\":5,\"acessos\":\\[\\{\"id\":[0-9]+,\"numero\":$after,"
	check "GET /todos lista os 5 alunos semeados pelo initdb" \
		expect_http "$D3_URL/todos" 200 '"total":5,"alunos":\[\{"id":1,"nome":"Ana Souza"'
	compose exec -T cache redis-cli DEL aluno:1
	check "GET /aluno/1 na primeira vez vem do banco (X-Cache: MISS, 1 consulta)" d3_aluno_cache 1 MISS
	check "GET /aluno/1 na segunda vez vem do Redis (X-Cache: HIT, 0 consultas ao Postgres)" d3_aluno_cache 1 HIT
	check "GET /health: web, db e cache ok" \
		expect_http "$D3_URL/health" 200 '"web":"ok","db":"ok","cache":"ok"'

	echo "Persistência: down e up de novo mantêm contador e histórico (volumes nomeados):"
	if [ "$DRY_RUN" = 0 ]; then logs_before=$(http_get "$D3_URL/log" | json_number total || true); fi
	compose down
	d3_up
	check "depois de down/up o contador continua de onde parou (> $after)" \
		d3_counter_after "$after"
	check "depois de down/up o histórico ainda tem os acessos anteriores" \
		d3_log_total_at_least $((logs_before + 1))
	compose logs --tail 10 web
	if [ "$DRY_RUN" = 0 ]; then hints_3; fi
}

# hints_3: o que explorar depois do ./run.sh 3 (comandos como em hints_1).
hints_3() {
	cat <<-EOF

	Desafio 3 rodando em $D3_URL. Para explorar (o cabeçalho X-Cache diz se o aluno veio do Redis):
	  curl $D3_URL/
	  curl '$D3_URL/log?limit=5'
	  curl $D3_URL/todos
	  curl -i $D3_URL/aluno/1
	Na pasta do desafio: com o cache parado, a web responde do banco e avisa (X-Cache: BYPASS);
	religado, o cache volta sozinho; os logs mostram cada acesso (Ctrl+C sai):
	  cd desafio3
	  docker compose stop cache
	  curl -i $D3_URL/aluno/2
	  docker compose start cache
	  docker compose logs -f web
	Para terminar (o -v apaga os volumes: o contador recomeça do 1) e voltar à raiz:
	  docker compose down -v
	  cd ..
	EOF
}

d3_counter_step() {
	if [ -z "$1" ] || [ -z "$2" ]; then
		echo "GET / não devolveu \"acessos\" (status $(http_status))"
		return 1
	fi
	equals "$2" $(($1 + 1))
}
d3_counter_after() {
	local n
	n=$(http_get "$D3_URL/" | json_number acessos || true)
	equals "$(http_status)" 200 || return 1
	if [ -n "$n" ] && [ "$n" -gt "$1" ]; then return 0; fi
	echo "contador depois do down/up: '$n' (antes: $1) — os dados do Redis se perderam?"
	return 1
}
d3_log_total_at_least() {
	local n
	n=$(http_get "$D3_URL/log" | json_number total || true)
	equals "$(http_status)" 200 || return 1
	if [ -n "$n" ] && [ "$n" -ge "$1" ]; then return 0; fi
	echo "total no /log: '$n', esperado ao menos $1 — os dados do Postgres se perderam?"
	return 1
}
d3_aluno_cache() { # ID ESPERADO(HIT|MISS|BYPASS)
	expect_http "$D3_URL/aluno/$1" 200 "\"aluno\":\\{\"id\":$1," || return 1
	equals "$(last_header X-Cache)" "$2" || return 1
	case $2 in
		HIT) equals "$(last_header X-Consultas-DB) consulta(s) ao Postgres" "0 consulta(s) ao Postgres" ;;
		*) equals "$(last_header X-Consultas-DB) consulta(s) ao Postgres" "1 consulta(s) ao Postgres" ;;
	esac
}

clean_3() { compose_clean desafio3; }
