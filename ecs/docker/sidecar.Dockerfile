# The nginx sidecar of the three services (the task's "nginx" container):
# the repository's nginx/ configuration and html/ static files, the service
# chosen at run time by SERVICE (signup, hours or board).
#
#   podman build -f ecs/docker/sidecar.Dockerfile .
#
# The context is the repository root. BASE_IMAGE is Debian 12: the public
# image by default, a locally made one where no registry is reachable
# (ecs/images.sh).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

COPY ecs/docker/nodoc.dpkg.cfg /etc/dpkg/dpkg.cfg.d/astro-nodoc
# curl is the task definition's health check; the brotli filter serves
# br to browsers (nginx/brotli.conf). Debian's default site goes: nginx
# reads only the configuration the entrypoint renders.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx libnginx-mod-http-brotli-filter curl \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
      /var/log/apt /var/log/dpkg.log /etc/nginx/sites-enabled /etc/nginx/sites-available \
      /var/www/html \
 && groupadd --gid 10001 astro \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
      --shell /usr/sbin/nologin astro \
 && mkdir -p /tmp /run/astro && chown 10001:10001 /tmp /run/astro \
 && chmod 1777 /tmp && chmod 0700 /run/astro
# The task's only writable places: /tmp for the rendered configuration,
# the pid file and nginx's temp folders, and /run/astro, the volume shared
# with the app, where nginx reaches the pool's socket (FCGI_ADDR, by
# default unix:/run/astro/fcgi.sock). Fargate mounts a task volume owned by
# root 0755 unless the image declares the volume over a folder it owns.
# ECS does not say whose image seeds a volume that two containers mount,
# so app.Dockerfile makes /run/astro the same way: 10001's, mode 0700.
VOLUME ["/tmp", "/run/astro"]

COPY nginx/ /usr/share/astro/nginx/
COPY html/ /usr/share/astro/html/
COPY ecs/docker/sidecar-entrypoint /usr/local/bin/astro-sidecar

# Defaults of nginx/render that differ in a task: stub_status listens on
# the task's address (its port, 9101, is open to the VPC only, by the
# task's security group) rather than on loopback.
ENV HTML_DIR=/usr/share/astro/html \
    STATUS_LISTEN=0.0.0.0:9101
USER 10001:10001
EXPOSE 8080 9101
# Graceful stop: finish the requests in flight, then exit.
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/usr/local/bin/astro-sidecar"]
