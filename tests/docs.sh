# shellcheck shell=bash
#
# tests/docs.sh — a guarda contra deriva (./run.sh test docs): o README de cada
# desafio (e os dos laboratórios) mostra exatamente os comandos que ./run.sh N
# executa, e Dockerfiles e compose files usam as mesmas imagens base padrão do run.sh.

# readme_of ARGS: o README que mostra os comandos de ./run.sh ARGS.
readme_of() {
	case $1 in
		swarm | cluster) echo "extras/$1/README.md" ;;
		*) echo "desafio${1%% *}/README.md" ;;
	esac
}

# Comandos dos blocos do README de ARGS marcados com <!-- run.sh ARGS --> (sem
# comentários; uma linha terminada em \ continua na seguinte).
readme_commands() {
	awk -v tag="<!-- run.sh $1 -->" '
		$0 == tag { armed = 1; next }
		armed && /^```/ { if (inblock) { inblock = 0; armed = 0 } else { inblock = 1 }; next }
		inblock && /\\$/ { sub(/[[:space:]]*\\$/, ""); sub(/^[[:space:]]+/, ""); cont = cont $0 " "; next }
		inblock { sub(/^[[:space:]]+/, ""); print cont $0; cont = "" }
	' "$ROOT/$(readme_of "$1")" | sed -e 's/[[:space:]][[:space:]]*#.*$//' -e 's/^\$ //' | grep -v '^[[:space:]]*$' | sort -u
}
# Comandos que ./run.sh ARGS executa, com as imagens padrão (como um usuário comum).
runsh_commands() {
	local args
	read -r -a args <<<"$1"
	PYTHON_IMAGE='' CLIENT_IMAGE='' POSTGRES_IMAGE='' REDIS_IMAGE='' NODE_IMAGE='' REGISTRY_IMAGE='' \
		NOS='' CLUSTER_PORT='' CLUSTER_REGISTRY_PORT='' "$ROOT/run.sh" "${args[@]}" --dry-run 2>/dev/null |
		sed -n 's/^\$ //p' | sed 's/^docker-compose /docker compose /' | sort -u
}
readme_matches() {
	local readme runsh only_readme only_runsh
	readme=$(readme_commands "$1")
	runsh=$(runsh_commands "$1")
	if [ -z "$readme" ]; then
		echo "nenhum bloco <!-- run.sh $1 --> em $(readme_of "$1")"
		return 1
	fi
	only_readme=$(printf '%s\n' "$readme" | grep -vxF -- "$runsh" || true)
	only_runsh=$(printf '%s\n' "$runsh" | grep -vxF -- "$readme" || true)
	if [ -z "$only_readme$only_runsh" ]; then return 0; fi
	[ -z "$only_readme" ] || printf 'só no README:\n%s\n' "$only_readme"
	[ -z "$only_runsh" ] || printf 'só no run.sh:\n%s\n' "$only_runsh"
	return 1
}

# Os padrões de imagem base dos Dockerfiles e compose files são os do run.sh.
image_defaults_agree() {
	local bad=0 var def_name def f found value
	for var in PYTHON_IMAGE CLIENT_IMAGE POSTGRES_IMAGE REDIS_IMAGE NGINX_IMAGE; do
		def_name=DEFAULT_$var
		def=${!def_name}
		for f in "$ROOT"/desafio*/Dockerfile* "$ROOT"/desafio*/*/Dockerfile "$ROOT"/desafio*/docker-compose*.yml \
			"$ROOT"/bench/Dockerfile "$ROOT"/bench/*/Dockerfile; do
			[ -f "$f" ] || continue
			found=$(grep -oE "(ARG $var=|\\\$\{$var:-)[^ }\"]+" "$f" | sed -E "s/^(ARG $var=|\\\$\{$var:-)//" | sort -u || true)
			for value in $found; do
				if [ "$value" != "$def" ]; then
					echo "${f#"$ROOT"/}: $var=$value, mas run.sh usa $def"
					bad=1
				fi
			done
		done
	done
	[ "$bad" = 0 ]
}

test_docs() {
	section "README e padrões"
	local n
	for n in 1 '1 --endurecido' 2 '2 --endurecido' 3 4 5 swarm cluster; do
		check "$(readme_of "$n") mostra exatamente os comandos que ./run.sh $n executa" readme_matches "$n"
	done
	check "Dockerfiles e compose files usam as mesmas imagens base padrão do run.sh" image_defaults_agree
}
