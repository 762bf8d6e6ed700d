# Parecida com alpine:<versão>, sob pedido (o ./run.sh avaliar, sem registry): Debian trixie
# com sh, curl, o wget do busybox e um apk que não instala nada (só avisa).
FROM standin-rootfs/alpine
ENV LANG=C.UTF-8
CMD ["/bin/sh"]
