#!/usr/bin/env bash
# Constrói as imagens substitutas das imagens oficiais (python, curl, postgres,
# redis, nginx, docker dind com compose e buildx, registry e haproxy) a partir do Debian trixie, para máquinas
# sem acesso a um registry.
# Uso: bash .ci/standins/build.sh   (imprime as variáveis *_IMAGE para exportar)
#      bash .ci/standins/build.sh alpine node20   (só estas, para o ./run.sh avaliar: as
#      entregas de alunos que pedem alpine:* ou node:*; imprime AVALIAR_SUBSTITUTAS)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# pacotes e gancho (comando que ajusta a raiz antes de empacotar) de cada substituta
recipe() {
	HOOK=''
	case $1 in
		python)
			PKGS=python3,python3-pip,ca-certificates,passwd
			# shellcheck disable=SC2016 # $1 é expandido pelo mmdebstrap, não aqui
			HOOK='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED
ln -sf /usr/bin/python3 "$1"/usr/local/bin/python
ln -sf /usr/bin/pip3 "$1"/usr/local/bin/pip
cp '"$CA_BUNDLE"' "$1"/usr/local/share/ci-ca-bundle.crt
printf "[global]\ncert = /usr/local/share/ci-ca-bundle.crt\nroot-user-action = ignore\n" > "$1"/etc/pip.conf' ;;
		client) PKGS=curl,ca-certificates ;;
		postgres)
			PKGS=postgresql,postgresql-client,passwd
			# shellcheck disable=SC2016 # $1 é expandido pelo mmdebstrap, não aqui
			HOOK='rm -rf "$1"/var/lib/postgresql/17 "$1"/etc/postgresql/17' ;;
		redis) PKGS=redis-server,redis-tools,passwd ;;
		nginx) PKGS=nginx ;;
		# os nós do ./run.sh cluster e as caixas do ./run.sh avaliar: um Docker engine inteiro
		# (dockerd, containerd, runc) com os plugins compose e buildx, como a docker:dind oficial
		node) PKGS=docker.io,docker-cli,docker-compose,docker-buildx,iptables,ca-certificates ;;
		registry) PKGS=docker-registry ;;
		# a borda do ./run.sh cluster (passwd: usermod e groupmod, o uid 99 da oficial)
		haproxy) PKGS=haproxy,passwd ;;
		# parecida com alpine:* (sob pedido): um apk que não faz nada (o curl já está) e o wget
		# do busybox (os healthchecks do Alpine usam); o sh do Debian é parecido com o ash
		alpine)
			PKGS=busybox,curl,ca-certificates
			# shellcheck disable=SC2016 # $1 é expandido pelo mmdebstrap, não aqui
			HOOK='ln -s /bin/busybox "$1"/usr/local/bin/wget
printf "#!/bin/sh\necho \"apk (substituta): ignorado: \$*\" >&2\n" > "$1"/usr/local/bin/apk
chmod 755 "$1"/usr/local/bin/apk' ;;
		# node:20 (sob pedido): nodejs e npm do trixie, confiando no CA da máquina; g++, make,
		# setuptools e os headers do node para compilar módulos nativos (sqlite3) sem baixar nada
		node20)
			PKGS=nodejs,npm,ca-certificates,g++,make,python3-setuptools,libnode-dev
			# shellcheck disable=SC2016 # $1 é expandido pelo mmdebstrap, não aqui
			HOOK='cp '"$CA_BUNDLE"' "$1"/usr/local/share/ci-ca-bundle.crt
printf "cafile=/usr/local/share/ci-ca-bundle.crt\n" > "$1"/etc/npmrc' ;;
		*) echo "standin desconhecida: $1" >&2; return 1 ;;
	esac
}

recipe_hash() { # tudo que define a imagem: pacotes, gancho, Dockerfile, arquivos copiados
	recipe "$1"
	{
		printf '%s\n%s\n%s\n' "$SUITE" "$PKGS" "$HOOK"
		cat "$HERE/$1.Dockerfile"
		if [ -f "$HERE/$1-entrypoint.sh" ]; then cat "$HERE/$1-entrypoint.sh"; fi
		if [ -f "$HERE/$1-config.yml" ]; then cat "$HERE/$1-config.yml"; fi
		case $1 in python | node20) cat "$CA_BUNDLE" ;; esac
	} | sha256sum | cut -c1-16
}

build() {
	local name=$1 tag=$2 want have start
	local -a hook_arg=()
	want=$(recipe_hash "$name")
	have=$(docker image inspect -f '{{index .Config.Labels "standin.recipe"}}' "$tag" 2>/dev/null || true)
	if [ "$have" = "$want" ]; then
		echo "standin $tag: já existe (receita $want)" >&2
		return 0
	fi
	recipe "$name"
	if [ -n "$HOOK" ]; then hook_arg=(--customize-hook="$HOOK"); fi
	start=$(date +%s)
	echo "standin $tag: construindo a partir de Debian $SUITE..." >&2
	mmdebstrap --quiet --variant=minbase --include="$PKGS" ${hook_arg[@]+"${hook_arg[@]}"} \
		"$SUITE" - "$MIRROR" | docker import - "standin-rootfs/$name" >/dev/null
	docker build --quiet --label "standin.recipe=$want" -t "$tag" \
		-f "$HERE/$name.Dockerfile" "$HERE" >/dev/null
	echo "standin $tag: pronta em $(( $(date +%s) - start ))s" >&2
}

if [ "$#" -gt 0 ]; then # só as pedidas (as de sob pedido)
	subs=''
	for name in "$@"; do
		case $name in
			alpine) build alpine standin/alpine:3 && subs="$subs alpine:*=standin/alpine:3" ;;
			node20) build node20 standin/node:20 && subs="$subs node:*=standin/node:20" ;;
			*) echo "standin sob pedido desconhecida: $name (há: alpine node20)" >&2; exit 2 ;;
		esac
	done
	echo "AVALIAR_SUBSTITUTAS='${subs# }'"
	exit 0
fi

build python standin/python:3.13
build client standin/curl:latest
build postgres standin/postgres:17
build redis standin/redis:8
build nginx standin/nginx:1
build node standin/docker:dind
build registry standin/registry:3
build haproxy standin/haproxy:3

cat <<OUT
PYTHON_IMAGE=standin/python:3.13
CLIENT_IMAGE=standin/curl:latest
POSTGRES_IMAGE=standin/postgres:17
REDIS_IMAGE=standin/redis:8
NGINX_IMAGE=standin/nginx:1
NODE_IMAGE=standin/docker:dind
REGISTRY_IMAGE=standin/registry:3
HAPROXY_IMAGE=standin/haproxy:3
OUT
