# shellcheck shell=bash
#
# lib/avaliar.sh — ./run.sh avaliar (modo professor): cada entrega de outra pessoa na sua
# "caixa" (um Docker engine descartável num contêiner, com limites), o avaliador
# (avaliar/juiz, em Python) dentro dela, e o host falando com ela só por docker exec e
# docker cp. O passo a passo está em avaliar/README.md ("Como funciona por dentro");
# os testes, em tests/avaliar.sh.

readonly AV_IMAGE=avaliar-caixa
readonly AV_LABEL="$LABEL_KEY=avaliar"
AVALIAR_TEMPO=${AVALIAR_TEMPO:-900} AVALIAR_PARALELO=${AVALIAR_PARALELO:-1} # s por entrega; caixas ao mesmo tempo
AVALIAR_MEMORIA=${AVALIAR_MEMORIA:-3g} AVALIAR_CPUS=${AVALIAR_CPUS:-2} AVALIAR_PIDS=${AVALIAR_PIDS:-4096}
AVALIAR_DISCO=${AVALIAR_DISCO:-20480} # MiB no engine de cada caixa (imagens, builds, volumes)
AVALIAR_DESAFIOS=${AVALIAR_DESAFIOS:-}       # "3 4": só esses desafios (os outros, ausente)
AVALIAR_SUBSTITUTAS=${AVALIAR_SUBSTITUTAS:-} # "padrão=imagem ...": python:*=minha/python:3.11
AVALIAR_ESPELHO=${AVALIAR_ESPELHO:-}         # mirror de registry para o dockerd das caixas
AV_RUN='' AV_SAIDA='' # o id desta avaliação (rótulo avaliar.run); a pasta dos relatórios
AV_CACHE=''   # as imagens base salvas do host, um .tar por imagem, uma vez por turma
AV_PRIV=1     # 0: o engine recusa --privileged; as caixas sobem com CLUSTER_NODE_CAPS
AV_NOMES=' ' AV_NOME='' # os nomes de pasta já dados; o último (av_unique)
AV_FONTES=()  # as entregas validadas: pastas absolutas ou URLs git

# ------------------------------------------------------------ ./run.sh avaliar

cmd_avaliar() {
	local saida=avaliacao t0 v
	while [ $# -gt 0 ]; do
		case $1 in
			--saida) [ $# -ge 2 ] || usage_error "--saida pede uma pasta: --saida PASTA"; saida=$2; shift ;;
			--saida=*) saida=${1#--saida=} ;;
			-*) usage_error "opção desconhecida: $1 (em ./run.sh avaliar)" ;;
			*) av_add_source "$1" ;;
		esac
		shift
	done
	[ "${#AV_FONTES[@]}" -gt 0 ] || usage_error "diga o que avaliar: ./run.sh avaliar PASTA|URL-git [...] [--saida PASTA]"
	for v in "$AVALIAR_PARALELO" "$AVALIAR_TEMPO" "$AVALIAR_DISCO"; do
		case $v in '' | 0* | *[!0-9]*) die "AVALIAR_PARALELO, AVALIAR_TEMPO e AVALIAR_DISCO são números de 1 em diante" ;; esac
	done
	preflight
	mkdir -p "$saida" || die "não consegui criar a pasta de saída $saida"
	AV_SAIDA=$(cd "$saida" && pwd)
	av_check_saida
	AV_RUN=$(date +%Y%m%d%H%M%S)-$$
	AV_CACHE=$WORK/imagens && mkdir -p "$AV_CACHE"
	trap av_on_exit EXIT
	trap 'exit 130' INT && trap 'exit 143' TERM
	section "Modo professor: ${#AV_FONTES[@]} entrega(s), cada uma na sua caixa (relatórios em $AV_SAIDA)"
	av_build_image || die "não consegui construir a imagem $AV_IMAGE (a saída está acima)"
	av_probe_privileged
	printf 'entrega\tcaixa_s\timagens_s\tjuiz_s\tremocao_s\ttotal_s\n' >"$AV_SAIDA/tempos.txt"
	t0=$SECONDS
	av_run_all
	printf '# turma: %s entrega(s), %s por vez, %s s no total\n' "${#AV_FONTES[@]}" "$AVALIAR_PARALELO" \
		$((SECONDS - t0)) >>"$AV_SAIDA/tempos.txt"
	av_turma
	av_summary
	[ ! -e "$WORK/nao-avaliada" ]
}

