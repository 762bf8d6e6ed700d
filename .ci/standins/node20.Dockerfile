# Substituta de node:20, sob pedido (o ./run.sh avaliar, sem registry): o nodejs 20 e o npm
# do Debian trixie, confiando no CA da máquina, e o que compila módulos nativos sem baixar nada.
FROM standin-rootfs/node20
ENV LANG=C.UTF-8 NODE_EXTRA_CA_CERTS=/usr/local/share/ci-ca-bundle.crt npm_config_nodedir=/usr
CMD ["node"]
