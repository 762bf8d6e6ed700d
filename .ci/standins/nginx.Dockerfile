# Substituta de nginx:1.29 para o CI (sem registry): o nginx do Debian trixie,
# com o mesmo contrato da oficial: /etc/nginx/nginx.conf, logs no stdout/stderr,
# `nginx -g 'daemon off;'` em primeiro plano e parada graciosa com SIGQUIT.
FROM standin-rootfs/nginx
ENV LANG=C.UTF-8
RUN ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
