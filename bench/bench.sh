# shellcheck shell=bash
#
# bench/bench.sh — ./run.sh bench: mede o gateway (contra o nginx e o ingênuo),
# o cache e a vazão do desafio 3 (em bench/d3.sh), o tempo até ficar pronto, as paradas, as imagens e o rebuild, e
# grava uma tabela Markdown. Carregado pelo run.sh; a parte do bench no
# ./run.sh test (uma rodada curta) está em tests/bench.sh.

BENCH_OUT=${BENCH_OUT:-$ROOT/.saida/bench.md}
BENCH_SECS=${BENCH_SECS:-2}
BENCH_ROUNDS=${BENCH_ROUNDS:-5}

# bench_row MEDIDA VALOR [META]: uma linha da tabela.
bench_row() { printf '| %s | %s | %s |\n' "$1" "$2" "${3:-—}" >>"$WORK/bench.rows"; }

# bench_quiet DESCRIÇÃO CMD...: roda uma etapa com a saída num log; mostra só o resumo.
bench_quiet() {
	local desc=$1 status=0
	shift
	info "bench: $desc..."
	set +e
	(
		set -e
		"$@"
	) >>"$WORK/bench.log" 2>&1
	status=$?
	set -e
	if [ "$status" != 0 ]; then
		grep -v "GET /" "$WORK/bench.log" | tail -n 60 >&2
		die "bench: falhou ao $desc (log acima)"
	fi
}

# load REDE NOME URL CONCORRÊNCIA: uma rodada do gerador de carga (wrk) na REDE;
# cada rodada acrescenta uma linha JSON a load-NOME-CONCORRÊNCIA.json.
load() {
	local out
	out=$(docker run --rm --network "$1" desafios-bench python loadgen.py "$3" "$4" "$BENCH_SECS")
	printf '%s\n' "$out" >>"$WORK/bench.log"
	printf '%s\n' "$out" >>"$WORK/load-$2-$4.json"
}
# load_list NOME CONCORRÊNCIA CAMPO: o campo de cada rodada, uma por linha.
load_list() {
	local line
	while read -r line; do
		printf '%s\n' "$line" | json_number "$3"
	done <"$WORK/load-$1-$2.json"
}
# load_get NOME CONCORRÊNCIA CAMPO: a mediana do campo entre as rodadas.
load_get() { load_list "$1" "$2" "$3" | median; }
# load_paired A B CONCORRÊNCIA CAMPO OPERAÇÃO: o CAMPO de A e o de B em cada rodada (os dois
# medidos um logo depois do outro), combinados por OPERAÇÃO (÷ ou −), e a mediana. Um ruído da
# máquina que dura uma rodada pesa nos dois lados da mesma conta, em vez de cair num caso só.
load_paired() {
	paste -d ' ' <(load_list "$1" "$3" "$4") <(load_list "$2" "$3" "$4") |
		awk -v op="$5" 'op == "-" { printf "%.4f\n", $1 - $2 } op == "/" && $2 > 0 { printf "%.4f\n", $1 / $2 }' |
		median | awk '{ printf "%.2f", $1 }'
}
load_ratio() { load_paired "$1" "$2" "$3" rps /; }     # req/s de A ÷ req/s de B
load_added() { load_paired "$1" direto "$2" p50_ms -; } # p50 de A − p50 direto
# load_summary NOME CONCORRÊNCIA: "N req/s · p50 · p99 · erros", medianas das rodadas.
load_summary() {
	echo "$(load_get "$1" "$2" rps) req/s · p50 $(load_get "$1" "$2" p50_ms) ms ·" \
		"p99 $(load_get "$1" "$2" p99_ms) ms · erros $(load_get "$1" "$2" erros)"
}
# bench_probe REDE URL: a URL responde 2xx de dentro da REDE.
bench_probe() {
	docker run --rm --network "$1" desafios-bench python -c \
		'import sys, urllib.request as u; u.build_opener(u.ProxyHandler({})).open(sys.argv[1], timeout=2)' "$2"
}

# Contas com decimais, no awk (o bash só faz inteiros).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/d"; else printf "%.2f", a / b }'; }
ms_to_s() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; } # status 0 se A >= B
meets() { if [ "$1" = 1 ]; then echo "$2 ✓"; else echo "$2 ✗"; fi; }

# mediana (p50) de uma lista de números (um por linha, em ms com casas)
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "0"; else print v[int((NR + 1) / 2)] }'; }

