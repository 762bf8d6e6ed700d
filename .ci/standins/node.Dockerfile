# Substituta de docker:<versão>-dind para o CI (sem registry): o Docker engine do
# Debian trixie (docker.io, docker-cli, iptables) num contêiner, com o contrato
# da oficial: `docker run ... IMAGEM dockerd --opções` e estado em /var/lib/docker.
FROM standin-rootfs/node
ENV LANG=C.UTF-8
COPY node-entrypoint.sh /usr/local/bin/dockerd-entrypoint.sh
VOLUME /var/lib/docker
ENTRYPOINT ["dockerd-entrypoint.sh"]
CMD []
