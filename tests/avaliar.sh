# shellcheck shell=bash
#
# tests/avaliar.sh — ./run.sh test avaliar: o modo professor avalia as entregas de
# tests/avaliar/entregas/ (cada uma com o veredito esperado em tests/avaliar/esperado.txt) e o
# próprio projeto (os cinco desafios: passou em todos), numa só turma; confere os relatórios, a
# turma.csv/md/html (com uma foto do Chromium sem interface), o results.json no formato do
# Gradescope, o código de saída, que o contêiner "server" do professor sobrevive e que nada
# do avaliador fica para trás. Carregado pelo run.sh; o que ./run.sh avaliar faz está em lib/avaliar.sh.

readonly TAV_LABEL=desafios-docker.desafio=avaliar

test_avaliar() {
	local entregas="$ROOT/tests/avaliar/entregas" esperado="$ROOT/tests/avaliar/esperado.txt"
	local saida=${AVALIAR_TESTE_SAIDA:-$ROOT/.saida/avaliar-teste}
	local log="$WORK/avaliar-turma.log" status=0 server_id server_state
	section "Modo professor: ./run.sh avaliar com as entregas de tests/avaliar e o próprio projeto"
	# O "server" do professor: um contêiner sem o nosso rótulo, que o avaliador não pode tocar.
	# Se já existe um, o teste não roda (não é nosso para remover).
	if docker container inspect server >/dev/null 2>&1; then
		die "já existe um contêiner chamado 'server' neste engine; o teste avaliar cria o seu próprio" \
			"'server' (o do professor) e não remove o seu. Renomeie-o (docker rename server server-antigo)" \
			"e rode de novo."
	fi
	docker run -d --name server "$PYTHON_IMAGE" python3 -m http.server 8080 >/dev/null
	server_id=$(docker container inspect -f '{{.Id}}' server)
	server_state=$(tav_server_state)
	# (o teste roda num subshell: este trap só remove o "server" dele, mesmo se abortar)
	# shellcheck disable=SC2064 # o ID entra agora: na saída do subshell a variável local já não existe
	trap "tav_remove_server $server_id" EXIT
	tav_snapshot >"$WORK/avaliar-antes"
	rm -rf "$saida"

	# As imagens base que as entregas pedem (python:3.11-slim, alpine:3.20, nginx:1.27-alpine...)
	# vêm das que este engine tem (as oficiais ou as substitutas do CI). (:- e não -: o
	# lib/avaliar.sh já deu à variável o valor vazio)
	AVALIAR_SUBSTITUTAS=${AVALIAR_SUBSTITUTAS:-"python:*=$PYTHON_IMAGE alpine:*=$CLIENT_IMAGE \
curlimages/curl:*=$CLIENT_IMAGE nginx:*=$NGINX_IMAGE postgres:*=$POSTGRES_IMAGE redis:*=$REDIS_IMAGE"}
	export AVALIAR_SUBSTITUTAS
	printf '$ ./run.sh avaliar tests/avaliar/entregas/* . --saida %s\n' "$saida"
	"$ROOT/run.sh" avaliar "$entregas"/* "$ROOT" --saida "$saida" </dev/null 2>&1 | tee "$log" || status=$?

	tav_check_class "$saida" "$esperado" "$status" "$log"
	check "o contêiner 'server' do professor sobreviveu (o mesmo, rodando)" \
		tav_server_survived "$server_state"
	check "nada do avaliador ficou para trás (contêineres, volumes, redes)" \
		tav_nothing_left "$WORK/avaliar-antes"
	tav_remove_server "$server_id"

	tav_limits_and_usage
	tav_avaliador # (em tests/avaliador.sh)
	tav_image_checks
	echo "Os relatórios ficam em ${saida#"$ROOT"/} (turma.html, turma.png, <entrega>/RELATORIO.md)."
}

# tav_check_class SAÍDA ESPERADO STATUS LOG: os vereditos de cada entrega e os arquivos da turma.
tav_check_class() {
	local saida=$1 esperado=$2 status=$3 log=$4 nome v1 v2 v3 v4 v5 projeto
	echo "Verificações (a turma):"
	check "./run.sh avaliar termina com código 0 (avaliou tudo, quaisquer que sejam as notas)" \
		tav_exit_zero "$status" "$log"
	while IFS=$'\t' read -r nome v1 v2 v3 v4 v5; do
		case $nome in '' | '#'*) continue ;; esac
		check "$nome: $v1 · $v2 · $v3 · $v4 · $v5" \
			tav_verdicts "$saida/$nome" "$v1" "$v2" "$v3" "$v4" "$v5"
	done <"$esperado"
	projeto=$(tav_project_dir "$saida" "$esperado") || projeto=''
	check "o próprio projeto (a raiz do repositório, '${projeto:-?}'): passou nos cinco desafios" \
		tav_verdicts "$saida/${projeto:-sem-pasta-do-projeto}" passou passou passou passou passou
	check "recusado: o motivo aponta o arquivo e a linha (docker-compose.yml:N, README.md:N)" \
		tav_refused_with_line "$saida/recusado"
	check "recusado: nada dele rodou (nenhum arquivo MARCA-* na saída, nenhum contêiner avaliar-marca-recusado)" \
		tav_nothing_ran "$saida"
	check "cada entrega tem RELATORIO.md, results.json e veredictos.txt (cinco linhas)" \
		tav_reports "$saida" "$esperado" "$projeto"
	check "results.json no formato do Gradescope (score, tests: name, score, max_score, status, output)" \
		tav_results_json "$saida"
	check "turma.csv: o cabeçalho e uma linha por entrega com o veredito de cada desafio" \
		tav_turma_csv "$saida" "$esperado" "$projeto"
	check "turma.md: uma linha por entrega, com o link para o relatório" \
		tav_turma_md "$saida" "$esperado" "$projeto"
	check "turma.html: uma linha por entrega, com a cor do veredito e o link para o relatório" \
		tav_turma_html "$saida" "$esperado" "$projeto"
	check "turma.html no Chromium sem interface: a foto (turma.png) existe e não está em branco" \
		tav_screenshot "$saida"
}

# Os testes de unidade do juiz (o estágio test da caixa) e a imagem de produção sem eles.
tav_image_checks() {
	echo "A imagem da caixa:"
	check "testes de unidade do juiz (o estágio test de avaliar/caixa/Dockerfile)" tav_unit_tests
	check "a imagem avaliar-caixa não leva nenhum arquivo de teste" tav_no_test_files
}
tav_unit_tests() {
	unit_tests "$ROOT/avaliar" avaliar-caixa:test NODE_IMAGE -f "$ROOT/avaliar/caixa/Dockerfile"
}
tav_no_test_files() {
	local files
	files=$(docker run --rm --entrypoint ls avaliar-caixa /opt/avaliar/juiz) || return 1
	not_contains "$files" '(^|[[:space:]])test_'
}

# Uma entrega que enche o disco (aqui, AVALIAR_DISCO=100 MiB: a imagem base já passa disso) e
# um caminho que não existe.
tav_limits_and_usage() {
	local out rc=0 disco=$WORK/avaliacao-disco
	echo "Limites e erros de uso:"
	printf '$ AVALIAR_DISCO=100 ./run.sh avaliar tests/avaliar/entregas/readme-docker-run\n'
	AVALIAR_DISCO=100 "$ROOT/run.sh" avaliar "$ROOT/tests/avaliar/entregas/readme-docker-run" --saida "$disco" \
		</dev/null >"$WORK/avaliar-disco.log" 2>&1 || rc=$?
	check "passou de AVALIAR_DISCO: a caixa sai; falhou \"disco cheio\" nos desafios dela, ausente nos outros; código 0" \
		tav_disk_full "$rc" "$disco/readme-docker-run"
	rc=0
	out=$("$ROOT/run.sh" avaliar "$WORK/nao-existe" --saida "$WORK/avaliacao-vazia" 2>&1) || rc=$?
	check "./run.sh avaliar com um caminho que não existe termina com erro e diz qual" \
		failed_with "$rc" "$out" 'nao-existe'
}
tav_disk_full() { # STATUS PASTA
	local v=$2/veredictos.txt
	if [ "$1" != 0 ]; then echo "código $1 (esperado 0)"; return 1; fi
	if ! grep -q "^desafio1	falhou	disco cheio" "$v" || ! grep -q "^desafio2	falhou	disco cheio" "$v" ||
		! grep -q "^desafio3	ausente" "$v"; then
		cat "$v" 2>/dev/null || echo "sem $v"
		return 1
	fi
	if docker ps -aq --filter "label=$TAV_LABEL" | grep -q .; then
		echo "uma caixa ficou: $(docker ps -a --filter "label=$TAV_LABEL" --format '{{.Names}}')"
		return 1
	fi
}

# tav_snapshot: os contêineres e volumes com o rótulo do avaliador (as caixas e os volumes
# delas), os contêineres avaliar-* e as redes deste engine.
tav_snapshot() {
	{
		docker ps -a --filter "label=$TAV_LABEL" --format 'contêiner {{.Names}}'
		docker ps -a --filter 'label=avaliar.run' --format 'contêiner {{.Names}}'
		docker ps -a --filter 'name=^avaliar-' --format 'contêiner {{.Names}}'
		docker volume ls -q --filter "label=$TAV_LABEL" | sed 's/^/volume /'
		docker network ls --format 'rede {{.Name}}'
	} | sort -u
}

tav_exit_zero() { # STATUS LOG
	if [ "$1" = 0 ]; then return 0; fi
	echo "código $1; o fim da saída:"
	tail -n 20 "$2"
	return 1
}

# tav_verdicts PASTA V1..V5: veredictos.txt da entrega tem, em ordem, os cinco vereditos
# (cada um pode ser "falhou|parcial": qualquer dos dois).
tav_verdicts() {
	local dir=$1 n=1 want line got fails=''
	shift
	if [ ! -f "$dir/veredictos.txt" ]; then
		echo "sem $dir/veredictos.txt"
		return 1
	fi
	for want in "$@"; do
		line=$(grep "^desafio$n	" "$dir/veredictos.txt" | head -n 1) || line=''
		got=$(printf '%s\n' "$line" | cut -f2)
		case "|$want|" in
			*"|$got|"*) ;;
			*) fails="$fails desafio$n: esperado $want, obtido ${got:-nada}\n" ;;
		esac
		n=$((n + 1))
	done
	if [ -z "$fails" ]; then return 0; fi
	printf "%b" "$fails"
	echo "veredictos.txt:"
	cat "$dir/veredictos.txt"
	return 1
}

# tav_names ESPERADO: os nomes das entregas de esperado.txt.
tav_names() { grep -v '^#' "$1" | cut -f1 | grep -v '^$'; }

# tav_project_dir SAÍDA ESPERADO: a pasta da saída que não é de nenhuma entrega de tests/ (o
# nome que o avaliador deu à raiz do repositório); exatamente uma.
tav_project_dir() {
	local dir extra='' count=0
	for dir in "$1"/*/; do
		[ -d "$dir" ] || continue
		dir=$(basename "$dir")
		if ! tav_names "$2" | grep -qxF "$dir"; then
			extra=$dir
			count=$((count + 1))
		fi
	done
	if [ "$count" = 1 ]; then
		echo "$extra"
		return 0
	fi
	echo "esperava uma pasta a mais (a do projeto) em $1, achei $count" >&2
	return 1
}

