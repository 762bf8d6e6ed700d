# Substituta de postgres:17 para o CI (sem registry), com o mesmo contrato:
# POSTGRES_* , PGDATA, /docker-entrypoint-initdb.d, pg_isready, parada por SIGINT.
FROM standin-rootfs/postgres
ENV LANG=C.UTF-8 PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# como a oficial: o diretório do socket é do postgres (3777), o que vale também
# para um tmpfs montado ali (o Docker copia dono e modo do diretório da imagem)
RUN mkdir -p /docker-entrypoint-initdb.d "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA" \
 && install --directory --owner postgres --group postgres --mode 3777 /var/run/postgresql
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