# av_add_source ENTREGA: uma pasta que existe, ou uma URL git; senão, erro (código 1).
av_add_source() {
	if [ -d "$1" ]; then AV_FONTES+=("$(cd "$1" && pwd)") && return 0; fi
	case $1 in
		*://* | git@*:*) AV_FONTES+=("$1") ;;
		*) die "não encontrei a pasta '$1' (e não é uma URL git, como https://.../aluno.git)" ;;
	esac
}

# av_check_saida: a saída, ou a pasta do relatório, não pode ser uma entrega (avaliar ana --saida .:
# por cima do RELATORIO.md e do log.txt dela); -ef: a mesma pasta também sem maiúsculas (macOS).
av_check_saida() {
	local src
	for src in "${AV_FONTES[@]}"; do
		av_unique "$src"
		if [ "$AV_SAIDA" -ef "$src" ] || [ "$AV_SAIDA/$AV_NOME" -ef "$src" ]; then
			die "a pasta de saída ($AV_SAIDA) escreveria dentro da entrega $src, por cima dos arquivos" \
				"dela; escolha outra: ./run.sh avaliar ... --saida OUTRA-PASTA"
		fi
	done
	AV_NOMES=' '
}

# av_unique ENTREGA: AV_NOME, o nome da pasta do relatório (o da pasta ou do repositório, em
# [a-z0-9._-]); -2, -3... se já foi dado, ou se a pasta é de outra entrega (o fonte.txt diz).
av_unique() {
	local base n=1
	base=$(basename "${1%/}")
	base=$(printf '%s' "${base%.git}" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9._-' '-')
	case $base in '' | . | ..) base=entrega ;; esac
	AV_NOME=$base
	while case $AV_NOMES in *" $AV_NOME "*) true ;; *) av_other_source "$1" ;; esac do
		n=$((n + 1))
		AV_NOME=$base-$n
	done
	AV_NOMES="$AV_NOMES$AV_NOME "
}
av_other_source() { [ -f "$AV_SAIDA/$AV_NOME/fonte.txt" ] && [ "$(cat "$AV_SAIDA/$AV_NOME/fonte.txt")" != "$1" ]; }

av_build_image() {
	local base=()
	if [ "$NODE_IMAGE" != "$DEFAULT_NODE_IMAGE" ]; then base=(--build-arg "NODE_IMAGE=$NODE_IMAGE"); fi
	run_quiet docker build ${base[@]+"${base[@]}"} -t "$AV_IMAGE" -f "$ROOT/avaliar/caixa/Dockerfile" "$ROOT/avaliar"
}

# Como no ./run.sh cluster: --privileged (a imagem dind oficial pede); onde o engine o
# recusa, as permissões uma a uma (CLUSTER_NODE_CAPS). Testado uma vez, antes das caixas.
av_probe_privileged() {
	local out
	if out=$(docker run --rm --name "avaliar-sonda-$AV_RUN" --label "$AV_LABEL" --privileged \
		--entrypoint true "$AV_IMAGE" 2>&1); then
		return 0
	fi
	if grep -qiE 'caps|privileged|operation not permitted' <<<"$out"; then
		# shellcheck disable=SC2034 # lido em lib/caixa.sh
		AV_PRIV=0
		info "(este Docker recusa --privileged: as caixas sobem com as permissões explícitas do ./run.sh cluster)"
		return 0
	fi
	die "não consegui rodar a imagem $AV_IMAGE: $out"
}

