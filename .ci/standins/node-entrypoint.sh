#!/bin/sh
# Entrypoint da imagem substituta de docker:<versão>-dind usada só no CI (sem
# registry): o dockerd do Debian trixie (docker.io) dentro de um contêiner.
# Mesmo contrato da oficial para quem sobrescreve o comando com `dockerd ...`
# (o socket é o Unix padrão, /var/run/docker.sock; nada em TCP):
# argumentos que começam com '-' vão para o dockerd; estado em /var/lib/docker.
set -e
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	set -- dockerd "$@"
fi
if [ "$1" = 'dockerd' ]; then
	# pid files de uma parada brusca (docker kill) impedem o dockerd de subir
	find /run /var/run -iname 'docker*.pid' -delete 2>/dev/null || :
	# como o script `dind` da oficial: montagens do contêiner interno propagam
	mount --make-rshared / 2>/dev/null || :
fi
exec "$@"