tav_refused_with_line() { # PASTA
	local v=$1/veredictos.txt
	grep "^desafio1	recusado	" "$v" | grep -E 'docker-compose\.yml:[0-9]+' >/dev/null &&
		grep "^desafio2	recusado	" "$v" | grep -E 'README\.md:[0-9]+' >/dev/null && return 0
	echo "esperava recusado com arquivo:linha nos desafios 1 e 2; veredictos.txt:"
	cat "$v" 2>/dev/null || echo "(sem $v)"
	return 1
}

tav_nothing_ran() { # SAÍDA
	local found
	found=$(find "$1" -name 'MARCA-*' 2>/dev/null)
	if [ -n "$found" ]; then
		echo "a entrega recusada rodou (deixou $found)"
		return 1
	fi
	if docker container inspect avaliar-marca-recusado >/dev/null 2>&1; then
		echo "existe um contêiner avaliar-marca-recusado neste engine"
		return 1
	fi
}

tav_reports() { # SAÍDA ESPERADO PROJETO
	local nome missing=''
	for nome in $(tav_names "$2") ${3:+"$3"}; do
		[ -s "$1/$nome/RELATORIO.md" ] || missing="$missing $nome/RELATORIO.md"
		[ -s "$1/$nome/results.json" ] || missing="$missing $nome/results.json"
		if [ "$(grep -cE '^desafio[1-5]	(passou|parcial|falhou|ausente|recusado)	' \
			"$1/$nome/veredictos.txt" 2>/dev/null)" != 5 ]; then
			missing="$missing $nome/veredictos.txt(5 linhas)"
		fi
	done
	if [ -z "$missing" ]; then return 0; fi
	echo "faltam:$missing"
	return 1
}