# Em lotes de AVALIAR_PARALELO (o bash 3.2 não tem wait -n); com 1, a saída ao vivo.
av_run_all() {
	local n=0 src pids=() pid
	for src in "${AV_FONTES[@]}"; do
		n=$((n + 1))
		av_unique "$src"
		mkdir -p "$AV_SAIDA/$AV_NOME"
		rm -f "$AV_SAIDA/$AV_NOME/log.txt" # (em paralelo, as linhas são acrescentadas a ele)
		printf '%s\n' "$src" >"$AV_SAIDA/$AV_NOME/fonte.txt"
		if [ "$AVALIAR_PARALELO" -le 1 ]; then
			av_grade "$n" "$src" "$AV_NOME" 2>&1 | tee "$AV_SAIDA/$AV_NOME/log.txt"
			continue
		fi
		(av_grade "$n" "$src" "$AV_NOME" 2>&1 | av_prefix "$AV_NOME" "$AV_SAIDA/$AV_NOME/log.txt") &
		pids+=("$!")
		if [ "${#pids[@]}" -ge "$AVALIAR_PARALELO" ]; then
			for pid in "${pids[@]}"; do wait "$pid" || true; done
			pids=()
		fi
	done
	for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" || true; done
}

# av_prefix NOME LOG: cada linha vai para o LOG e para a tela com [NOME] na frente.
av_prefix() {
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$2"
		printf '[%s] %s\n' "$1" "$line"
	done
}

# ------------------------------------------------------------ uma entrega

# av_grade N ENTREGA NOME: uma entrega do começo ao fim na caixa avaliar-caixa-N-RUN.
# Os tempos de cada fase vão para tempos.txt; quem não terminou leva falhou com o motivo.
av_grade() {
	local n=$1 src=$2 nome=$3 caixa dir t0 t1 t2 t3 t4 wd status=0
	caixa=avaliar-caixa-$n-$AV_RUN
	dir=$AV_SAIDA/$nome
	rm -f "$dir/veredictos.txt" "$dir/RELATORIO.md" "$dir/results.json" "$dir/triagem.json" "$dir/imagens.txt"
	[ -d "$WORK" ] || return 0 # a avaliação foi interrompida
	t0=$SECONDS
	printf '%s== %s (%s) ==%s\n' "$C_HEAD" "$nome" "$src" "$C_OFF"
	if ! av_start_caixa "$caixa"; then
		av_fail "$dir" "não avaliado: a caixa não subiu (duas tentativas)"
		: >"$WORK/nao-avaliada"
		return 0
	fi
	av_watchdog "$caixa" "$n" "$dir" &
	wd=$!
	t1=$SECONDS
	if ! av_copy_in "$caixa" "$src"; then
		{ kill "$wd" && wait "$wd"; } 2>/dev/null || true # sem o "Terminated" do bash
		docker rm -f -v "$caixa" >/dev/null 2>&1 || true
		av_fail "$dir" "não avaliado: a entrega não entrou na caixa (pasta ilegível ou git clone falhou)"
		: >"$WORK/nao-avaliada"
		return 0
	fi
	av_juiz "$caixa" triagem "$nome" || status=$?
	if [ "$status" = 0 ]; then av_images "$caixa" || status=$?; fi
	t2=$SECONDS
	if [ "$status" = 0 ]; then av_juiz "$caixa" avaliar "$nome" || status=$?; fi
	t3=$SECONDS
	docker cp "$caixa:/saida/." "$dir/" >/dev/null 2>&1 || true
	{ kill "$wd" && wait "$wd"; } 2>/dev/null || true # sem o "Terminated" do bash
	docker rm -f -v "$caixa" >/dev/null 2>&1 || true
	t4=$SECONDS
	[ -d "$WORK" ] || return 0
	av_settle "$dir" "$n" "$status"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$nome" $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) $((t4 - t0)) \
		>>"$AV_SAIDA/tempos.txt"
	printf '%s: %s\n' "$nome" "$(av_line "$dir")"
	printf '  (caixa %s s, imagens %s s, juiz %s s, remoção %s s; relatório: %s/RELATORIO.md)\n' \
		$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3)) "$dir"
}

