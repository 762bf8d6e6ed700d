# Substituta de python:3.13-slim para o CI (sem registry): Debian trixie + Python 3.13.
FROM standin-rootfs/python
ENV LANG=C.UTF-8 PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["python3"]