# tav_in_python SAÍDA CÓDIGO: roda o CÓDIGO Python num contêiner com a pasta SAÍDA em /saida
# (por docker cp: funciona também com um engine remoto). O host não precisa de Python.
tav_in_python() {
	local name="avaliar-teste-py-$$" status=0
	docker create --name "$name" --label "$TAV_LABEL" "$PYTHON_IMAGE" python3 -c "$2" >/dev/null || return 1
	docker cp "$1/." "$name:/saida" >/dev/null || status=$?
	if [ "$status" = 0 ]; then docker start -a "$name" || status=$?; fi
	docker rm -f "$name" >/dev/null 2>&1 || true
	return "$status"
}

tav_results_json() { # SAÍDA
	tav_in_python "$1" '
import glob, json, sys
erros = []
arquivos = sorted(glob.glob("/saida/*/results.json"))
if not arquivos:
    erros.append("nenhum results.json")
for arq in arquivos:
    try:
        d = json.load(open(arq, encoding="utf-8"))
    except ValueError as e:
        erros.append("%s: JSON inválido (%s)" % (arq, e))
        continue
    num = (int, float)
    if not isinstance(d.get("score"), num) or isinstance(d.get("score"), bool):
        erros.append("%s: score não é número" % arq)
    testes = d.get("tests")
    if not isinstance(testes, list) or not testes:
        erros.append("%s: tests não é uma lista com itens" % arq)
        continue
    for t in testes:
        if not (isinstance(t.get("name"), str) and isinstance(t.get("score"), num)
                and isinstance(t.get("max_score"), num) and t.get("status") in ("passed", "failed")
                and isinstance(t.get("output"), str)):
            erros.append("%s: teste fora do formato: %s" % (arq, json.dumps(t)[:200]))
    if isinstance(d.get("score"), num) and abs(sum(t.get("score", 0) for t in testes) - d["score"]) > 1e-6:
        erros.append("%s: score %s não é a soma dos tests" % (arq, d["score"]))
print("\n".join(erros))
sys.exit(1 if erros else 0)
'
}

