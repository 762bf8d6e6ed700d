# shellcheck shell=bash
#
# tests/leitura.sh — ./run.sh test leitura: os READMEs como um aluno os lê. Cada
# README de desafio (desafio1/README.md a desafio5/README.md e o do Swarm,
# extras/swarm/README.md) é colado, bloco por bloco e na ordem, num só shell que
# começa na raiz do repositório; cada "Saída esperada" é comparada com o que o
# shell imprimiu naquele ponto (tests/leitura/leitura.py monta o passeio; o
# byexample o executa). O passeio roda duas vezes: num bash e num zsh interativo
# com as opções padrão (`zsh -f -i`), como no Terminal do macOS. As dicas que o
# ./run.sh N imprime ("Para explorar") também são coladas no zsh
# (tests/leitura/dicas.sh).
#
# O host só precisa do Docker: bash, zsh, curl, o cliente docker com o Compose v2
# e o byexample estão na imagem desafios-leitura (tests/leitura/Dockerfile), que
# fala com o engine do host pelo socket e vê o repositório no mesmo caminho. As
# tags oficiais das imagens base (python:3.13.9-slim...) apontam para as imagens
# em uso (*_IMAGE), como na máquina de um aluno, só durante o teste.

LEITURA_IMAGE=desafios-leitura
LEITURA_DIR="$ROOT/.saida/leitura" # o passeio montado e a saída de cada shell
# O zsh com as opções padrão; só a edição de linha (zle) e as marcas de prompt
# (promptcr, promptsp) ficam de fora, para o byexample ler a saída. Como o
# terminal entende um `#` colado continua o padrão (sem interactivecomments).
LEITURA_ZSH='/usr/bin/env zsh -f -i +o zle +o promptcr +o promptsp'
# As partes do ./run.sh que imprimem dicas (hints_PARTE, em lib/).
LEITURA_HINTS='1 2 3 4 5 swarm cluster'

test_leitura() {
	section "Leitura: os READMEs colados no terminal, um por um (bash e zsh)"
	local shells=${LEITURA_SHELLS:-bash zsh} sh part
	LEITURA_TAGGED='' LEITURA_WALKING=0
	LEITURA_RUN_ID="passeio-$$"
	# as tags oficiais e o contêiner do passeio saem também num Ctrl+C ou num kill; o
	# aviso vai para o stderr de agora (o trap pode rodar dentro do redirecionamento
	# de um comando interrompido)
	exec 8>&2
	trap leitura_undo EXIT
	trap 'leitura_on_signal INT' INT
	trap 'leitura_on_signal TERM' TERM
	trap 'leitura_on_signal HUP' HUP
	check "a imagem $LEITURA_IMAGE (bash, zsh, curl, docker, byexample) está pronta" leitura_image
	# sem a imagem destes arquivos (o build falhou), nada roda: nem com uma imagem velha
	[ "$(tail -n 1 "$RESULTS")" = ok ] || return 0
	leitura_who
	check "o contêiner do passeio fala com o engine do host (pelo socket $LEITURA_SOCK)" leitura_same_engine
	[ "$(tail -n 1 "$RESULTS")" = ok ] || return 0
	info "($(leitura_run docker version --format 'no contêiner: cliente docker {{.Client.Version}}, API {{.Client.APIVersion}} negociada com o engine {{.Server.Version}}' 2>&1))"
	for part in $LEITURA_HINTS; do
		check "as dicas do ./run.sh $part colam no zsh como estão (e fazem o mesmo que no bash)" \
			leitura_hints_paste "$part"
	done
	mkdir -p "$LEITURA_DIR"
	rm -f "$LEITURA_DIR/mapa.txt"
	# shellcheck disable=SC2046 # a lista de READMEs (caminhos sem espaços)
	check "os READMEs viram um passeio (cada saída esperada aponta para um comando anterior)" \
		leitura_run python3 tests/leitura/leitura.py .saida/leitura/passeio.md .saida/leitura/mapa.txt $(leitura_readmes)
	[ -s "$LEITURA_DIR/mapa.txt" ] || return 0
	leitura_swarm_guard
	[ -s "$LEITURA_DIR/mapa.txt" ] || return 0
	LEITURA_WALKING=1 # daqui em diante, um passeio pode estar no meio
	LEITURA_TAGGED=$(leitura_official_tags)
	for sh in $shells; do
		leitura_walk "$sh"
		leitura_leftovers "$LEITURA_SWARM_BEFORE"
	done
}

