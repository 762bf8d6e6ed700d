#!/bin/sh
URL=${URL_SITE:-http://site/}
echo "buscando $URL a cada 3 s"
while :; do
	if command -v curl >/dev/null 2>&1; then
		pagina=$(curl -s --max-time 3 "$URL")
	else
		pagina=$(wget -q -O - -T 3 "$URL")
	fi
	echo "recebido: $pagina"
	sleep 3
done
