# shellcheck shell=bash
#
# tests/desafio3.sh — os exercícios do ./run.sh test 3 (dependências que caem, produção, a tabela grande, concorrência, entradas ruins).
# Carregado pelo run.sh; o que ./run.sh N faz está em lib/desafio3.sh.

test_3() {
	cmd_3
	echo "Exercícios de falha e de carga:"
	check "testes unitários da web: docker build --target test web (o estágio test do Dockerfile)" \
		unit_tests web desafio3-web:test
	check "a imagem de produção da web não tem arquivo de teste (ls /app no contêiner)" no_test_files web
	check "50 GET / concorrentes: contador +50 e exatamente 50 novas linhas no log" d3_concurrency 50
	check "entradas ruins viram 4xx com JSON (nunca 500 nem traceback)" d3_bad_input
	d3_dependency_drills
	echo "Produção: endurecimento, queda do processo, parada:"
	d3_production_drills
	echo "Tabela grande: /log com ~1.000 e com 1.000.000 de linhas em acessos:"
	d3_big_table_drills
	d3_reset_drills
	clean_3 >/dev/null
}

# Cache e banco param e voltam; a web segue de pé, sem reiniciar.
d3_dependency_drills() {
	local web_started
	web_started=$(started_at web)
	compose stop cache
	check "cache parado: /todos responde do banco e avisa (X-Cache: BYPASS)" \
		d3_bypass "$D3_URL/todos" '"total":5'
	check "cache parado: /aluno/2 responde do banco e avisa" d3_bypass "$D3_URL/aluno/2" '"id":2'
	check "cache parado: GET / responde 503 com JSON" expect_http "$D3_URL/" 503 '"erro":"cache \(redis\) indisponível'
	compose start cache
	wait_healthy cache
	check "cache de volta: /aluno/3 faz MISS e depois HIT sem reiniciar a web" d3_cache_back 3

	compose stop db
	check "db parado: /todos e /log respondem 503 JSON em poucos segundos" d3_db_down
	compose start db
	wait_healthy db
	check "db de volta: /log responde 200 sem reiniciar a web" \
		wait_until "/log voltar a responder 200" expect_http "$D3_URL/log?limit=1" 200
	check_not_restarted web "$web_started" "a web não foi reiniciada"
}

# CIS: o docker inspect de cada contêiner; a web cai e volta com os mesmos dados;
# docker stop em menos de 1 s, e um stop não é desfeito pela política de reinício.
d3_production_drills() {
	local counter logs
	check_hardened web db cache
	counter=$(http_get "$D3_URL/" | json_number acessos || true)
	logs=$(http_get "$D3_URL/log" | json_number total || true)
	drill_crash web "$D3_URL/health" '"web":"ok","db":"ok","cache":"ok"'
	check "depois da queda, o contador continua de onde parou (> ${counter:-?})" d3_counter_after "${counter:-0}"
	check "depois da queda, o histórico ainda tem os acessos anteriores" d3_log_total_at_least "${logs:-1}"
	check_stops_fast web db cache
	check_stays_stopped web
}

