#!/bin/sh
# Pergunta ao servidor a cada 2 segundos (curl se houver, senão o wget do busybox).
ALVO=${ALVO:-http://servidor:5000/}
while true; do
	if command -v curl >/dev/null 2>&1; then
		resposta=$(curl -fsS --max-time 3 "$ALVO" 2>&1)
	else
		resposta=$(wget -qO- -T 3 "$ALVO" 2>&1)
	fi
	echo "$(date '+%H:%M:%S') -> $resposta"
	sleep 2
done
