#!/bin/sh
# Desafio 1: cliente que consulta o servidor em loop pela rede desafio1-net.
# O nome "server" é resolvido pelo DNS embutido do Docker na rede definida pelo
# usuário. Cada resposta (ou uma linha clara de erro) vai para o stdout, que é
# o que `docker logs client` mostra. Sai na hora com SIGTERM (docker stop).
URL=${SERVER_URL:-http://server:8080}
INTERVAL=${INTERVAL:-2}
TMP=$(mktemp)
# hora (epoch) da última resposta do servidor: o contêiner está saudável
# enquanto ela é recente (veja o HEALTHCHECK no Dockerfile.client)
HEALTH_FILE=${HEALTH_FILE:-/tmp/ultima-resposta}

trap 'echo "cliente: sinal de parada recebido (docker stop ou Ctrl+C), encerrando"; rm -f "$TMP"; exit 0' TERM INT

echo "cliente: consultando $URL a cada ${INTERVAL}s"
while :; do
	# curl e sleep rodam em segundo plano com `wait`: assim o trap dispara
	# assim que o sinal chega, sem esperar o comando em andamento terminar.
	# --noproxy: a conversa é direta pela rede do Docker, mesmo com HTTP_PROXY no ambiente
	curl -sS --fail --noproxy '*' --connect-timeout 2 --max-time 3 "$URL" >"$TMP" 2>&1 &
	if wait $!; then
		echo "[$(date '+%H:%M:%S')] resposta: $(cat "$TMP")"
		date +%s >"$HEALTH_FILE" # o HEALTHCHECK da imagem lê daqui
	else
		echo "[$(date '+%H:%M:%S')] servidor indisponível em $URL: $(tr '\n' ' ' <"$TMP")(tentando de novo em ${INTERVAL}s)"
	fi
	sleep "$INTERVAL" &
	wait $!
done
