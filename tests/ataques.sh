# shellcheck shell=bash
#
# tests/ataques.sh — os ataques da issue #22 no ./run.sh test 5: cada achado dela vira uma
# verificação contra o gateway, com um nginx ao lado (a referência: só medido, os números
# impressos abaixo de cada verificação). As ferramentas são contêineres que o projeto
# constrói (tests/ataque/) na rede do desafio 5: no host, só docker, bash, curl e grep.
# Carregado pelo run.sh; test_5 chama test_5_ataques (o desafio 5 já no ar, na pasta desafio5).

ATQ_NET=desafio5_default
ATQ_MAU=desafios-ataque-mau     # o serviço que se comporta mal (tests/ataque/upstream_mau.py)
ATQ_GW=desafios-ataque-gw       # um segundo gateway, a mesma imagem, na frente do serviço mau
ATQ_NGINX=desafios-ataque-nginx # o nginx de referência (a imagem do bench, com tests/ataque/nginx.conf)

test_5_ataques() {
	echo "Ataques da issue #22 (ferramentas em tests/ataque/; o nginx ao lado, só como referência):"
	atq_up
	atq_check 1 "h2c (HTTP/2 em texto puro, streams sem corpo): gateway, users_service e orders_service só falam HTTP/1.1 e seguem respondendo" \
		h2c gateway:5004 users_service:5003 orders_service:5002 --ref "$ATQ_NGINX:8080"
	atq_check 2 "220 conexões lentas (corpo parado, chunked parado, cabeçalhos pela metade, corpo a conta-gotas, keep-alive ociosa): GET /users com p99 < 50 ms, e cada uma fechada em 10 s (30 s no total)" \
		lentos gateway:5004 --ref "$ATQ_NGINX:8080"
	atq_check 3 "12 clientes declaram 2 MB e mandam a conta-gotas: 413 na hora, conexão fechada depois de 1 s de drenagem, /users com p99 < 50 ms" \
		drenar gateway:5004 --ref "$ATQ_NGINX:8080"
	compose pause orders_service
	atq_check 4 "orders_service travado e 100 clientes em /orders: /users com p99 < 50 ms; /orders: 504 nas 64 vagas (menos as do /health do gateway, até 2) e 503 \"ocupado\" no resto, em até 3,5 s" \
		bulkhead gateway:5004 --ref "$ATQ_NGINX:8080"
	compose unpause orders_service
	atq_check 5 "serviço que se comporta mal (100 Continue, bytes sobrando, chunk -1): ninguém recebe a resposta de outro" \
		desync "$ATQ_GW:5004" --ref "$ATQ_NGINX:8081"
	atq_mem_start "$ATQ_GW"
	atq_check 6 "respostas de 50 MiB, sem fim e de 1 byte/s: 502/504 dentro do prazo" \
		respostas "$ATQ_GW:5004" --ref "$ATQ_NGINX:8081"
	atq_mem_stop
	check "achado 6: memória do gateway no ataque de respostas abaixo de 120 MiB, sem OOM nem reinício" \
		atq_mem_below 120 "$ATQ_GW"
	atq_mem_report
	atq_mem_start "$(service_id gateway)"
	atq_check 7 "300 blocos de cabeçalhos de 300 KiB pela metade recusados na hora; bloco > 32 KiB e linha > 8 KiB: 431; X-Request-ID só até 128" \
		cabecalhos gateway:5004 --ref "$ATQ_NGINX:8080"
	atq_mem_stop
	check "achado 7: os 300 blocos de 300 KiB custam ao gateway menos de 40 MiB" atq_mem_growth 40
	atq_mem_report
	atq_check 8 "chunked malformado (400, e nada chega ao serviço), dois Host e dois Content-Length (400), Connection: e o ambiente do gateway não passam" \
		framing "$ATQ_GW:5004" --ref "$ATQ_NGINX:8081" --registro "$ATQ_MAU:5003"
	atq_check "o que já valia" "9 variantes de framing ambíguo (CL+TE, TE ofuscado, LF sem CR, obs-fold...) sem nenhuma requisição escondida chegar ao serviço; alvo absoluto e CONNECT não saem das rotas; pipelining, HEAD e HTTP/1.0 certos" \
		variantes "$ATQ_GW:5004" --ref "$ATQ_NGINX:8081" --registro "$ATQ_MAU:5003"
	atq_clean >/dev/null
}