# tav_expected_row NOME V1..V5: a linha da turma.csv como expressão regular (alternativas entre parênteses).
tav_expected_row() {
	local row=$1 v
	shift
	for v in "$@"; do
		case $v in *'|'*) v="($v)" ;; esac
		row="$row,$v"
	done
	printf '^%s$' "$row"
}

tav_turma_csv() { # SAÍDA ESPERADO PROJETO
	local csv=$1/turma.csv nome v1 v2 v3 v4 v5 bad='' rows want
	[ -f "$csv" ] || { echo "sem $csv"; return 1; }
	[ "$(head -n 1 "$csv")" = 'entrega,desafio1,desafio2,desafio3,desafio4,desafio5' ] ||
		bad="$bad\ncabeçalho: $(head -n 1 "$csv")"
	while IFS=$'\t' read -r nome v1 v2 v3 v4 v5; do
		case $nome in '' | '#'*) continue ;; esac
		grep -qE "$(tav_expected_row "$nome" "$v1" "$v2" "$v3" "$v4" "$v5")" "$csv" || bad="$bad\nsem a linha de $nome ($v1 $v2 $v3 $v4 $v5)"
	done <"$2"
	[ -z "$3" ] || grep -qxF "$3,passou,passou,passou,passou,passou" "$csv" || bad="$bad\nsem a linha do projeto ($3, passou ×5)"
	rows=$(($(wc -l <"$csv") - 1))
	want=$(($(tav_names "$2" | wc -l) + 1))
	[ "$rows" = "$want" ] || bad="$bad\n$rows linhas de entregas; esperava $want"
	if [ -z "$bad" ]; then return 0; fi
	printf '%b\n' "${bad#\\n}"
	cat "$csv"
	return 1
}

