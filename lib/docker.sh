# shellcheck shell=bash
#
# lib/docker.sh — os recursos Docker deste projeto (rótulos, remoção só do que é nosso, build com a imagem base em uso).
# Carregado pelo run.sh (com `.`), antes das outras partes.

# --------------------------------------------------------- docker: recursos

preflight() {
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	if ! command -v docker >/dev/null 2>&1; then
		die "Docker não encontrado no PATH. Instale o Docker Desktop (macOS/Windows com WSL2)" \
			"ou o Docker Engine (Linux: https://docs.docker.com/engine/install/) e rode de novo."
	fi
	local err
	if ! err=$(docker version --format '{{.Server.Version}}' 2>&1 >/dev/null); then
		case $err in
			*[Pp]ermission\ denied*)
				die "Permissão negada no socket do Docker (docker.sock). No Linux: sudo usermod -aG docker \$USER," \
					"depois saia e entre de novo na sessão (ou rode com sudo)." ;;
			*)
				die "O daemon do Docker não está rodando (ou não responde). Abra o Docker Desktop," \
					"ou no Linux: sudo systemctl start docker. Detalhe: $(printf '%s' "$err" | head -n 1)" ;;
		esac
	fi
}

# Rótulo LABEL_KEY de um contêiner ou imagem; falha se o objeto não existe.
container_label() {
	docker container inspect -f "{{index .Config.Labels \"$LABEL_KEY\"}}" "$1" 2>/dev/null
}
image_label() {
	docker image inspect -f "{{index .Config.Labels \"$LABEL_KEY\"}}" "$1" 2>/dev/null
}
# foreign_label RÓTULO: o objeto existe mas não leva o nosso rótulo (não é nosso).
foreign_label() {
	case $1 in '' | '<no value>') return 0 ;; *) return 1 ;; esac
}

# Um contêiner com um dos nossos nomes que não é deste projeto nunca é removido.
ensure_not_foreign() {
	local name label
	if [ "$DRY_RUN" = 1 ]; then return 0; fi
	for name in "$@"; do
		label=$(container_label "$name") || continue
		if foreign_label "$label"; then
			die "Já existe um contêiner chamado '$name' que não foi criado por este projeto;" \
				"não vou removê-lo. Renomeie-o (docker rename $name $name-antigo) ou remova-o" \
				"você mesmo (docker rm -f $name) e rode de novo."
		fi
	done
}

# remove_ours container|image NOME...: remove (rm -f / rmi) os nossos que
# existirem; um alheio com o mesmo nome fica onde está, com um aviso.
remove_ours() {
	local kind=$1 name label found=()
	shift
	for name in "$@"; do
		if [ "$DRY_RUN" = 0 ]; then
			label=$("${kind}_label" "$name") || continue
			if foreign_label "$label"; then
				case $kind in
					container) warn "o contêiner '$name' não é deste projeto: mantido" ;;
					image) warn "a imagem $name não é deste projeto: mantida" ;;
				esac
				continue
			fi
		fi
		found+=("$name")
	done
	if [ "${#found[@]}" = 0 ]; then return 0; fi
	case $kind in
		container) run_quiet docker rm -f "${found[@]}" ;;
		image) run_quiet docker rmi "${found[@]}" ;;
	esac
}
remove_our_containers() { remove_ours container "$@"; }
remove_our_images() { remove_ours image "$@"; }

# remove_if_exists network|volume NOME: remove se existir (em uso por outro: fica, com aviso).
remove_if_exists() {
	if [ "$DRY_RUN" = 0 ] && ! docker "$1" inspect "$2" >/dev/null 2>&1; then return 0; fi
	run_quiet docker "$1" rm "$2" || warn "$1 $2 mantido (algum contêiner de fora ainda o usa?)"
}

# docker_build VARIÁVEL ARGS...: docker build ARGS, narrado, com --build-arg VARIÁVEL=valor
# só quando a imagem base difere do padrão (no caso comum, o comando é o do README).
docker_build() {
	local default_name=DEFAULT_$1 base=()
	if [ "${!1}" != "${!default_name}" ]; then base=(--build-arg "$1=${!1}"); fi
	shift
	# ${a[@]+...}: o bash 3.2 com set -u recusa um array vazio
	run docker build ${base[@]+"${base[@]}"} "$@"
}
