# CI stand-in for the official rabbitmq:*-management image (no image can be pulled here): Debian's
# rabbitmq-server package (3.10) on the self-made Debian base (node:24-slim; Node is not used),
# laid out like the upstream image where docker-compose.yml relies on it:
# - plugins rabbitmq_management (UI and HTTP API on 15672) and rabbitmq_prometheus (15692) on;
# - configuration read from /etc/rabbitmq/conf.d/*.conf (compose mounts ./rabbitmq there);
# - logs on stdout, data in /var/lib/rabbitmq, run as user rabbitmq, `rabbitmq-diagnostics` and
#   `rabbitmqctl` on PATH for the healthcheck.
# Built with the host network (apt-get fetches the package from Debian's mirror).
FROM node:24-slim
RUN apt-get update -qq \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null \
  && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/share/doc/* /usr/share/man/* \
  && echo '[rabbitmq_management,rabbitmq_prometheus].' > /etc/rabbitmq/enabled_plugins \
  && mkdir -p /etc/rabbitmq/conf.d
ENV HOME=/var/lib/rabbitmq RABBITMQ_LOGS=- PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER rabbitmq
WORKDIR /var/lib/rabbitmq
EXPOSE 4369 5672 15672 15692 25672
CMD ["rabbitmq-server"]