# O swarm só é tocado quando o passeio inclui o README do Swarm (com a trava d5): num
# swarm que já existe (de outra pessoa), o passeio não faz deploy nem sai dele e segue
# sem esse README. LEITURA_SWARM_BEFORE: o estado de antes, ou "fora" (sem o Swarm).
leitura_swarm_guard() {
	local rest
	LEITURA_SWARM_BEFORE=fora
	grep -q '^[0-9]* [0-9]* swarm ' "$LEITURA_DIR/mapa.txt" || return 0
	LEITURA_SWARM_BEFORE=$(swarm_state)
	check "o engine não está num swarm (o passeio do Swarm cria e desfaz o seu)" \
		equals "swarm $LEITURA_SWARM_BEFORE" "swarm inactive"
	[ "$LEITURA_SWARM_BEFORE" != inactive ] || return 0
	info "(o passeio segue sem o README do Swarm)"
	LEITURA_SWARM_BEFORE=fora
	# as mesmas seções de antes, menos o Swarm (LEITURA_SECOES pode ter escolhido algumas)
	rest=$(awk '$3 != "swarm" { print $3 }' "$LEITURA_DIR/mapa.txt" | paste -sd, -)
	rm -f "$LEITURA_DIR/mapa.txt"
	[ -n "$rest" ] || return 0
	# shellcheck disable=SC2046 # a lista de READMEs (caminhos sem espaços)
	LEITURA_SECOES=$rest check "o passeio sem o README do Swarm ($rest)" leitura_run python3 \
		tests/leitura/leitura.py .saida/leitura/passeio.md .saida/leitura/mapa.txt $(leitura_readmes)
}

# Os READMEs do passeio, na ordem, relativos à raiz (o cluster não é percorrido).
leitura_readmes() {
	echo desafio1/README.md desafio2/README.md desafio3/README.md desafio4/README.md \
		desafio5/README.md extras/swarm/README.md
}

# A imagem do passeio, da imagem base em uso (PYTHON_IMAGE); o cache do docker build
# a deixa pronta em menos de um segundo quando nada em tests/leitura/ mudou.
leitura_image() {
	docker_build PYTHON_IMAGE -q -t "$LEITURA_IMAGE" "$ROOT/tests/leitura"
}

# leitura_who: por onde o contêiner fala com o engine (LEITURA_SOCK) e com que usuário
# (LEITURA_USER). No Linux, o do host, com o grupo do socket: o que o passeio grava
# em .saida/ fica seu. No Docker Desktop (macOS, Windows) o socket que se monta é
# sempre /var/run/docker.sock, o da máquina virtual, e o root do contêiner grava
# como você na pasta compartilhada; no Docker rootless, o root do contêiner já é você.
# (LEITURA_WHO_ERR diz por que não dá, para a verificação seguinte.)
leitura_who() {
	local os sec host
	LEITURA_SOCK=/var/run/docker.sock
	LEITURA_USER=(--user 0:0)
	LEITURA_WHO_ERR=''
	os=$(docker info --format '{{.OperatingSystem}}' 2>/dev/null || true)
	case $os in *"Docker Desktop"*) return 0 ;; esac
	host=${DOCKER_HOST:-$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null || true)}
	case $host in
		unix://*) LEITURA_SOCK=${host#unix://} ;;
		'') ;;
		*)
			LEITURA_WHO_ERR="o passeio monta o socket de um engine local (unix://...); o engine em uso é $host"
			return 0 ;;
	esac
	sec=$(docker info --format '{{.SecurityOptions}}' 2>/dev/null || true)
	case $sec in *rootless*) return 0 ;; esac
	if [ "$(id -u)" != 0 ]; then
		# o gid do socket: `stat` tem opções diferentes no macOS e no Linux; `ls -n`, não
		# shellcheck disable=SC2012 # um caminho só, conhecido (não uma lista de nomes)
		LEITURA_USER=(--user "$(id -u):$(id -g)" --group-add "$(ls -lnL "$LEITURA_SOCK" | awk '{ print $4 }')")
	fi
}

