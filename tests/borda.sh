# shellcheck shell=bash
#
# tests/borda.sh — o que os exercícios do ./run.sh test cluster medem pela borda:
# os laços de requisições (GET e POST, limitados em número e em tempo), o tempo
# até o laço voltar ao normal depois de uma falha, e a contagem dos POSTs do lado
# do serviço (nenhum atendido duas vezes). Carregado pelo run.sh; os exercícios
# estão em tests/cluster.sh, a borda em lib/borda.sh.

# cl_load_start ARQUIVO [POST CAMINHO]: requisições em laço pela borda, em segundo plano, por
# ao menos 5 s e até existir ARQUIVO.stop (no máximo 120 s e 3000 voltas). GET: /users e
# /orders alternados; POST: em CAMINHO, cada um com o seu X-Request-ID (borda-post-PID-N).
# Uma linha por requisição: "STATUS CAMINHO NÓ INÍCIO_MS DURAÇÃO_MS ID [ERRO DO CURL]".
cl_load_start() {
	rm -f "$1" "$1.stop" "$1.pid"
	(
		t0=$SECONDS n=0
		while [ $((SECONDS - t0)) -lt 120 ] && [ "$n" -lt 3000 ] &&
			{ [ ! -e "$1.stop" ] || [ $((SECONDS - t0)) -lt 5 ]; }; do
			n=$((n + 1))
			if [ "${2:-GET}" = POST ]; then
				cl_edge_request "$1" POST "$3" "borda-post-$$-$n"
			else
				cl_edge_request "$1" GET /users
				cl_edge_request "$1" GET /orders
			fi
		done
	) &
	echo "$!" >"$1.pid"
}
cl_load_stop() {
	: >"$1.stop"
	wait "$(cat "$1.pid")" || true
}

# cl_edge_request ARQUIVO MÉTODO CAMINHO [ID]: uma requisição pela borda, anotada em ARQUIVO
# (quando o curl falha, o erro dele vai junto, no fim da linha). O nó sai do cabeçalho
# X-Servido-Pelo-No, lido pelo próprio bash (sem um processo a mais).
cl_edge_request() {
	local start code node='-' line err='' extra=()
	if [ -n "${4:-}" ]; then extra=(-H "X-Request-ID: $4" -H 'Content-Type: application/json' --data '{}'); fi
	start=$(now_ms)
	code=$(hcurl -sS -o /dev/null -D "$1.h" -X "$2" ${extra[@]+"${extra[@]}"} -w '%{http_code}' \
		--max-time 15 "$EDGE_URL$3" 2>"$1.err") || { code=${code:-000}; err=$(head -n 1 "$1.err"); }
	while IFS= read -r line; do
		case $line in [Xx]-[Ss]ervido-[Pp]elo-[Nn]o:*) node=${line#*: } node=${node%$'\r'} ;; esac
	done <"$1.h"
	echo "$code $3 $node $start $(($(now_ms) - start)) ${4:--} $err" >>"$1"
}

# cl_last_node ARQUIVO: o nó que respondeu a última requisição do laço.
cl_last_node() { awk '$3 ~ /^d5-no/ { n = $3 } END { print n }' "$1"; }

# cl_recovery ARQUIVO T0_MS: quanto tempo depois de T0 o laço voltou ao normal: o fim da
# última requisição lenta (mais de 0,5 s) que estava em andamento em T0 ou começou depois.
cl_recovery() {
	awk -v t0="$2" '
		{ n++; if ($1 != 200) bad++ }
		$4 + $5 >= t0 && $5 > 500 { slow++; end = $4 + $5 - t0; if ($5 > max) max = $5 }
		END {
			printf "%d requisições, %d falharam; ", n, bad
			if (!slow) { print "o laço não notou (nenhuma passou de 0,5 s)"; exit }
			printf "o laço voltou ao normal em %.1f s (%d acima de 0,5 s; a mais lenta, %.1f s)\n",
				end / 1000, slow, max / 1000
		}' "$1"
}

# cl_edge_detects NÓ DESDE_MS O_QUÊ: espera o log da borda dizer que tirou o NÓ do rodízio
# e anota quanto tempo levou (a falha foi em DESDE_MS).
cl_edge_detects() {
	if POLL_SECS=0.2 WAIT_SECS=30 wait_until "a borda tirar $1 do rodízio" cl_edge_saw "$1" DOWN "$2"; then
		cl_budget "$3: a borda tirou $1 do rodízio" "$(cl_secs $(($(now_ms) - $2)))"
	fi
}

# cl_post_honest ARQUIVO SERVIÇO CAMINHO: os POSTs do laço, contados do lado do serviço (o
# log de acesso de cada réplica dele, pelo X-Request-ID): nenhum chegou duas vezes; todo
# POST que voltou com a resposta do serviço (405) está lá uma vez; e todo POST que não
# voltou com ela recebeu um erro honesto da borda ou do gateway (502, 503 ou 504, em JSON).
cl_post_honest() {
	local total dup answered missing bad
	total=$(grep -c . "$1" || true)
	[ "$total" -gt 0 ] || { echo "o laço de POSTs não fez nenhuma requisição"; return 1; }
	cl_service_post_ids "$2" "$3" | grep "^borda-post-$$-" | sort >"$1.servico"
	dup=$(uniq -d "$1.servico" | head -n 5)
	[ -z "$dup" ] || { printf 'POSTs que chegaram mais de uma vez ao serviço:\n%s\n' "$dup"; return 1; }
	answered=$(awk '$1 == 405 { print $6 }' "$1" | sort)
	missing=$(comm -23 <(printf '%s\n' "$answered") "$1.servico" | grep . | head -n 5 || true)
	[ -z "$missing" ] || { printf 'respondidos pelo serviço (405) mas fora do log dele:\n%s\n' "$missing"; return 1; }
	bad=$(awk '$1 != 405 && $1 != 502 && $1 != 503 && $1 != 504' "$1" | head -n 5)
	[ -z "$bad" ] || {
		printf 'POSTs sem a resposta do serviço nem um erro honesto:\n%s\n' "$bad"
		# o que a borda anotou sobre cada um (o log dela mostra o X-Request-ID entre chaves)
		printf '%s\n' "$bad" | awk '{ print $6 }' | while read -r id; do
			docker logs "$EDGE_NAME" 2>&1 | grep -F "{$id}" | sed 's/^/  borda: /' || echo "  borda: nada sobre $id"
		done
		return 1
	}
}

# cl_post_figures ARQUIVO: os números do laço de POSTs (quantos, atendidos, no log, com erro).
cl_post_figures() {
	local errors
	errors=$(awk '$1 != 405 { print $1 }' "$1" | sort | uniq -c | awk '{ printf "%s%d com %s", sep, $1, $2; sep = ", " }')
	printf '%s POSTs, %s respondidos pelo serviço (405), %s no log dele; erros: %s\n' "$(grep -c . "$1" || true)" \
		"$(grep -c '^405 ' "$1" || true)" "$(grep -c . "$1.servico" 2>/dev/null || echo 0)" "${errors:-nenhum}"
}
