# shellcheck shell=bash
#
# lib/desafio2.sh — ./run.sh 2: SQLite no volume nomeado desafio2-volume.
# Carregado pelo run.sh: cmd_2, as verificações d2_* e clean_2; os exercícios
# do ./run.sh test 2 estão em tests/desafio2.sh.

# ./run.sh 2 --endurecido: os mesmos docker run com as travas de produção (sem
# restart: o contêiner roda uma vez e sai). Sem o volume, /data vira um tmpfs
# do usuário da imagem (uid 10001; a raiz é só leitura), vazio a cada execução.
D2_HARDENING=(--read-only --cap-drop ALL --security-opt no-new-privileges:true
	--memory 64m --cpus 0.5 --cpu-shares 512 --pids-limit 16)

# total_of SAÍDA: o N de "Total: N aluno(s)".
total_of() { printf '%s\n' "$1" | sed -n 's/^Total: \([0-9][0-9]*\) aluno.*/\1/p'; }
rows_of() { printf '%s\n' "$1" | grep '^  #' || true; }

cmd_2() {
	section "Desafio 2 — volumes e persistência"
	preflight
	ensure_not_foreign d2-db
	cd_run desafio2
	remove_our_containers d2-db
	if [ "$DRY_RUN" = 0 ] && docker volume inspect desafio2-volume >/dev/null 2>&1; then
		info "(o volume desafio2-volume já existe: os dados de execuções anteriores continuam lá)"
	else
		run docker volume create desafio2-volume
	fi
	local first second without
	docker_build PYTHON_IMAGE -t d2-image .
	local flags=() scratch=()
	if has_arg --endurecido "$@"; then flags=("${D2_HARDENING[@]}") && scratch=(--tmpfs /data:uid=10001); fi
	run docker run --name d2-db -v desafio2-volume:/data ${flags[@]+"${flags[@]}"} d2-image
	first=$(cat "$LAST_OUT")
	run docker rm d2-db
	run docker run --name d2-db -v desafio2-volume:/data ${flags[@]+"${flags[@]}"} d2-image
	second=$(cat "$LAST_OUT")
	echo "Contraprova: o mesmo contêiner sem o volume começa sempre do zero:"
	run docker run --rm ${flags[@]+"${flags[@]}"} ${scratch[@]+"${scratch[@]}"} d2-image
	without=$(cat "$LAST_OUT")

	checks_header
	check "a segunda execução mostra exatamente uma linha a mais que a primeira" \
		d2_one_more "$first" "$second"
	check "as linhas da primeira execução continuam iguais na segunda" \
		d2_rows_kept "$first" "$second"
	check "sem o volume, a tabela começa vazia (o aluno inserido é o único)" \
		equals "$(total_of "$without")" 1
	check "o banco está no volume: /data/data.db existe em desafio2-volume" d2_db_on_volume
	if [ "${#flags[@]}" -gt 0 ]; then
		check "d2-db rodou endurecido (raiz só leitura, sem capabilities, no-new-privileges, limites)" \
			d2_hardened
	fi
	if [ "$DRY_RUN" = 0 ]; then hints_2; fi
}

# hints_2: o que explorar depois do ./run.sh 2 (comandos como em hints_1).
hints_2() {
	cat <<-EOF

	Desafio 2 pronto. Para explorar (cada execução acrescenta uma linha à tabela):
	  docker rm d2-db
	  docker run --name d2-db -v desafio2-volume:/data d2-image
	  docker volume inspect desafio2-volume
	Para terminar (remover o volume apaga os dados):
	  docker rm -f d2-db
	  docker volume rm desafio2-volume
	EOF
}

d2_hardened() {
	equals "$(docker container inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' d2-db)" \
		"true [ALL] [no-new-privileges:true] 67108864 16"
}
d2_one_more() {
	local a b
	a=$(total_of "$1")
	b=$(total_of "$2")
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "não achei 'Total: N aluno(s)' nas saídas (primeira: '$a', segunda: '$b')"
		return 1
	fi
	equals "$b" $((a + 1))
}
d2_rows_kept() {
	local a n
	a=$(rows_of "$1")
	n=$(printf '%s\n' "$a" | grep -c . || true)
	if [ "$n" = 0 ]; then
		echo "a primeira execução não listou linhas"
		return 1
	fi
	equals "$(rows_of "$2" | head -n "$n")" "$a"
}
d2_db_on_volume() {
	contains "$(docker run --rm -v desafio2-volume:/data --entrypoint ls d2-image -l /data)" 'data\.db'
}

clean_2() {
	section "Limpeza — desafio 2"
	remove_our_containers d2-db
	remove_if_exists volume desafio2-volume
	remove_our_images d2-image
}