# Os rivais do gateway, na rede do desafio 5: o ingênuo (piso) e o nginx (referência),
# com os mesmos limites de CPU e memória que o gateway tem (o x-hardening do
# desafio5/docker-compose.override.yml): a comparação é com os mesmos recursos (para o
# nginx, medido, com ou sem eles dá a mesma vazão: bench/README.md).
BENCH_RIVAL_LIMITS=(--cpus 1.0 --cpu-shares 512 --memory 192m)
bench_rivals_up() {
	cd "$ROOT"
	docker_build PYTHON_IMAGE -q -t desafios-bench bench
	docker_build NGINX_IMAGE -q -t desafios-bench-nginx bench/nginx
	docker rm -f desafios-bench-naive desafios-bench-nginx >/dev/null 2>&1 || true
	docker run -d --rm --name desafios-bench-naive "${BENCH_RIVAL_LIMITS[@]}" --network desafio5_default \
		desafios-bench python naive_gateway.py >/dev/null
	docker run -d --rm --name desafios-bench-nginx "${BENCH_RIVAL_LIMITS[@]}" --network desafio5_default \
		desafios-bench-nginx >/dev/null
	wait_until "o gateway ingênuo responder" \
		bench_probe desafio5_default http://desafios-bench-naive:5010/users
	wait_until "o nginx responder" bench_probe desafio5_default http://desafios-bench-nginx:8080/users
}

bench_gateway() {
	local c round
	bench_rivals_up
	rm -f "$WORK"/load-*.json
	# rodadas intercaladas: um ruído passageiro da máquina não cai todo num caso só
	for round in $(seq 1 "$BENCH_ROUNDS"); do
		for c in 1 8 64; do
			load desafio5_default direto http://users_service:5003/users "$c"
			load desafio5_default gateway http://gateway:5004/users "$c"
			load desafio5_default nginx http://desafios-bench-nginx:8080/users "$c"
			load desafio5_default ingenuo http://desafios-bench-naive:5010/users "$c"
		done
		info "bench: rodada $round de $BENCH_ROUNDS"
	done
	rm -f "$WORK"/cpu-*
	for round in $(seq 1 "$BENCH_CPU_ROUNDS"); do
		bench_cpu gateway http://gateway:5004/users "$(cd "$ROOT/desafio5" && service_id gateway)"
		bench_cpu nginx http://desafios-bench-nginx:8080/users desafios-bench-nginx
	done
	docker rm -f desafios-bench-naive desafios-bench-nginx >/dev/null 2>&1 || true
}

# Para onde vai a CPU com 64 clientes: por requisição, a do proxy (gateway ou nginx), a do
# users_service e a da máquina inteira, numa rodada sem aquecimento: o porquê da razão (pelo
# nginx, o teto é a cota de 1 CPU do users_service; pelo gateway, as CPUs da máquina; bench/README.md).
BENCH_CPU_ROUNDS=${BENCH_CPU_ROUNDS:-3}
# cpu_us CONTÊINER: a CPU (utime + stime, em µs) de todos os processos do CONTÊINER até agora,
# lida de um contêiner no mesmo espaço de PIDs (vale com cgroups v1 e v2, e no Docker Desktop)
cpu_us() {
	docker run --rm --pid "container:$1" desafios-bench sh -c 'getconf CLK_TCK; cat /proc/[0-9]*/stat 2>/dev/null' |
		awk 'NR == 1 { hz = $1; next } { sub(/^.*\) /, ""); t += $12 + $13 } END { printf "%.0f\n", t * 1e6 / hz }'
}
# bench_cpu NOME URL CONTÊINER: uma linha "proxy users_service máquina" (µs por requisição) em cpu-NOME
bench_cpu() {
	local users p0 u0 out
	users=$(cd "$ROOT/desafio5" && service_id users_service)
	p0=$(cpu_us "$3") && u0=$(cpu_us "$users")
	out=$(docker run --rm --network desafio5_default desafios-bench python loadgen.py "$2" 64 "$BENCH_SECS" frio)
	printf '%s\n' "$out" >>"$WORK/bench.log"
	awk -v p="$(($(cpu_us "$3") - p0))" -v u="$(($(cpu_us "$users") - u0))" \
		-v m="$(printf '%s\n' "$out" | json_number maquina_us)" -v n="$(printf '%s\n' "$out" | json_number ok)" \
		'BEGIN { if (n > 0) printf "%.0f %.0f %.0f\n", p / n, u / n, m / n }' >>"$WORK/cpu-$1"
}
# cpu_get NOME CAMPO: a mediana do CAMPO (1 proxy, 2 users_service, 3 máquina) entre as rodadas
cpu_get() { awk -v f="$2" '{ print $f }' "$WORK/cpu-$1" | median; }