# leitura_run CMD...: CMD no contêiner do passeio, na raiz do repositório (o mesmo
# caminho do host: o daemon resolve os bind mounts do compose no host), com o
# engine do host pelo socket. --network host: 127.0.0.1:PORTA são as portas que os
# desafios publicam. No Linux, a rede do host; no Docker Desktop, a da máquina
# virtual onde o engine publica as portas (ou, com "Enable host networking" ligado,
# a do macOS/Windows, para onde ele as repassa): nos dois casos 127.0.0.1:5000 é o
# que um `curl` do aluno alcança. Sem DOCKER_API_VERSION: o cliente negocia a versão
# com o engine (1.41 num Docker 20.10).
leitura_run() {
	docker run --rm --init --label "$LABEL_KEY=leitura" --label "desafios-docker.passeio=$LEITURA_RUN_ID" \
		--network host -v "$LEITURA_SOCK:/var/run/docker.sock" -e DOCKER_HOST=unix:///var/run/docker.sock \
		-v "$ROOT:$ROOT" -w "$ROOT" -e HOME=/tmp -e LEITURA_SECOES -e "LEITURA_RAIZ=$ROOT" \
		"${LEITURA_USER[@]}" "$LEITURA_IMAGE" "$@"
}

# O mesmo engine dos dois lados: o ID do docker info.
leitura_same_engine() {
	local here there
	if [ -n "$LEITURA_WHO_ERR" ]; then
		echo "$LEITURA_WHO_ERR"
		return 1
	fi
	here=$(docker info --format '{{.ID}}') || return 1
	there=$(leitura_run docker info --format '{{.ID}}') || return 1
	equals "engine $there" "engine $here"
}

# leitura_hints_paste PARTE: os comandos das dicas de ./run.sh PARTE (as linhas com
# dois espaços na frente, como o aluno as copia) colados no zsh e no bash, com dublês.
leitura_hints_paste() {
	local f="$LEITURA_DIR/dicas-$1.txt"
	mkdir -p "$LEITURA_DIR"
	"hints_$1" | sed -n 's/^  //p' >"$f"
	leitura_run bash tests/leitura/dicas.sh "${f#"$ROOT"/}"
}

# Na máquina do aluno, python:3.13.9-slim etc. vêm do Docker Hub; aqui, quando uma
# *_IMAGE aponta para outra imagem, a tag oficial passa a apontar para ela (uma
# imagem oficial de verdade, se existir, fica como está). Imprime as tags criadas.
leitura_official_tags() {
	local var def_name def
	for var in PYTHON_IMAGE CLIENT_IMAGE POSTGRES_IMAGE REDIS_IMAGE; do
		def_name=DEFAULT_$var
		def=${!def_name}
		[ "${!var}" != "$def" ] || continue
		if docker image inspect "$def" >/dev/null 2>&1; then continue; fi
		if docker tag "${!var}" "$def"; then echo "$def"; fi
	done
}

# Desfaz o que o teste pôs no engine fora dos desafios: as tags oficiais e um
# contêiner do passeio que ainda esteja de pé (um docker run interrompido).
leitura_undo() {
	local tag id
	for tag in $LEITURA_TAGGED; do docker rmi "$tag" >/dev/null 2>&1 || true; done
	LEITURA_TAGGED=''
	for id in $(docker ps -aq --filter "label=desafios-docker.passeio=$LEITURA_RUN_ID" 2>/dev/null); do
		docker rm -f "$id" >/dev/null 2>&1 || true
	done
}
# leitura_on_signal SINAL: desfaz, tira o que o passeio interrompido subiu (e o swarm,
# se foi ele que o criou) e sai pelo mesmo sinal: quem chamou o ./run.sh test vê a
# interrupção e não segue para a próxima parte. Um segundo Ctrl+C sai na hora.
leitura_on_signal() {
	trap - EXIT "$1"
	info "(passeio interrompido: desfazendo as tags oficiais e o que o passeio subiu)" 2>&8
	leitura_undo
	if [ -s "$LEITURA_DIR/mapa.txt" ] && [ "$LEITURA_WALKING" = 1 ]; then
		leitura_leftovers "$LEITURA_SWARM_BEFORE"
	fi
	kill -s "$1" "$(exec sh -c 'echo "$PPID"')"
}

