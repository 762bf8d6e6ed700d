# Substituta de haproxy:3.0 para o CI (sem registry): o haproxy do Debian trixie
# (a mesma série 3.0 LTS), com o contrato da oficial: configuração em
# /usr/local/etc/haproxy/haproxy.cfg, usuário haproxy com uid e gid 99, diretório
# de trabalho /var/lib/haproxy dele, `haproxy -W -db` em primeiro plano (o
# entrypoint acrescenta as opções) e parada graciosa com SIGUSR1.
FROM standin-rootfs/haproxy
ENV LANG=C.UTF-8
COPY haproxy-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN groupmod --gid 99 haproxy && usermod --uid 99 --gid 99 haproxy \
 && mkdir -p /var/lib/haproxy /usr/local/etc/haproxy /usr/local/sbin \
 && chown haproxy:haproxy /var/lib/haproxy \
 && cp -R /etc/haproxy/errors /usr/local/etc/haproxy/errors \
 && ln -s /usr/sbin/haproxy /usr/local/sbin/haproxy
STOPSIGNAL SIGUSR1
ENTRYPOINT ["docker-entrypoint.sh"]
USER haproxy
WORKDIR /var/lib/haproxy
CMD ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
