# Substituta de registry:<versão> para o CI (sem registry): o docker-registry do
# Debian trixie (a mesma distribution), com o contrato da oficial: HTTP em :5000,
# imagens em /var/lib/registry, configuração em /etc/distribution/config.yml.
FROM standin-rootfs/registry
ENV LANG=C.UTF-8
COPY registry-config.yml /etc/distribution/config.yml
VOLUME /var/lib/registry
EXPOSE 5000
ENTRYPOINT ["docker-registry", "serve"]
CMD ["/etc/distribution/config.yml"]
