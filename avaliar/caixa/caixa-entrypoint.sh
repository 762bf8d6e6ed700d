#!/bin/sh
# Entrypoint da caixa: o dockerd de dentro põe os contêineres da entrega DENTRO do
# cgroup da caixa, para que os limites dela (--memory, --cpus, --pids-limit) valham
# também para eles. No cgroup v1 o caminho da caixa está em /proc/self/cgroup
# (ex.: /docker/<id>); no v2 com cgroupns próprio o padrão do dockerd já aninha, e
# AVALIAR_CGROUP_PAI (o ./run.sh avaliar passa quando sobe sem --privileged) é o pai.
# Depois, o entrypoint da imagem base (oficial ou substituta), com os mesmos argumentos.
set -e
if [ "$1" = dockerd ]; then
	pai=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup 2>/dev/null || true)
	case $pai in
		'' | /) pai=${AVALIAR_CGROUP_PAI:-} ;;
		*) pai="$pai/caixa" ;;
	esac
	if [ -n "$pai" ]; then
		shift
		set -- dockerd --cgroup-parent="$pai" "$@"
	fi
fi
exec dockerd-entrypoint.sh "$@"
