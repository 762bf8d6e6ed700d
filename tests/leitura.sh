# shellcheck shell=bash
#
# tests/leitura.sh — ./run.sh test leitura: o README como um aluno o lê. Cada
# seção de desafio (D1 a D5 e o Swarm) é colada, bloco por bloco e na ordem, num
# só shell que começa na raiz do repositório; cada "Saída esperada" é comparada
# com o que o shell imprimiu naquele ponto (tests/leitura/leitura.py monta o
# passeio a partir do README; o byexample o executa). O passeio roda duas vezes:
# num bash e num zsh interativo com as opções padrão (`zsh -f -i`), como no
# Terminal do macOS.
#
# Precisa de python3 (com o módulo venv) e do zsh no host, só para este teste: o
# byexample é instalado num venv em .saida/leitura-venv (o git ignora .saida/).
# As tags oficiais das imagens base (python:3.13.9-slim...) apontam para as
# imagens em uso (*_IMAGE), como na máquina de um aluno, só durante o teste.

LEITURA_VENV="$ROOT/.saida/leitura-venv"
LEITURA_DIR="$ROOT/.saida/leitura" # o passeio montado e a saída de cada shell
# O zsh com as opções padrão; só a edição de linha (zle) e as marcas de prompt
# (promptcr, promptsp) ficam de fora, para o byexample ler a saída. Como o
# terminal entende um `#` colado continua o padrão (sem interactivecomments).
LEITURA_ZSH='/usr/bin/env zsh -f -i +o zle +o promptcr +o promptsp'

test_leitura() {
	section "Leitura: o README colado no terminal, seção por seção (bash e zsh)"
	local shells=${LEITURA_SHELLS:-bash zsh} sh tagged='' swarm_before rest
	check "python3 com venv disponível para instalar o byexample (só para este teste)" leitura_venv
	[ -x "$LEITURA_VENV/bin/byexample" ] || return 0
	mkdir -p "$LEITURA_DIR"
	rm -f "$LEITURA_DIR/mapa.txt"
	check "o README vira um passeio (cada saída esperada aponta para um comando anterior)" \
		"$LEITURA_VENV/bin/python" "$ROOT/tests/leitura/leitura.py" "$ROOT/README.md" \
		"$LEITURA_DIR/passeio.md" "$LEITURA_DIR/mapa.txt"
	[ -s "$LEITURA_DIR/mapa.txt" ] || return 0
	# o swarm só é tocado quando o passeio inclui a seção do Swarm (com a trava swarm)
	swarm_before=fora
	if grep -q ' Escalando com Docker Swarm' "$LEITURA_DIR/mapa.txt"; then
		swarm_before=$(swarm_state)
		check "o engine não está num swarm (o passeio do Swarm cria e desfaz o seu)" \
			equals "swarm $swarm_before" "swarm inactive"
		if [ "$swarm_before" != inactive ]; then
			# num swarm que já existe (de outra pessoa), o passeio não faz deploy nem sai dele
			info "(o passeio segue sem a seção do Swarm)"
			swarm_before=fora
			# as mesmas seções de antes, menos o Swarm (LEITURA_SECOES pode ter escolhido algumas)
			rest=$(cut -d' ' -f3- "$LEITURA_DIR/mapa.txt" | sed -n 's/^\(Desafio [1-5]\) .*/\1/p' | paste -sd, -)
			[ -n "$rest" ] || return 0
			LEITURA_SECOES=$rest "$LEITURA_VENV/bin/python" "$ROOT/tests/leitura/leitura.py" \
				"$ROOT/README.md" "$LEITURA_DIR/passeio.md" "$LEITURA_DIR/mapa.txt"
		fi
	fi
	tagged=$(leitura_official_tags)
	for sh in $shells; do
		leitura_walk "$sh"
		leitura_leftovers "$swarm_before"
	done
	leitura_untag "$tagged"
}

