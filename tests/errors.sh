# shellcheck shell=bash
#
# tests/errors.sh — ./run.sh test errors: cada mensagem de erro antes de
# qualquer comando docker (uso, docker ausente, daemon parado, sem permissão,
# porta do host ocupada) diz o que houve e como resolver.

# Mensagens de erro antes de qualquer comando docker: cada uma com a solução.
test_errors() {
	section "Mensagens de erro (uso, docker ausente, daemon parado, sem permissão, porta ocupada)"
	local out status
	# docker ausente: um PATH só com as ferramentas que o run.sh usa antes do preflight
	local bin="$WORK/bin-sem-docker" tool
	mkdir -p "$bin"
	for tool in bash dirname mktemp rm cat grep sed head; do
		ln -sf "$(command -v "$tool")" "$bin/$tool"
	done
	status=0
	out=$(PATH="$bin" "$bin/bash" "$ROOT/run.sh" 1 2>&1) || status=$?
	check "docker ausente: 'Docker não encontrado' e como instalar" \
		failed_with "$status" "$out" 'Docker não encontrado no PATH. Instale o Docker Desktop'

	status=0
	out=$("$ROOT/run.sh" 9 2>&1 >/dev/null) || status=$?
	check "comando desconhecido: diz qual, aponta a ajuda (stderr) e sai com código 2" \
		usage_refused "$status" "$out" 'comando desconhecido: 9'
	status=0
	out=$("$ROOT/run.sh" 3 --foo 2>&1 >/dev/null) || status=$?
	check "opção desconhecida: diz qual, aponta a ajuda (stderr) e sai com código 2" \
		usage_refused "$status" "$out" 'opção desconhecida: --foo'

	status=0
	out=$(DOCKER_HOST="unix://$WORK/nao-existe/docker.sock" "$ROOT/run.sh" 1 2>&1) || status=$?
	check "daemon parado: 'não está rodando' e como iniciar" \
		failed_with "$status" "$out" 'O daemon do Docker não está rodando.*systemctl start docker'

	status=0
	out=$(no_socket_permission 1 2>&1) || status=$?
	check "sem permissão no docker.sock: o grupo docker como solução" \
		failed_with "$status" "$out" 'Permissão negada no socket do Docker.*usermod -aG docker'

	check "porta ocupada por outro desafio do curso: a mensagem diz qual e como derrubá-lo" \
		port_busy_names_holder
}

# Um contêiner com o rótulo do projeto compose desafio5 ocupa uma porta; o
# ./run.sh 3 nessa porta para antes de subir qualquer coisa, dizendo quem a ocupa.
port_busy_names_holder() {
	local port=5994 name=desafios-docker-porta-d5 out status=0
	docker run -d --rm --name "$name" --label com.docker.compose.project=desafio5 \
		-p "127.0.0.1:$port:8000" "$PYTHON_IMAGE" python -m http.server 8000 >/dev/null || return 1
	wait_until "a porta $port ficar ocupada" port_in_use "$port" || true
	out=$(WEB_PORT=$port "$ROOT/run.sh" 3 2>&1) || status=$?
	docker rm -f "$name" >/dev/null 2>&1 || true
	failed_with "$status" "$out" \
		"A porta $port do host já está em uso: é o desafio 5 deste curso, com compose \(cd desafio5 && docker compose down o derruba\)"
}

# ./run.sh ARGS sem permissão de acesso ao socket do Docker: como root, uma
# cópia do run.sh roda rebaixada para o usuário nobody (fora do grupo docker);
# senão, o socket fica dentro de um diretório sem permissão de acesso.
no_socket_permission() {
	local dir status=0
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
		dir=$(mktemp -d "${TMPDIR:-/tmp}/desafios-docker-nobody.XXXXXX")
		chmod 755 "$dir"
		copy_scripts "$dir"
		(cd "$dir" && setpriv --reuid=65534 --regid=65534 --clear-groups \
			env HOME="$dir" TMPDIR=/tmp DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}" \
			bash "$dir/run.sh" "$@") || status=$?
	else
		dir="$WORK/sem-permissao"
		mkdir -p "$dir"
		chmod 000 "$dir"
		DOCKER_HOST="unix://$dir/docker.sock" "$ROOT/run.sh" "$@" || status=$?
		chmod 700 "$dir"
	fi
	rm -rf "$dir"
	return "$status"
}

# usage_refused STATUS SAÍDA TEXTO: código 2, a primeira linha diz o que estava
# errado e a segunda aponta a ajuda.
usage_refused() {
	equals "$1" 2 || return 1
	contains "$(printf '%s\n' "$2" | head -n 1)" "^erro: $3" || return 1
	contains "$(printf '%s\n' "$2" | sed -n 2p)" '^veja \./run\.sh help$'
}

# copy_scripts PASTA: o run.sh e as partes que ele carrega (lib/, tests/ e bench/*.sh).
copy_scripts() {
	local f
	cp "$ROOT/run.sh" "$1/run.sh"
	for f in "$ROOT"/lib/*.sh "$ROOT"/tests/*.sh "$ROOT"/bench/*.sh; do
		f=${f#"$ROOT"/}
		mkdir -p "$1/$(dirname "$f")"
		cp "$ROOT/$f" "$1/$f"
	done
	chmod -R a+rX "$1"
}