bench_gateway_rows() {
	local c name label
	for c in 1 8 64; do
		for name in direto gateway nginx ingenuo; do
			case $name in
				direto) label="/users direto (users_service :5003)" ;;
				gateway) label="/users pelo gateway (:5004, granian ASGI + aiohttp, com os limites da entrada)" ;;
				nginx) label="/users pelo nginx (proxy_pass com keep-alive, a referência)" ;;
				ingenuo) label="/users pelo gateway ingênuo (Flask dev + requests.get)" ;;
			esac
			bench_row "$label, concorrência $c" "$(load_summary "$name" "$c")"
		done
	done
	bench_target "gateway ÷ nginx, req/s com concorrência 8 (mediana das razões de cada rodada)" \
		"$(load_ratio gateway nginx 8)" x ge 0.5
	bench_target "gateway ÷ nginx, req/s com concorrência 64 (mediana das razões de cada rodada)" \
		"$(load_ratio gateway nginx 64)" x ge 0.6
	bench_target "gateway ÷ ingênuo, req/s com concorrência 8" "$(load_ratio gateway ingenuo 8)" x ge 4
	bench_target "latência que o gateway soma ao p50 direto, concorrência 1" "$(load_added gateway 1)" " ms" le 0.6
	bench_row "latência que o nginx soma ao p50 direto, concorrência 1" "$(load_added nginx 1) ms" "(referência)"
	for c in 1 8 64; do
		bench_row "gateway ÷ direto, req/s com concorrência $c" "$(load_ratio gateway direto "$c")x" "(só informativo)"
	done
	bench_row "CPU por requisição com 64 clientes: o proxy (mediana de $BENCH_CPU_ROUNDS rodadas)" \
		"gateway $(cpu_get gateway 1) µs · nginx $(cpu_get nginx 1) µs" "(só informativo)"
	bench_row "CPU por requisição com 64 clientes: o users_service atrás de cada um" \
		"pelo gateway $(cpu_get gateway 2) µs · pelo nginx $(cpu_get nginx 2) µs" "(só informativo)"
	bench_row "CPU por requisição com 64 clientes: a máquina inteira" \
		"pelo gateway $(cpu_get gateway 3) µs · pelo nginx $(cpu_get nginx 3) µs" "(só informativo)"
}

# bench_target MEDIDA VALOR UNIDADE ge|le LIMITE: uma linha com a meta e ✓/✗.
bench_target() {
	local ok=0 goal
	case $4 in
		ge) goal="≥ $5$3" && if [ "$2" != n/d ] && at_least "$2" "$5"; then ok=1; fi ;;
		le) goal="≤ $5$3" && if [ "$2" != n/d ] && at_least "$5" "$2"; then ok=1; fi ;;
	esac
	bench_row "$1" "$2$3" "$(meets "$ok" "$goal")"
}

# ready_time PASTA SERVIÇOS...: ms do `up -d` até todos saudáveis (frio e morno)
ready_time() {
	local dir=$1 t0 t1 kind
	shift
	cd "$ROOT/$dir"
	for kind in frio morno; do
		if [ "$kind" = frio ]; then dc down -v; else dc down; fi
		t0=$(now_ms)
		dc up -d
		POLL_SECS=0.1 wait_healthy "$@" # de 0,1 em 0,1 s: a medida não ganha meio segundo à toa
		t1=$(now_ms)
		echo $((t1 - t0)) >"$WORK/ready-$dir-$kind"
	done
}

image_size_mb() { # IMAGEM -> tamanho em MB (ou n/d)
	local bytes
	bytes=$(docker image inspect -f '{{.Size}}' "$1" 2>/dev/null) || { echo "n/d"; return; }
	echo "$((bytes / 1000000)) MB"
}