# O custo do /log não cresce com a tabela: com 1.000.000 de linhas, o p50 dele fica perto do
# p50 com ~1.000, medido antes na mesma execução (um COUNT(*) por chamada leva dezenas de ms
# a 1 milhão de linhas, mais de 10x o valor com 1.000). Cada p50 do /log é dividido pelo do
# /health (web -> Postgres -> Redis, sem tocar em acessos), medido intercalado com ele: numa
# máquina de 2 CPUs ocupada por outros processos os dois sobem juntos, e a razão não. O
# limite é 3x: a meta é 2x, e a folga cobre o ruído.
d3_big_table_drills() {
	local small big total0 t0 t1
	d3_up # as verificações de produção terminam com tudo parado
	d3_insert_acessos 1000
	small=$(d3_log_p50 41)
	total0=$(http_get "$D3_URL/log?limit=1" | json_number total || true)
	t0=$(now_ms)
	d3_insert_acessos 1000000
	t1=$(now_ms)
	info "(1.000.000 de linhas inseridas em $((t1 - t0)) ms)"
	big=$(d3_log_p50 41)
	check "/log?limit=5, p50 (p50 do /health): ${big% *} ms (${big#* } ms) com 1.000.000 de linhas, ${small% *} ms (${small#* } ms) com ~1.000; razão até 3x" \
		d3_p50_within "$big" "$small" 3
	check "/log com 1.000.000 de linhas: total exato (o mesmo COUNT(*) do psql; +1.000.000)" \
		d3_log_total_exact $((${total0:-0} + 1000000))
	check "/log com 1.000.000 de linhas: o acesso mais novo primeiro, ids decrescentes" d3_log_newest_first
	check "/log com 1.000.000 de linhas: a listagem lê o índice da chave de trás para a frente (EXPLAIN)" \
		d3_log_uses_index
	# um volume criado antes da contagem: sem a tabela acessos_contagem e sem os triggers
	d3_psql "SET client_min_messages = warning; DROP FUNCTION acessos_contar() CASCADE; DROP TABLE acessos_contagem"
	compose restart web
	wait_healthy web
	check "volume antigo (sem a contagem): a web a cria na partida e /log dá o total exato" \
		d3_log_total_exact "$(d3_psql 'SELECT count(*) FROM acessos')"
}
# d3_psql SQL: uma consulta no Postgres do desafio, só os valores (sem narrar).
d3_psql() { dc exec -T db psql -U desafio3 -d desafio3 -qAt -v ON_ERROR_STOP=1 -c "$1"; }
# d3_insert_acessos N: N linhas em acessos com um único comando SQL (narrado).
d3_insert_acessos() {
	compose exec -T db psql -U desafio3 -d desafio3 -c \
		"INSERT INTO acessos (numero, caminho) SELECT g, '/carga' FROM generate_series(1, $1) g"
}
# d3_log_p50 N: "P50_LOG P50_HEALTH", medianas em ms de N GET /log?limit=5 e N GET
# /health, intercalados, pelo host (uma resposta que não é 200 conta como 10 s).
d3_log_p50() {
	local out url
	for _ in $(seq 1 "$1"); do
		for url in "$D3_URL/log?limit=5" "$D3_URL/health"; do
			out=$(hcurl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 "$url" || true)
			case $out in 200\ *) echo "$url ${out#* }" ;; *) echo "$url 10" ;; esac
		done
	done >"$WORK/d3-p50"
	echo "$(d3_median log <"$WORK/d3-p50") $(d3_median health <"$WORK/d3-p50")"
}
d3_median() { # PADRÃO: a mediana, em ms, dos tempos das linhas "URL SEGUNDOS" com PADRÃO
	grep -- "$1" | awk '{ printf "%.2f\n", $2 * 1000 }' | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
d3_p50_within() { # "LOG HEALTH" (grande) "LOG HEALTH" (pequena) FATOR
	local big small
	read -r -a big <<<"$1"
	read -r -a small <<<"$2"
	if awk -v a="${big[0]}" -v b="${big[1]}" -v c="${small[0]}" -v d="${small[1]}" -v k="$3" \
		'BEGIN { exit !(b > 0 && d > 0 && a / b <= k * c / d) }'; then return 0; fi
	echo "p50 do /log (do /health): ${big[0]} ms (${big[1]} ms) com 1.000.000 de linhas;" \
		"${small[0]} ms (${small[1]} ms) com ~1.000: a razão passou de $3x"
	echo "o custo do /log cresce com a tabela (um COUNT(*) a cada chamada?)"
	return 1
}
d3_log_total_exact() { # TOTAL_ESPERADO
	local body api rows
	body=$(http_get "$D3_URL/log?limit=1")
	equals "$(http_status)" 200 || { echo "corpo: $body"; return 1; }
	api=$(printf '%s' "$body" | json_number total)
	rows=$(d3_psql 'SELECT count(*) FROM acessos')
	equals "total $api, COUNT(*) $rows" "total $1, COUNT(*) $1"
}
# A consulta da listagem, a mesma de app.py: o EXPLAIN mostra o plano que o Postgres escolhe.
d3_log_uses_index() {
	local plan
	plan=$(d3_psql "EXPLAIN SELECT id, numero, caminho, cliente, quando FROM acessos ORDER BY id DESC LIMIT 5")
	contains "$plan" 'Index Scan Backward using acessos_pkey on acessos' || return 1
	not_contains "$plan" 'Seq Scan|Sort'
}
d3_log_newest_first() {
	local n body ids max
	n=$(http_get "$D3_URL/" | json_number acessos || true)
	equals "$(http_status)" 200 || return 1
	body=$(http_get "$D3_URL/log?limit=5")
	equals "$(http_status)" 200 || return 1
	contains "$body" "\"acessos\":\\[\\{\"id\":[0-9]+,\"numero\":$n," || return 1
	ids=$(printf '%s' "$body" | grep -oE '"id":[0-9]+' | sed 's/.*://')
	max=$(d3_psql 'SELECT max(id) FROM acessos')
	# 5 ids, o primeiro é o maior da tabela, cada um menor que o anterior
	if printf '%s\n' "$ids" | awk -v max="$max" '(NR == 1 && $1 != max) || (NR > 1 && $1 >= prev) { bad = 1 }
		{ prev = $1 } END { exit bad || NR != 5 }'; then return 0; fi
	echo "ids do /log?limit=5: $(printf '%s' "$ids" | tr '\n' ' ') (o maior da tabela: $max)"
	return 1
}

# down -v recomeça do zero; porta ocupada vira uma mensagem com a solução.
d3_reset_drills() {
	compose down -v
	d3_up
	check "down -v zera tudo: o primeiro acesso depois é o número 1" \
		expect_http "$D3_URL/" 200 '"acessos":1\}'
	check "down -v zera tudo: o histórico só tem esse acesso" \
		expect_http "$D3_URL/log" 200 '^\{"total":1,'

	local port=$((WEB_PORT + 55)) out status=0
	# um "outro programa" ocupando a porta: um servidor HTTP qualquer, que não é nosso
	docker run -d --rm --name desafios-docker-porta-ocupada -p "127.0.0.1:$port:8000" \
		"$PYTHON_IMAGE" python -m http.server 8000 >/dev/null
	wait_until "a porta $port ficar ocupada" port_in_use "$port" || true
	out=$(WEB_PORT=$port "$ROOT/run.sh" 3 2>&1) || status=$?
	docker rm -f desafios-docker-porta-ocupada >/dev/null 2>&1 || true
	check "porta do host ocupada: ./run.sh 3 para com a mensagem e a solução (WEB_PORT)" \
		failed_with "$status" "$out" "A porta $port do host já está em uso.*WEB_PORT="
}

d3_concurrency() {
	local n=$1 c0 l0 c1 l1
	c0=$(docker exec "$(service_id cache)" redis-cli GET contador:acessos)
	l0=$(http_get "$D3_URL/log" | json_number total)
	for _ in $(seq 1 "$n"); do
		hcurl -s -o /dev/null --max-time 20 "$D3_URL/" &
	done
	wait
	c1=$(docker exec "$(service_id cache)" redis-cli GET contador:acessos)
	l1=$(http_get "$D3_URL/log" | json_number total)
	equals "$((c1 - c0)) contador, $((l1 - l0)) linhas" "$n contador, $n linhas"
}

d3_bad_input() {
	local path code bad=0 body
	for path in /aluno/abc /aluno/-1 /aluno/0 /aluno/99999999999 /aluno/2147483648 \
		"/aluno/1%27%20OR%20%271%27=%271" "/aluno/1;DROP%20TABLE%20alunos" \
		"/log?limit=abc" "/log?limit=-5" "/log?limit=0" "/log?limit=%C2%B2" /nao-existe; do
		body=$(http_get "$D3_URL$path")
		code=$(http_status)
		case $code in
			4??) contains "$body" '^\{"erro":"' >/dev/null || {
				echo "$path -> $code sem JSON de erro: $body"
				bad=1
			} ;;
			*) echo "$path -> $code (esperado 4xx): $body"; bad=1 ;;
		esac
	done
	body=$(http_get "$D3_URL/log?limit=999999999999999999999")
	equals "$(http_status)" 200 || bad=1
	contains "$body" '"limite":100,' || bad=1
	[ "$bad" = 0 ]
}

d3_bypass() { # URL PADRÃO
	expect_http "$1" 200 "$2" || return 1
	equals "$(last_header X-Cache)" BYPASS || return 1
	contains "$(cat "$WORK/body")" '"fonte":"banco","aviso":"cache indisponível'
}
d3_cache_back() {
	wait_until "o cache voltar a responder" d3_aluno_cache "$1" MISS || d3_aluno_cache "$1" MISS || return 1
	d3_aluno_cache "$1" HIT
}
d3_db_down() {
	local url
	for url in "$D3_URL/todos" "$D3_URL/log"; do
		# /todos pode estar no cache; apagamos a chave para forçar o banco
		docker exec "$(service_id cache)" redis-cli DEL alunos:todos >/dev/null
		answers_within "$url" 503 '^\{"erro":"banco de dados \(db\) indisponível' 5000 || return 1
	done
}
