#!/bin/sh
# (o serviço no compose se chama "api", não "servidor-api": este nome não resolve)
while true; do
	if command -v curl >/dev/null 2>&1; then
		curl -sS --max-time 3 http://servidor-api:8000/ 2>&1
	else
		wget -qO- -T 3 http://servidor-api:8000/ 2>&1
	fi
	echo
	sleep 2
done
