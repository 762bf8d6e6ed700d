#!/bin/sh
# Entrypoint da imagem substituta de haproxy:3.0 usada só no CI (sem registry).
# Como o da oficial: argumentos que começam com '-' vão para o haproxy, e o
# haproxy roda em primeiro plano no modo master-worker (-W: recarrega a
# configuração com SIGUSR2; -db: sem ir para o fundo).
set -e
if [ "${1#-}" != "$1" ]; then
	set -- haproxy "$@"
fi
if [ "$1" = 'haproxy' ]; then
	shift
	set -- haproxy -W -db "$@"
fi
exec "$@"