# O venv com o byexample (a versão de tests/leitura/requirements.txt).
leitura_venv() {
	if ! command -v python3 >/dev/null 2>&1; then
		echo "python3 não encontrado: o teste 'leitura' precisa dele para instalar o byexample"
		echo "(Debian/Ubuntu: apt-get install python3 python3-venv; macOS: xcode-select --install)"
		return 1
	fi
	local want have=''
	want=$(cat "$ROOT/tests/leitura/requirements.txt")
	[ ! -f "$LEITURA_VENV/requisitos" ] || have=$(cat "$LEITURA_VENV/requisitos")
	if [ -x "$LEITURA_VENV/bin/byexample" ] && [ "$have" = "$want" ]; then return 0; fi
	rm -rf "$LEITURA_VENV"
	mkdir -p "$ROOT/.saida"
	if ! python3 -m venv "$LEITURA_VENV"; then
		echo "python3 -m venv falhou: instale o módulo venv (Debian/Ubuntu: apt-get install python3-venv)"
		return 1
	fi
	"$LEITURA_VENV/bin/pip" install -q -r "$ROOT/tests/leitura/requirements.txt" || {
		echo "pip install byexample falhou (sem acesso ao PyPI?)"
		return 1
	}
	printf '%s\n' "$want" >"$LEITURA_VENV/requisitos"
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
leitura_untag() {
	local tag
	for tag in $1; do docker rmi "$tag" >/dev/null 2>&1 || true; done
}

# leitura_walk SHELL: o passeio inteiro num shell; uma verificação por seção.
leitura_walk() {
	local sh=$1 shebang=() out="$LEITURA_DIR/saida-$1.txt" status=0 t0 line first last title failed
	case $sh in
		zsh)
			if ! command -v zsh >/dev/null 2>&1; then
				record_failure "zsh não encontrado: o passeio no zsh precisa dele (Debian/Ubuntu: apt-get install zsh)"
				return 0
			fi
			shebang=(-x-shebang "shell:$LEITURA_ZSH") ;;
	esac
	info "(passeio no $sh: $(wc -l <"$LEITURA_DIR/mapa.txt" | tr -d ' ') seções; a saída do byexample mostra cada diferença)"
	t0=$SECONDS
	# o ambiente de um aluno: sem as variáveis de imagem e de porta do teste, sem proxy
	(cd "$ROOT" && env -u PYTHON_IMAGE -u CLIENT_IMAGE -u POSTGRES_IMAGE -u REDIS_IMAGE -u NGINX_IMAGE \
		-u WEB_PORT -u SERVICE_A_PORT -u SERVICE_B_PORT -u USERS_PORT -u ORDERS_PORT -u GATEWAY_PORT \
		-u SWARM_PORT -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
		LEITURA_RAIZ="$ROOT" "$LEITURA_VENV/bin/byexample" -l shell -m "$ROOT/tests/leitura" \
		--timeout 300 --no-progress-bar --pretty none ${shebang[@]+"${shebang[@]}"} "$LEITURA_DIR/passeio.md") \
		>"$out" 2>&1 || status=$?
	sed 's/^/    /' "$out"
	info "(passeio no $sh: $((SECONDS - t0)) s, código $status)"
	while read -r first last title; do
		failed=$(sed -n 's/^File ".*", line \([0-9][0-9]*\)$/\1/p' "$out" | while read -r line; do
			if [ "$line" -ge "$first" ] && [ "$line" -le "$last" ]; then echo "linha $line"; fi
		done)
		check "passeio no $sh: $title" leitura_section_ok "$status" "$failed" "$out"
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
	walked=$(cut -d' ' -f3- "$LEITURA_DIR/mapa.txt")
	(
		case $walked in *"Desafio 1 "*)
			remove_our_containers server client
			remove_if_exists network desafio1-net ;;
		esac
		case $walked in *"Desafio 2 "*)
			remove_our_containers d2-db
			remove_if_exists volume desafio2-volume ;;
		esac
		detect_compose
		for n in 3 4 5; do
			case $walked in *"Desafio $n "*)
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
