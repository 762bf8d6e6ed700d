#!/bin/sh
# Entrypoint da imagem substituta de Redis usada só no CI (sem registry).
# Como a imagem oficial: argumentos que começam com '-' vão para redis-server,
# o modo protegido fica desligado (a rede do Docker isola o serviço), dados em
# /data e o processo roda como o usuário redis.
set -e
if [ "${1#-}" != "$1" ]; then
	set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ]; then
	shift
	set -- redis-server "$@" --protected-mode no
	if [ "$(id -u)" = '0' ]; then
		chown -R redis:redis /data
		exec setpriv --reuid=redis --regid=redis --init-groups "$@"
	fi
fi
exec "$@"
