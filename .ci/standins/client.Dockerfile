# Substituta de curlimages/curl para o CI (sem registry): Debian trixie + curl + sh.
FROM standin-rootfs/client
ENV LANG=C.UTF-8
CMD ["curl"]