# leitura_walk SHELL: o passeio inteiro num shell; uma verificação por seção.
leitura_walk() {
	local sh=$1 shebang=() out="$LEITURA_DIR/saida-$1.txt" status=0 t0 line first last name title failed
	if [ "$sh" = zsh ]; then shebang=(-x-shebang "shell:$LEITURA_ZSH"); fi
	info "(passeio no $sh: $(wc -l <"$LEITURA_DIR/mapa.txt" | tr -d ' ') seções; a saída do byexample mostra cada diferença)"
	t0=$SECONDS
	# o ambiente de um aluno: o contêiner não herda as variáveis de imagem e de porta
	# do teste; um proxy que o cliente docker injete (~/.docker/config.json) sai também
	# (em segundo plano e com wait: um Ctrl+C chega ao trap na hora, e não só quando o
	# byexample terminar o arquivo inteiro, como ele faz quando recebe o SIGINT)
	leitura_run env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
		byexample -l shell -m "$ROOT/tests/leitura" --timeout 300 --no-progress-bar --pretty none \
		${shebang[@]+"${shebang[@]}"} .saida/leitura/passeio.md >"$out" 2>&1 &
	wait "$!" || status=$?
	sed 's/^/    /' "$out"
	info "(passeio no $sh: $((SECONDS - t0)) s, código $status)"
	while read -r first last name title; do
		failed=$(sed -n 's/^File ".*", line \([0-9][0-9]*\)$/\1/p' "$out" | while read -r line; do
			if [ "$line" -ge "$first" ] && [ "$line" -le "$last" ]; then echo "linha $line"; fi
		done)
		check "passeio no $sh: $title ($name)" leitura_section_ok "$status" "$failed" "$out"
	done <"$LEITURA_DIR/mapa.txt"
}
leitura_section_ok() { # STATUS FALHAS SAÍDA
	if [ -n "$2" ]; then
		echo "exemplos que falharam em $LEITURA_DIR/passeio.md: $(printf '%s' "$2" | tr '\n' ' ')"
		return 1
	fi
	# um passeio abortado (crash, timeout sem volta) não lista a linha de cada seção
	if [ "$1" != 0 ] && ! grep -q '^\[FAIL\]' "$3"; then
		tail -n 5 "$3"
		return 1
	fi
}

# leitura_leftovers ESTADO_DO_SWARM_ANTES: depois de um passeio que parou no meio, o
# que ficou para trás sai — só das seções percorridas (as outras podem estar em uso
# por quem tem a trava delas), só o que é nosso, e as imagens ficam para o próximo
# passeio. O swarm sai só se o passeio o criou ("fora": o Swarm não foi percorrido).
leitura_leftovers() {
	local walked
	walked=" $(awk '{ print $3 }' "$LEITURA_DIR/mapa.txt" | tr '\n' ' ')"
	(
		case $walked in *" desafio1 "*)
			remove_our_containers server client
			remove_if_exists network desafio1-net ;;
		esac
		case $walked in *" desafio2 "*)
			remove_our_containers d2-db
			remove_if_exists volume desafio2-volume ;;
		esac
		detect_compose
		for n in 3 4 5; do
			case $walked in *" desafio$n "*)
				(cd "$ROOT/desafio$n" && dc down -v --remove-orphans) || true ;;
			esac
		done
		[ "$1" != fora ] || exit 0
		if [ "$(swarm_state)" = active ] && docker stack ls --format '{{.Name}}' | grep -qx "$SWARM_STACK"; then
			docker stack rm "$SWARM_STACK"
			wait_until "os contêineres do stack saírem" sw_no_containers || true
		fi
		if [ "$1" = inactive ] && [ "$(swarm_state)" = active ]; then docker swarm leave --force; fi
		wait_until "o gateway do stack liberar a porta $SWARM_PORT" leitura_port_free "$SWARM_PORT" || true
	) >/dev/null 2>&1 || true
}
leitura_port_free() { ! port_in_use "$1"; }

# ./run.sh clean: a imagem do passeio também é nossa.
clean_leitura() {
	section "Limpeza — imagem do passeio pelos READMEs"
	remove_our_images "$LEITURA_IMAGE"
}
