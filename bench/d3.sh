# shellcheck shell=bash
#
# bench/d3.sh — a parte do ./run.sh bench que mede o desafio 3: o cache (HIT e MISS), o
# /log com a tabela pequena e grande e a vazão com 16 clientes. Carregado pelo run.sh
# depois de bench/bench.sh (usa load, load_get, bench_row e bench_target de lá).

# O /log com a tabela acessos pequena e grande: p50 com ~1.000 linhas, o INSERT de
# 1.000.000 de linhas num comando só (com os triggers da contagem) e o p50 de novo.
# A vazão do D3 (bench_d3_load) é medida depois, já com a tabela grande.
bench_d3_log_scale() {
	local t0 t1
	cd "$ROOT/desafio3" || return 1
	d3_insert_acessos 1000
	d3_log_p50 50 >"$WORK/log-1k.p50"
	t0=$(now_ms)
	d3_insert_acessos 1000000
	t1=$(now_ms)
	echo $((t1 - t0)) >"$WORK/insert-1m.ms"
	d3_log_p50 50 >"$WORK/log-1m.p50"
}

bench_d3_log_scale_rows() {
	local small big
	read -r -a small <"$WORK/log-1k.p50"
	read -r -a big <"$WORK/log-1m.p50"
	bench_row "D3 /log?limit=5 com ~1.000 linhas em acessos: p50 (50 requisições, pelo host)" \
		"${small[0]} ms (/health: ${small[1]} ms)"
	bench_row "D3 INSERT de 1.000.000 de linhas em acessos (um comando, generate_series)" \
		"$(ms_to_s "$(cat "$WORK/insert-1m.ms")") s"
	bench_row "D3 /log?limit=5 com 1.000.000 de linhas: p50 (50 requisições, pelo host)" \
		"${big[0]} ms (/health: ${big[1]} ms)"
	bench_target "D3 /log p50 com 1.000.000 de linhas ÷ com ~1.000" "$(ratio "${big[0]}" "${small[0]}")" x le 2
}

# Vazão do desafio 3 com concorrência 16, com 1.000.000 de linhas em acessos: o caminho
# sem Postgres (HIT no Redis) contra os que escrevem (GET /: INCR + INSERT) e leem
# (/log: a listagem pelo índice e a soma da contagem).
bench_d3_load() {
	local path
	rm -f "$WORK"/load-d3*.json
	bench_probe desafio3_default http://web:5000/aluno/1 # aquece o cache do aluno 1
	for _ in $(seq 1 "$BENCH_ROUNDS"); do
		for path in /aluno/1 / '/log?limit=5'; do
			load desafio3_default "d3$(printf '%s' "$path" | tr -c 'a-z0-9' _)" "http://web:5000$path" 16
		done
	done
}

bench_d3_load_rows() {
	local hit name path
	hit=$(load_get d3_aluno_1 16 rps)
	for path in /aluno/1 / '/log?limit=5'; do
		name="d3$(printf '%s' "$path" | tr -c 'a-z0-9' _)"
		bench_row "D3 GET $path (1.000.000 de linhas em acessos), concorrência 16" "$(load_summary "$name" 16)"
	done
	bench_target "D3 GET / ÷ GET /aluno/1 (HIT), req/s" "$(ratio "$(load_get d3_ 16 rps)" "$hit")" x ge 0.6
	bench_target "D3 GET /log ÷ GET /aluno/1 (HIT), req/s, com 1.000.000 de linhas" \
		"$(ratio "$(load_get d3_log_limit_5 16 rps)" "$hit")" x ge 0.6
}

bench_cache() {
	cd "$ROOT/desafio3" || return 1
	local queries=0 t q
	: >"$WORK/hits"
	: >"$WORK/misses"
	hcurl -s -o /dev/null "$D3_URL/aluno/1"
	for _ in $(seq 1 50); do
		t=$(hcurl -s -o /dev/null -D "$WORK/h" -w '%{time_total}' "$D3_URL/aluno/1")
		q=$(grep -i '^X-Consultas-DB:' "$WORK/h" | tr -dc '0-9')
		grep -qi '^X-Cache: HIT' "$WORK/h" || { echo "esperava HIT"; return 1; }
		queries=$((queries + ${q:-1}))
		echo "$t" >>"$WORK/hits"
	done
	for _ in $(seq 1 30); do
		docker exec "$(service_id cache)" redis-cli DEL aluno:1 >/dev/null
		t=$(hcurl -s -o /dev/null -D "$WORK/h" -w '%{time_total}' "$D3_URL/aluno/1")
		grep -qi '^X-Cache: MISS' "$WORK/h" || { echo "esperava MISS"; return 1; }
		echo "$t" >>"$WORK/misses"
	done
	awk '{ printf "%.2f\n", $1 * 1000 }' "$WORK/hits" | median >"$WORK/hit.p50"
	awk '{ printf "%.2f\n", $1 * 1000 }' "$WORK/misses" | median >"$WORK/miss.p50"
	echo "$queries" >"$WORK/hit.queries"
}

bench_cache_rows() {
	local ok=0 queries
	queries=$(cat "$WORK/hit.queries")
	bench_row "D3 /aluno/1 com HIT no Redis: p50 (50 requisições, pelo host)" "$(cat "$WORK/hit.p50") ms"
	bench_row "D3 /aluno/1 com MISS (vai ao Postgres): p50 (30 requisições)" "$(cat "$WORK/miss.p50") ms"
	if [ "$queries" = 0 ]; then ok=1; fi
	bench_row "D3 consultas ao Postgres em 50 HITs (X-Consultas-DB)" "$queries" "$(meets "$ok" "0")"
}
