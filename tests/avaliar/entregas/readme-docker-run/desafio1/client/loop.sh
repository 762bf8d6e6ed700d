#!/bin/sh
while true; do
	if command -v curl >/dev/null 2>&1; then
		curl -s --max-time 3 http://server:8000/ || echo "falhou"
	else
		wget -qO- -T 3 http://server:8000/ || echo "falhou"
	fi
	sleep 2
done