# av_settle DIR N STATUS: o não avaliado ("não avaliado: ..."; o fora de AVALIAR_DESAFIOS segue
# ausente) vira falhou: tempo esgotado, disco cheio, ou o juiz que parou com erro (código 1).
av_settle() {
	local motivo='' m
	if [ -e "$WORK/tempo-$2" ]; then
		motivo=$(cat "$WORK/tempo-$2")
	elif [ "$3" != 0 ] || [ "$(grep -c . "$1/veredictos.txt" 2>/dev/null)" != 5 ]; then
		motivo="não avaliado: o avaliador não terminou (código $3; veja log.txt)"
		: >"$WORK/nao-avaliada"
	fi
	[ -n "$motivo" ] || return 0
	if [ -s "$1/veredictos.txt" ]; then
		awk -F'\t' -v OFS='\t' -v m="$motivo" '$3 ~ /^não avaliado:/ { $2 = "falhou"; $3 = m } 1' \
			"$1/veredictos.txt" >"$1/veredictos.tmp" && mv "$1/veredictos.tmp" "$1/veredictos.txt"
		printf '\n**%s.**\n' "$motivo" >>"$1/RELATORIO.md"
		m=$(printf '%s' "$motivo" | sed 's/[\\"]/\\&/g; s/[\\/&]/\\&/g') # o mesmo no results.json (JSON, e o sed)
		if [ -s "$1/results.json" ]; then sed -i.tmp "s/\"não avaliado:[^\"]*\"/\"$m\"/g" "$1/results.json" && rm -f "$1/results.json.tmp"; fi
	fi
	if [ "$(grep -c . "$1/veredictos.txt" 2>/dev/null)" != 5 ]; then av_fail "$1" "$motivo"; fi
}

# av_watchdog CAIXA N DIR: passado AVALIAR_TEMPO, ou com mais de AVALIAR_DISCO MiB no engine
# da caixa (conferido a cada 15 s), copia o que o juiz já escreveu para DIR, remove a caixa e
# escreve o motivo em tempo-N; sai sozinho quando a avaliação termina (WORK some).
av_watchdog() {
	local fim=$(($(date +%s) + AVALIAR_TEMPO)) i=0 mb motivo
	motivo="tempo esgotado (AVALIAR_TEMPO=${AVALIAR_TEMPO} s): a caixa foi removida"
	while [ "$(date +%s)" -lt "$fim" ]; do
		[ -d "$WORK" ] || return 0
		sleep 1 && i=$((i + 1))
		[ $((i % 15)) = 0 ] || continue
		mb=$(docker exec "$1" du -sxm /var/lib/docker 2>/dev/null | cut -f1) || continue
		case $mb in '' | *[!0-9]*) continue ;; esac
		if [ "$mb" -gt "$AVALIAR_DISCO" ]; then
			motivo="disco cheio: $mb MiB no engine da caixa (AVALIAR_DISCO=$AVALIAR_DISCO): a caixa foi removida"
			break
		fi
	done
	[ -d "$WORK" ] || return 0
	printf '%s\n' "$motivo" >"$WORK/tempo-$2"
	echo "$motivo ($1)"
	docker cp "$1:/saida/." "$3/" >/dev/null 2>&1 || true
	docker rm -f -v "$1" >/dev/null 2>&1 || true
}