tav_turma_md() { # SAÍDA ESPERADO PROJETO
	local md=$1/turma.md nome bad=''
	[ -f "$md" ] || { echo "sem $md"; return 1; }
	for nome in $(tav_names "$2") ${3:+"$3"}; do
		grep -qF "[$nome]($nome/RELATORIO.md)" "$md" || bad="$bad $nome"
	done
	if [ -z "$bad" ]; then return 0; fi
	echo "sem a linha com link de:$bad"
	cat "$md"
	return 1
}

tav_turma_html() { # SAÍDA ESPERADO PROJETO
	local page=$1/turma.html nome bad='' rows want
	[ -f "$page" ] || { echo "sem $page"; return 1; }
	for nome in $(tav_names "$2") ${3:+"$3"}; do
		grep -qF "<a href=\"$nome/RELATORIO.md\">$nome</a>" "$page" || bad="$bad $nome"
	done
	[ -z "$bad" ] || bad="sem a linha (com link) de:$bad"
	grep -q 'class="v v-recusado"' "$page" || bad="$bad; nenhuma célula com a classe de cor v-recusado"
	grep -q '\.v-passou{background:' "$page" || bad="$bad; sem a cor de passou no <style>"
	if grep -qiE '<(script|link)[ >]|src="https?:' "$page"; then bad="$bad; a página puxa algo de fora"; fi
	rows=$(grep -o '<tr><td>' "$page" | wc -l | tr -d ' ')
	want=$(($(tav_names "$2" | wc -l) + 1))
	[ "$rows" = "$want" ] || bad="$bad; $rows linhas na tabela, esperava $want"
	if [ -z "$bad" ]; then return 0; fi
	echo "${bad#; }"
	return 1
}

# tav_screenshot SAÍDA: o Chromium do Debian (tests/avaliar/navegador) abre a turma.html e tira
# uma foto; a foto é um PNG com bem mais que uma página em branco (uma em branco tem ~5 KB).
tav_screenshot() {
	local name="avaliar-navegador-$$" png=$1/turma.png size status=0
	[ -f "$1/turma.html" ] || { echo "sem $1/turma.html"; return 1; }
	docker build -q -t avaliar-navegador --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" \
		"$ROOT/tests/avaliar/navegador" >"$WORK/navegador-build.log" 2>&1 ||
		{ tail -n 15 "$WORK/navegador-build.log"; return 1; }
	rm -f "$png"
	docker create --name "$name" --label "$TAV_LABEL" avaliar-navegador >/dev/null || return 1
	docker cp "$1/." "$name:/pagina/" >/dev/null || status=$?
	if [ "$status" = 0 ]; then docker start -a "$name" >"$WORK/navegador.log" 2>&1 || status=$?; fi
	if [ "$status" = 0 ]; then docker cp "$name:/tmp/turma.png" "$png" >/dev/null 2>&1 || status=$?; fi
	docker rm -f "$name" >/dev/null 2>&1 || true
	if [ "$status" != 0 ]; then
		echo "o Chromium não tirou a foto (código $status):"
		grep -v 'dbus' "$WORK/navegador.log" | tail -n 10
		return 1
	fi
	if [ "$(od -An -tx1 -N4 "$png" | tr -d ' \n')" != 89504e47 ]; then
		echo "$png não é um PNG"
		return 1
	fi
	size=$(wc -c <"$png" | tr -d ' ')
	if [ "$size" -lt 15000 ]; then
		echo "$png tem só $size bytes: a página saiu em branco?"
		return 1
	fi
}

# O "server": ID, rodando e desde quando (um restart muda a hora).
tav_server_state() {
	docker container inspect -f '{{.Id}} rodando={{.State.Running}} desde {{.State.StartedAt}}' server 2>/dev/null ||
		echo removido
}
tav_server_survived() { # ESTADO-ANTES
	equals "$(tav_server_state)" "$1"
}

tav_nothing_left() { # ARQUIVO-ANTES
	local left
	left=$(tav_snapshot | grep -vxF -f "$1" || true)
	if [ -z "$left" ]; then return 0; fi
	echo "ficaram para trás:"
	echo "$left"
	return 1
}

# Remove o "server" que este teste criou (só se ainda for o mesmo).
tav_remove_server() {
	if [ "$(docker container inspect -f '{{.Id}}' server 2>/dev/null)" = "$1" ]; then
		docker rm -f server >/dev/null
	fi
}
