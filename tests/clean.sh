# shellcheck shell=bash
#
# tests/clean.sh — ./run.sh test clean: ./run.sh clean duas vezes não deixa nada
# nosso para trás e não toca no que é do usuário.

# Limpeza geral: nada nosso sobra, e o que é do usuário (sentinelas criadas
# antes, com nomes que não são nossos) continua lá.
test_clean() {
	section "Limpeza geral (./run.sh clean duas vezes)"
	local tag="sentinela-do-usuario-$$"
	docker volume create "$tag" >/dev/null
	docker network create "$tag" >/dev/null
	docker create --name "$tag" --network "$tag" -v "$tag:/x" "$PYTHON_IMAGE" true >/dev/null
	# um contêiner avulso de uma imagem nossa (herda o rótulo dela), sem nome nosso
	docker create --label "$LABEL_KEY=1" "$PYTHON_IMAGE" true >/dev/null
	check "./run.sh clean termina sem erro" "$ROOT/run.sh" clean
	check "./run.sh clean de novo (nada a remover) também" "$ROOT/run.sh" clean
	check "não sobra contêiner, volume, rede nem imagem deste projeto" no_leftovers
	check "o contêiner, o volume e a rede do usuário continuam lá" sentinels_intact "$tag"
	docker rm -f "$tag" >/dev/null 2>&1 || true
	docker network rm "$tag" >/dev/null 2>&1 || true
	docker volume rm "$tag" >/dev/null 2>&1 || true
}

no_leftovers() {
	local left
	left=$(
		docker ps -a --filter "label=$LABEL_KEY" --format 'contêiner {{.Names}}'
		docker volume ls --filter "label=$LABEL_KEY" --format 'volume {{.Name}}'
		docker volume ls --format 'volume {{.Name}}' | grep -E '^volume desafio2-volume$' || true
		docker network ls --format 'rede {{.Name}}' | grep -E '^rede (desafio[0-9]|d5-swarm|d5-cluster)' || true
		docker service ls --format 'serviço {{.Name}}' 2>/dev/null | grep -E '^serviço d5-swarm_' || true
		docker images --filter "label=$LABEL_KEY" --format 'imagem {{.Repository}}:{{.Tag}}'
	)
	if [ -z "$left" ]; then return 0; fi
	printf 'sobrou:\n%s\n' "$left"
	return 1
}
sentinels_intact() {
	docker container inspect "$1" >/dev/null &&
		docker volume inspect "$1" >/dev/null &&
		docker network inspect "$1" >/dev/null
}