# av_copy_in CAIXA ENTREGA: a pasta (sem a pasta de saída, se estiver dentro dela) ou um git
# clone --depth 1 (inteiro, se o servidor não dá o raso) na caixa, sem pedir senha, até 300 s.
av_copy_in() {
	if [ -d "$2" ]; then
		docker cp "$2/." "$1:/entrega" >/dev/null || return 1
		case $AV_SAIDA in "$2"/*) docker exec "$1" rm -rf "/entrega/${AV_SAIDA#"$2"/}" ;; esac
		return 0
	fi
	echo "git clone --depth 1 $2"
	# shellcheck disable=SC2016 # o $0 é do sh de dentro da caixa (a URL)
	bounded 300 docker exec -e GIT_TERMINAL_PROMPT=0 "$1" sh -c \
		'git clone -q --depth 1 "$0" /entrega || { rm -rf /entrega && git clone -q "$0" /entrega; }' "$2" </dev/null
}

# av_juiz CAIXA triagem|avaliar NOME: o avaliador dentro da caixa, sem entrada padrão.
av_juiz() {
	docker exec -e "JUIZ_NOME=$3" -e "JUIZ_DESAFIOS=$AVALIAR_DESAFIOS" "$1" sh -c "mkdir -p /saida && cd /opt/avaliar && python3 -m juiz $2 /entrega /saida" </dev/null
}

# ------------------------------------------------------------ imagens base

# av_images CAIXA: cada imagem base que a triagem listou: a do seu engine, ou a
# substituta (AVALIAR_SUBSTITUTAS) com a tag original; senão a caixa baixa (espelho).
av_images() {
	local img subst
	while IFS= read -r img; do
		case $img in '' | '#'* | scratch | *'$'*) continue ;; esac
		if docker image inspect "$img" >/dev/null 2>&1; then
			av_load "$1" "$img" "$img" || return 1
		elif subst=$(av_substitute "$img"); then
			av_load "$1" "$subst" "$img" || return 1
		else
			echo "imagem $img: não está no seu engine; a caixa vai baixá-la${AVALIAR_ESPELHO:+ (espelho $AVALIAR_ESPELHO)}"
		fi
	done < <(docker exec "$1" cat /saida/imagens.txt 2>/dev/null | tr -d '\r')
}

# av_pairs: os pares padrão=imagem, um por linha: AVALIAR_SUBSTITUTAS e, quando você
# trocou as imagens base do curso (PYTHON_IMAGE etc.), o padrão oficial pela sua.
av_pairs() {
	local v d
	printf '%s\n' "$AVALIAR_SUBSTITUTAS" | tr -s '[:blank:]' '\n'
	for v in PYTHON_IMAGE CLIENT_IMAGE POSTGRES_IMAGE REDIS_IMAGE NGINX_IMAGE; do
		d=DEFAULT_$v
		if [ "${!v}" != "${!d}" ]; then printf '%s=%s\n' "${!d}" "${!v}"; fi
	done
}

# av_substitute IMAGEM: a primeira substituta cujo padrão (glob) casa e que o seu engine tem.
av_substitute() {
	local pair pat
	while IFS= read -r pair; do
		case $pair in *?=?*) ;; *) continue ;; esac
		pat=${pair%%=*}
		# shellcheck disable=SC2254 # o padrão é um glob de propósito (python:*)
		case $1 in $pat) docker image inspect "${pair#*=}" >/dev/null 2>&1 && echo "${pair#*=}" && return 0 ;; esac
	done < <(av_pairs)
	return 1
}

# av_load CAIXA FONTE ALVO: FONTE (do seu engine) carregada na caixa com o nome ALVO.
av_load() {
	local tar
	tar=$(av_saved "$2") || { echo "imagem $3: não consegui salvar $2 do seu engine"; return 0; }
	docker exec -i "$1" docker load <"$tar" >/dev/null || return 1
	if [ "$2" != "$3" ]; then docker exec "$1" docker tag "$2" "$3" || return 1; fi
	if [ "$2" = "$3" ]; then echo "imagem $3: do seu engine"; else echo "imagem $3: $2, do seu engine"; fi
}

# av_saved IMAGEM: o .tar dela no cache da turma; docker save só na primeira vez (com
# caixas em paralelo, quem cria a trava salva e as outras esperam o .tar, até 600 s).
av_saved() {
	local tar waited=0
	tar=$AV_CACHE/$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_').tar
	if mkdir "$tar.trava" 2>/dev/null; then
		if docker save -o "$tar.parcial" "$1" && mv "$tar.parcial" "$tar"; then :; else : >"$tar.falhou"; fi
	fi
	while [ -d "$WORK" ] && [ ! -e "$tar" ] && [ ! -e "$tar.falhou" ] && [ "$waited" -lt 1200 ]; do
		sleep 0.5 && waited=$((waited + 1))
	done
	[ -e "$tar" ] && echo "$tar"
}

# ------------------------------------------------------------ resultados

# av_fail DIR MOTIVO: os cinco desafios falhou, um RELATORIO.md e um results.json mínimos.
av_fail() {
	local k
	for k in 1 2 3 4 5; do printf 'desafio%s\tfalhou\t%s\n' "$k" "$2"; done >"$1/veredictos.txt"
	printf '# %s\n\nA avaliação não terminou: %s.\n' "${1##*/}" "$2" >"$1/RELATORIO.md"
	printf '{"score": 0, "output": "%s", "tests": []}\n' "$(printf '%s' "$2" | sed 's/[\\"]/\\&/g')" \
		>"$1/results.json"
}

