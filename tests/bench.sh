# shellcheck shell=bash
#
# tests/bench.sh — ./run.sh test bench: o bench roda de ponta a ponta, numa
# rodada curta, e cada medida sai na tabela (os números não são julgados).

# O bench roda de ponta a ponta (com cargas curtas) e produz a tabela completa.
# Os números não são julgados: só que cada medida existe.
test_bench() {
	section "Bench (rodada curta: só confere que cada medida sai)"
	local out="$WORK/bench-teste.md" status=0
	BENCH_SECS=0.5 BENCH_ROUNDS=1 BENCH_IDLE_SECS=2 "$ROOT/run.sh" bench --out="$out" >"$WORK/bench-teste.log" 2>&1 || status=$?
	check "./run.sh bench termina sem erro" succeeded_or_log "$status" "$WORK/bench-teste.log"
	check "a tabela tem as seis partes do bench" bench_table_complete "$out"
}
succeeded_or_log() { # STATUS LOG: sucesso, ou o fim do log como motivo
	if [ "$1" = 0 ]; then return 0; fi
	tail -n 15 "$2"
	return 1
}
bench_table_complete() {
	local table pattern missing=''
	table=$(cat "$1" 2>/dev/null) || { echo "a tabela $1 não foi gravada"; return 1; }
	for pattern in \
		'/users pelo gateway \(:5004.*concorrência 8 \| [0-9.]+ req/s · p50 [0-9.]+ ms · p99 [0-9.]+ ms · erros 0' \
		'/users pelo gateway ingênuo.*concorrência 8 \| [0-9.]+ req/s' \
		'/users pelo nginx.*concorrência 8 \| [0-9.]+ req/s · p50 [0-9.]+ ms · p99 [0-9.]+ ms · erros 0' \
		'gateway ÷ ingênuo, req/s com concorrência 8 \| [0-9]+\.[0-9]+x' \
		'gateway ÷ nginx, req/s com concorrência 8 \(mediana das razões de cada rodada\) \| [0-9]+\.[0-9]+x \| ≥ 0.5x (✓|✗)' \
		'gateway ÷ nginx, req/s com concorrência 64 \(mediana das razões de cada rodada\) \| [0-9]+\.[0-9]+x \| ≥ 0.6x (✓|✗)' \
		'CPU por requisição com 64 clientes: o proxy .* \| gateway [1-9][0-9]* µs · nginx [1-9][0-9]* µs \|' \
		'CPU por requisição com 64 clientes: o users_service .* \| pelo gateway [1-9][0-9]* µs · pelo nginx [1-9][0-9]* µs \|' \
		'CPU por requisição com 64 clientes: a máquina inteira \| pelo gateway [1-9][0-9]* µs · pelo nginx [1-9][0-9]* µs \|' \
		'/users pelo gateway \(:5004.*concorrência 64 \| [0-9.]+ req/s · p50 [0-9.]+ ms · p99 [0-9.]+ ms · erros 0' \
		'latência que o nginx soma ao p50 direto, concorrência 1 \| -?[0-9.]+ ms' \
		'D3 /log\?limit=5 com ~1.000 linhas em acessos: p50 .* \| [0-9.]+ ms \(/health: [0-9.]+ ms\)' \
		'D3 INSERT de 1.000.000 de linhas .* \| [0-9.]+ s' \
		'D3 /log\?limit=5 com 1.000.000 de linhas: p50 .* \| [0-9.]+ ms \(/health: [0-9.]+ ms\)' \
		'D3 /log p50 com 1.000.000 de linhas ÷ com ~1.000 \| [0-9]+\.[0-9]+x \| ≤ 2x (✓|✗)' \
		'D3 GET /log\?limit=5 \(1.000.000 de linhas em acessos\), concorrência 16 \| [0-9.]+ req/s · p50 [0-9.]+ ms · p99 [0-9.]+ ms · erros 0' \
		'D3 GET /log ÷ GET /aluno/1 \(HIT\), req/s, com 1.000.000 de linhas \| [0-9]+\.[0-9]+x \| ≥ 0.6x (✓|✗)' \
		'D3 GET / ÷ GET /aluno/1 \(HIT\), req/s \| [0-9]+\.[0-9]+x' \
		'D3 /aluno/1 com HIT.* \| [0-9.]+ ms' \
		'consultas ao Postgres em 50 HITs.* \| 0 \|' \
		'desafio3: do up -d até todos saudáveis, frio \| [0-9.]+ s' \
		'desafio5: do up -d até todos saudáveis, morno \| [0-9.]+ s' \
		'imagem desafio5-gateway.* \| [0-9]+ MB \(base: ' \
		'camadas refeitas: 1 de 4' \
		'docker stop desafio3:db \| [0-9.]+ s \| ≤ 1 s (✓|✗)' \
		'CPU da máquina gasta sem carga .*, só o D5 no ar .* \| [0-9]+% de [0-9]+ CPUs' \
		'CPU da máquina gasta sem carga .*, os cinco desafios no ar \| [0-9]+% de [0-9]+ CPUs' \
		'./run.sh clean \(tudo\) \| [0-9.]+ s'; do
		grep -qE -- "$pattern" <<<"$table" || missing="$missing
  /$pattern/"
	done
	if [ -z "$missing" ]; then return 0; fi
	printf 'linhas que faltam na tabela:%s\ntabela:\n%s\n' "$missing" "$table"
	return 1
}