atq_up() {
	local img
	img=$(docker container inspect -f '{{.Config.Image}}' "$(service_id gateway)")
	(cd "$ROOT" && docker_build PYTHON_IMAGE -q -t desafios-ataque tests/ataque &&
		docker_build NGINX_IMAGE -q -t desafios-bench-nginx bench/nginx) >/dev/null
	atq_clean >/dev/null
	docker run -d --name "$ATQ_MAU" --network "$ATQ_NET" desafios-ataque python upstream_mau.py >/dev/null
	# (HTTP_X_VAZAMENTO: uma variável do ambiente do gateway que não pode virar cabeçalho)
	docker run -d --name "$ATQ_GW" --network "$ATQ_NET" --read-only --cap-drop ALL --memory 192m \
		--cpus 1 -e USERS_URL="http://$ATQ_MAU:5003" -e ORDERS_URL=http://orders_service:5002 \
		-e HTTP_X_VAZAMENTO=do-gateway "$img" >/dev/null
	docker run -d --name "$ATQ_NGINX" --network "$ATQ_NET" --read-only --tmpfs /tmp \
		-v "$ROOT/tests/ataque/nginx.conf:/etc/nginx/nginx.conf:ro" desafios-bench-nginx >/dev/null
	wait_until "o gateway dos ataques e o nginx responderem" atq_probe "$ATQ_GW:5004/users/eco" "$ATQ_NGINX:8080/users"
}
atq_probe() {
	docker run --rm --network "$ATQ_NET" desafios-ataque python -c '
import sys, urllib.request as u
for url in sys.argv[1:]:
    u.build_opener(u.ProxyHandler({})).open("http://" + url, timeout=2)' "$@"
}
# atq_clean: os contêineres dos ataques (só os nossos, pelo rótulo); clean_ataques, com a imagem
# (o clean_5 chama: eles estão na rede do desafio 5, que o compose down remove).
atq_clean() { remove_our_containers "$ATQ_MAU" "$ATQ_GW" "$ATQ_NGINX"; }
clean_ataques() {
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	atq_clean
	remove_our_images desafios-ataque
}

# atq_check N|NOME "descrição" CENÁRIO DESTINOS...: o ataque, julgado pela ferramenta (a última
# linha: ok ou FALHOU); depois do ok/falhou, os números de cada destino.
atq_check() {
	local n=$1 desc=$2
	shift 2
	case $n in [0-9]*) n="achado $n" ;; esac
	check "$n: $desc" atq_run "$@"
	sed '$d' "$WORK/ataque-$1" | sed 's/^/          /'
}
atq_run() {
	docker run --rm --network "$ATQ_NET" desafios-ataque python ataque.py "$@" >"$WORK/ataque-$1" 2>&1 || true
	if [ "$(tail -n 1 "$WORK/ataque-$1")" = ok ]; then return 0; fi
	tail -n 1 "$WORK/ataque-$1"
	return 1
}

# A memória de um contêiner, amostrada (docker stats) enquanto um ataque roda: no máximo 60 amostras.
ATQ_MEM_PID=''
atq_mem_start() {

	rm -f "$WORK/mem" "$WORK/mem.stop"
	(
		i=0
		while [ "$i" -lt 60 ] && [ ! -e "$WORK/mem.stop" ]; do
			docker stats --no-stream --format '{{.MemUsage}}' "$1" >>"$WORK/mem" 2>/dev/null || true
			i=$((i + 1))
		done
	) &
	ATQ_MEM_PID=$!
	wait_until "a primeira amostra de memória de $1" test -s "$WORK/mem" || true
}
atq_mem_stop() {
	: >"$WORK/mem.stop"
	wait "$ATQ_MEM_PID" || true
}
# MiB de cada amostra ("42.2MiB / 192MiB", "1.1GiB / ..."), uma por linha
atq_mem_mib() {
	awk '{ v = $1; f = 1; if (v ~ /GiB/) f = 1024; else if (v ~ /KiB/) f = 1 / 1024; else if (v ~ /^[0-9.]+B$/) f = 1 / 1048576
		gsub(/[A-Za-z]/, "", v); printf "%d\n", v * f }' "$WORK/mem"
}
atq_mem_below() { # LIMITE_MIB CONTÊINER: o pico ficou abaixo, e o contêiner não foi morto nem reiniciado
	local peak state
	peak=$(atq_mem_mib | sort -n | tail -n 1)
	state=$(docker container inspect -f 'reinícios={{.RestartCount}} OOMKilled={{.State.OOMKilled}} {{.State.Status}}' "$2")
	equals "$state" "reinícios=0 OOMKilled=false running" || return 1
	less_than "${peak:-999999}" "$1" || { echo "(MiB no pico)"; return 1; }
}
atq_mem_report() {
	echo "          memória do gateway: $(atq_mem_mib | head -n 1) MiB no começo, pico de" \
		"$(atq_mem_mib | sort -n | tail -n 1) MiB ($(grep -c . "$WORK/mem") amostras do docker stats)"
}
atq_mem_growth() { # LIMITE_MIB: do primeiro amostrado ao pico
	local first peak
	first=$(atq_mem_mib | head -n 1)
	peak=$(atq_mem_mib | sort -n | tail -n 1)
	less_than $((peak - first)) "$1" || { echo "(MiB a mais: de $first a $peak)"; return 1; }
}