# av_line DIR: "desafio1 passou · desafio2 parcial · ..."
av_line() {
	awk -F'\t' '{ printf "%s%s %s", (NR > 1 ? " · " : ""), $1, $2 } END { print "" }' "$1/veredictos.txt"
}

# A tabela da turma (turma.csv, turma.md, turma.html) pelo juiz, numa caixa sem engine,
# com o seu usuário (os arquivos são seus).
av_turma() {
	if ! docker run --rm --name "avaliar-turma-$AV_RUN" --label "$AV_LABEL" --label "avaliar.run=$AV_RUN" \
		--user "$(id -u):$(id -g)" --entrypoint sh -v "$AV_SAIDA:/saida" "$AV_IMAGE" \
		-c 'cd /opt/avaliar && python3 -m juiz turma /saida' </dev/null; then
		warn "a tabela da turma (turma.csv, turma.md, turma.html) não foi gerada" && : >"$WORK/nao-avaliada"
	fi
}

av_summary() {
	local src
	section "Resultado"
	AV_NOMES=' '
	for src in "${AV_FONTES[@]}"; do
		av_unique "$src"
		if [ -f "$AV_SAIDA/$AV_NOME/veredictos.txt" ]; then
			printf '  %-28s %s\n' "$AV_NOME" "$(av_line "$AV_SAIDA/$AV_NOME")"
		else
			printf '  %-28s (interrompida)\n' "$AV_NOME"
		fi
	done
	if [ -e "$WORK/nao-avaliada" ]; then warn "alguma entrega não pôde ser avaliada (veja acima): código de saída 1"; fi
	echo "Relatórios: $AV_SAIDA/<entrega>/RELATORIO.md; a turma: $AV_SAIDA/turma.html (e turma.csv, turma.md);"
	echo "tempos de cada fase: $AV_SAIDA/tempos.txt"
}

# Ao sair (fim, Ctrl+C, erro): remove toda caixa desta avaliação (rótulo avaliar.run). O WORK
# sai antes: as entregas em paralelo, sem ele, param sem escrever veredictos nem subir caixas.
av_on_exit() {
	local ids
	trap - INT TERM
	cleanup_work
	if [ -n "$AV_RUN" ]; then
		ids=$(docker ps -aq --filter "label=avaliar.run=$AV_RUN" 2>/dev/null) || true
		if [ -n "$ids" ]; then
			info "(removendo as caixas desta avaliação)"
			# shellcheck disable=SC2086 # lista de ids
			docker rm -f -v $ids >/dev/null 2>&1 || true
		fi
	fi
}

# Só o que leva o rótulo $AV_LABEL (caixas, volumes delas, imagens): um server seu fica.
clean_avaliar() {
	local ids vols
	section "Limpeza — modo professor (caixas avaliar-caixa-*)"
	if [ "$DRY_RUN" = 0 ]; then
		ids=$(docker ps -a --filter "label=$AV_LABEL" --format '{{.Names}}')
		# shellcheck disable=SC2086 # lista de ids
		if [ -n "$ids" ]; then run_quiet docker rm -f -v $ids; fi
		vols=$(docker volume ls -q --filter "label=$AV_LABEL")
		# shellcheck disable=SC2086 # lista de nomes
		if [ -n "$vols" ]; then run_quiet docker volume rm $vols; fi
	fi
	remove_our_images "$AV_IMAGE" avaliar-navegador # (a do test avaliar: o Chromium que fotografa a turma.html)
}