bench_images() {
	local c img
	: >"$WORK/images"
	for c in server client d2-image desafio3:web desafio4:service_a desafio4:service_b \
		desafio5:users_service desafio5:orders_service desafio5:gateway; do
		case $c in
			d2-image) img=d2-image ;;
			*:*)
				cd "$ROOT/${c%%:*}"
				img=$(docker container inspect -f '{{.Config.Image}}' "$(service_id "${c#*:}")")
				;;
			*) img=$(docker container inspect -f '{{.Config.Image}}' "$c") ;;
		esac
		echo "$img" >>"$WORK/images"
	done
}

bench_rebuild() {
	local tmp t0 t1 steps cached
	tmp=$(mktemp -d "$WORK/rebuild.XXXXXX")
	cp -R "$ROOT/desafio3/web/." "$tmp/"
	printf '\n# alterado pelo ./run.sh bench em %s\n' "$(date)" >>"$tmp/app.py"
	t0=$(now_ms)
	docker_build PYTHON_IMAGE --progress=plain -t desafios-bench-rebuild "$tmp" >"$WORK/rebuild.log" 2>&1
	t1=$(now_ms)
	# os passos do estágio final: "#6 [app 3/5] COPY ..." (o estágio test fica de fora do build padrão)
	steps=$(grep -E '^#[0-9]+ \[([a-z_-]+ )?[0-9]+/[0-9]+\]' "$WORK/rebuild.log" | grep -vc '\] FROM ' || true)
	cached=$(grep -cE '^#[0-9]+ CACHED' "$WORK/rebuild.log" || true)
	echo "$((t1 - t0)) $((steps - cached)) $steps" >"$WORK/rebuild"
	docker rmi desafios-bench-rebuild >/dev/null
}

bench_stops() {
	local c id
	: >"$WORK/stops"
	# quem chama antes de quem é chamado (como o compose down): um serviço parando
	# drena o que tem em andamento, e uma chamada a uma dependência já parada só
	# terminaria no timeout dela
	for c in client server desafio3:web desafio3:db desafio3:cache desafio4:service_b desafio4:service_a \
		desafio5:gateway desafio5:users_service desafio5:orders_service; do
		case $c in
			*:*)
				cd "$ROOT/${c%%:*}"
				id=$(service_id "${c#*:}")
				;;
			*) id=$c ;;
		esac
		echo "$c $(elapsed_ms docker stop "$id")" >>"$WORK/stops"
	done
	cd "$ROOT"
	elapsed_ms "$ROOT/run.sh" clean >"$WORK/clean"
}

cmd_bench() { # [--out=ARQUIVO]
	local arg
	for arg in "$@"; do
		case $arg in --out=*) BENCH_OUT=${arg#--out=} ;; esac
	done
	preflight
	detect_compose
	section "Bench: medidas de desempenho (leva alguns minutos)"
	: >"$WORK/bench.rows"
	: >"$WORK/bench.log"
	# o gateway é medido só com o D5 no ar: os outros desafios, parados, ainda gastam CPU
	# (healthchecks de 1 s, o client do D1), e isso é ruído para a comparação com o nginx
	bench_quiet "subir o desafio 5" cmd_5
	bench_quiet "medir o gateway, só com o D5 no ar ($BENCH_ROUNDS rodadas de ${BENCH_SECS} s por caso)" bench_gateway
	bench_gateway_rows
	bench_quiet "medir a CPU gasta sem carga, só com o D5 no ar" bench_idle d5
	bench_quiet "subir os desafios 1 a 4" bench_up_1_to_4
	bench_quiet "medir a CPU gasta sem carga, com os cinco no ar" bench_idle todos
	bench_idle_rows
	bench_quiet "medir o cache do desafio 3" bench_cache
	bench_cache_rows
	bench_quiet "medir o /log do desafio 3 com ~1.000 e 1.000.000 de linhas" bench_d3_log_scale
	bench_d3_log_scale_rows
	bench_quiet "medir a vazão do desafio 3 ($BENCH_ROUNDS rodadas de ${BENCH_SECS} s por rota)" bench_d3_load
	bench_d3_load_rows
	bench_quiet "medir o tempo até ficar pronto (D3, D4, D5; frio e morno)" bench_ready_all
	bench_ready_rows
	bench_quiet "medir o tamanho das imagens" bench_images
	bench_images_rows
	bench_quiet "medir o rebuild depois de mudar só o app.py (D3 web)" bench_rebuild
	bench_rebuild_rows
	bench_quiet "medir o docker stop de cada contêiner e o ./run.sh clean" bench_stops
	bench_stops_rows
	bench_write_table
}

