# Substituta de redis:7 para o CI (sem registry): redis-server e redis-cli, dados em /data.
FROM standin-rootfs/redis
ENV LANG=C.UTF-8
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN mkdir -p /data && chown redis:redis /data
VOLUME /data
WORKDIR /data
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
