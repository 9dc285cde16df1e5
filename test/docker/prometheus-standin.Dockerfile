# CI stand-in for prom/prometheus (no image can be pulled here): Debian's prometheus binary on the
# self-made node:24-slim base, laid out like the upstream image (entrypoint /bin/prometheus, data
# in /prometheus owned by nobody, busybox wget for the compose healthcheck). The build context is
# a directory the test fills with /usr/bin/prometheus and /bin/busybox.
FROM node:24-slim
COPY prometheus /bin/prometheus
COPY busybox /bin/busybox
RUN ln -s /bin/busybox /bin/wget && mkdir /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
