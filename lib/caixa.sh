# shellcheck shell=bash
#
# lib/caixa.sh — a caixa do ./run.sh avaliar: um Docker-in-Docker com limites, um por entrega,
# que sobe, responde ou é removido. O resto do avaliador está em lib/avaliar.sh.

# av_start_caixa CAIXA: o engine da caixa respondendo; uma segunda caixa, nova, se a primeira
# não subiu (o dockerd de dentro pode desistir do containerd numa máquina carregada: "timeout
# waiting for containerd to start", visto no CI).
av_start_caixa() {
	av_try_caixa "$1" || { warn "a caixa $1 não subiu: outra tentativa" && av_try_caixa "$1"; }
}

# av_try_caixa CAIXA: uma caixa, com limites, e o engine dela respondendo (até WAIT_SECS).
av_try_caixa() {
	local caps=(--privileged) extra=() mirror=() out
	if [ "$AV_PRIV" = 0 ]; then
		read -r -a caps <<<"$(printf '%s' "$CLUSTER_NODE_CAPS" | tr '\n' ' ')"
		extra=(-e "AVALIAR_CGROUP_PAI=/$1") # no cgroup v2 sem --privileged: os cgroups da caixa à parte
	fi
	if [ -n "$AVALIAR_ESPELHO" ]; then mirror=(--registry-mirror "$AVALIAR_ESPELHO"); fi
	if ! out=$(docker run -d --name "$1" --hostname caixa --label "$AV_LABEL" --label "avaliar.run=$AV_RUN" \
		"${caps[@]}" ${extra[@]+"${extra[@]}"} --memory "$AVALIAR_MEMORIA" --memory-swap "$AVALIAR_MEMORIA" \
		--cpus "$AVALIAR_CPUS" --pids-limit "$AVALIAR_PIDS" \
		--mount "type=volume,dst=/var/lib/docker,volume-label=$AV_LABEL" \
		"$AV_IMAGE" dockerd ${mirror[@]+"${mirror[@]}"} 2>&1); then
		warn "a caixa $1 não subiu: $out"
		docker rm -f -v "$1" >/dev/null 2>&1 || true
		return 1
	fi
	if [ ! -d "$WORK" ]; then docker rm -f -v "$1" >/dev/null 2>&1; return 1; fi
	wait_until "o engine da caixa $1 responder (ou a caixa parar)" av_caixa_pronta "$1" || true
	if ! docker exec "$1" docker info >/dev/null 2>&1; then
		docker logs --tail 20 "$1" 2>&1 | sed 's/^/  /'
		docker rm -f -v "$1" >/dev/null 2>&1 || true
		return 1
	fi
}

# av_caixa_pronta CAIXA: o engine dela responde, ou ela parou (e não vai responder)
av_caixa_pronta() {
	docker exec "$1" docker info >/dev/null 2>&1 && return 0
	[ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" != true ]
}