bench_up_1_to_4() { cmd_1; cmd_2; cmd_3; cmd_4; }

# bench_idle NOME: a linha "cpu" do /proc/stat da máquina do Docker (lida de um contêiner:
# no Docker Desktop, a da VM dele) no começo e no fim de BENCH_IDLE_SECS s sem carga.
BENCH_IDLE_SECS=${BENCH_IDLE_SECS:-10}
bench_idle() {
	docker run --rm desafios-bench sh -c \
		"nproc; head -n 1 /proc/stat; sleep $BENCH_IDLE_SECS; head -n 1 /proc/stat" >"$WORK/idle-$1"
}
# idle_percent NOME: "N% de C CPUs" (user, nice, system, irq, softirq e steal sobre o total)
idle_percent() {
	awk 'NR == 1 { cpus = $1; next }
		{ busy[NR] = $2 + $3 + $4 + $7 + $8 + $9; total[NR] = busy[NR] + $5 + $6 }
		END { d = total[3] - total[2]
			if (d <= 0) print "n/d"; else printf "%.0f%% de %d CPUs\n", 100 * (busy[3] - busy[2]) / d, cpus }' "$WORK/idle-$1"
}
bench_idle_rows() {
	bench_row "CPU da máquina gasta sem carga ($BENCH_IDLE_SECS s), só o D5 no ar (os healthchecks de 1 s)" \
		"$(idle_percent d5)" "(só informativo)"
	bench_row "CPU da máquina gasta sem carga ($BENCH_IDLE_SECS s), os cinco desafios no ar" \
		"$(idle_percent todos)" "(só informativo)"
}

bench_ready_rows() {
	local dir kind ms
	for dir in desafio3 desafio4 desafio5; do
		for kind in frio morno; do
			ms=$(cat "$WORK/ready-$dir-$kind")
			if [ "$dir:$kind" = desafio3:frio ]; then
				bench_target "$dir: do up -d até todos saudáveis, $kind" "$(ms_to_s "$ms")" " s" le 5
			else
				bench_row "$dir: do up -d até todos saudáveis, $kind" "$(ms_to_s "$ms") s"
			fi
		done
	done
}

bench_images_rows() {
	local img base
	while read -r img; do
		case $img in d1-client) base=$CLIENT_IMAGE ;; *) base=$PYTHON_IMAGE ;; esac
		bench_row "imagem $img (base $base)" "$(image_size_mb "$img") (base: $(image_size_mb "$base"))"
	done <"$WORK/images"
}

bench_rebuild_rows() {
	local rb ok=0
	read -r -a rb <"$WORK/rebuild"
	if [ "${rb[1]}" = 1 ]; then ok=1; fi
	bench_row "rebuild da web do D3 depois de mudar só o app.py" \
		"$(ms_to_s "${rb[0]}") s; camadas refeitas: ${rb[1]} de ${rb[2]}" "$(meets "$ok" "1 camada")"
}

bench_stops_rows() {
	local name ms
	while read -r name ms; do
		bench_target "docker stop $name" "$(ms_to_s "$ms")" " s" le 1
	done <"$WORK/stops"
	bench_row "./run.sh clean (tudo)" "$(ms_to_s "$(cat "$WORK/clean")") s"
}

bench_write_table() {
	mkdir -p "$(dirname "$BENCH_OUT")"
	{
		echo "Medido em $(date '+%Y-%m-%d %H:%M') · $(uname -sm) · $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs ·" \
			"Docker $(docker version --format '{{.Server.Version}}') · imagens base: $PYTHON_IMAGE, $CLIENT_IMAGE," \
			"$POSTGRES_IMAGE, $REDIS_IMAGE · carga: mediana de $BENCH_ROUNDS rodadas de ${BENCH_SECS} s por caso"
		echo
		echo "| Medida | Valor | Meta |"
		echo "| --- | --- | --- |"
		cat "$WORK/bench.rows"
	} >"$BENCH_OUT"
	echo
	cat "$BENCH_OUT"
	echo
	echo "Tabela gravada em $BENCH_OUT"
}

bench_ready_all() {
	ready_time desafio3 db cache web
	ready_time desafio4 service_a service_b
	ready_time desafio5 users_service orders_service gateway
}

clean_bench() {
	section "Limpeza — bench"
	remove_our_containers desafios-bench-naive desafios-bench-nginx
	remove_our_images desafios-bench desafios-bench-nginx desafios-bench-rebuild
}
