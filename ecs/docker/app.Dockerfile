# One FastCGI service of Astronaut Hours (the task's "app" container).
#
#   podman build -f ecs/docker/app.Dockerfile --build-arg SERVICE=signup .
#
# SERVICE is signup, hours or board; the context is the repository root.
# BASE_IMAGE is Debian 12: the public image by default, a locally made one
# where no registry is reachable (ecs/images.sh).
ARG BASE_IMAGE=debian:bookworm-slim

# --- build: the three binaries, so that this stage is one cached layer
# set shared by the three service images.
FROM ${BASE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends make gcc libc6-dev pkg-config \
      libfcgi-dev libpq-dev libjson-c-dev libscrypt-dev libssl-dev \
      libicu-dev libcrack2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The Makefile includes ecs/Makefile.inc (deploy targets, unused here).
COPY Makefile ./
COPY ecs/Makefile.inc ecs/
COPY fcgi-apps/ fcgi-apps/
# The release flags of the Makefile (-O2, stack protector, PIE, full RELRO);
# debug sections are dropped from what ships, symbols stay for backtraces.
RUN make -j"$(nproc)" build/release/astro-signup build/release/astro-hours \
      build/release/astro-board \
 && strip --strip-debug build/release/astro-signup build/release/astro-hours \
      build/release/astro-board

# --- runtime: the shared libraries, one binary and the page templates.
# ICU is the name policy (name.c); cracklib-runtime builds the dictionary
# new passwords are checked against (pwlist.c) when it is installed.
FROM ${BASE_IMAGE}
COPY ecs/docker/nodoc.dpkg.cfg /etc/dpkg/dpkg.cfg.d/astro-nodoc
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libfcgi0ldbl libpq5 libjson-c5 libscrypt0 libssl3 libicu72 \
      libcrack2 cracklib-runtime \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
      /var/log/apt /var/log/dpkg.log \
 && groupadd --gid 10001 astro \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
      --shell /usr/sbin/nologin astro
# The RDS certificate authorities, for PGSSLMODE=verify-full (PGSSLROOTCERT
# in ecs/service.yaml); ecs/images.sh writes the file.
COPY ecs/docker/rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem

# Declared after the shared layers above, so that they stay shared.
ARG SERVICE
# The task's only writable places: /tmp, and /run/astro, the volume the
# task shares with the sidecar, where the pool creates its FastCGI socket.
# Fargate mounts a task volume owned by root 0755 unless the image declares
# the volume over a folder it owns: then the volume starts as this folder
# is. /run/astro is 0700, as sidecar.Dockerfile makes it too: only uid
# 10001 (the pool and its sidecar) reaches the socket.
RUN case "$SERVICE" in signup|hours|board) ;; \
      *) echo "build with --build-arg SERVICE=signup|hours|board (got '$SERVICE')" >&2; exit 1 ;; \
    esac \
 && mkdir -p /tmp /run/astro && chown 10001:10001 /tmp /run/astro \
 && chmod 1777 /tmp && chmod 0700 /run/astro
VOLUME ["/tmp", "/run/astro"]

COPY html/ /usr/share/astro/html/
COPY --from=build /src/build/release/astro-${SERVICE} /usr/local/bin/astro-${SERVICE}

# FCGI_LISTEN: the socket the sidecar image dials by default (nginx/render's
# FCGI_ADDR); the pool's own default is TCP, which a task never uses.
ENV ASTRO_SERVICE=${SERVICE} \
    HTML_DIR=/usr/share/astro/html \
    FCGI_LISTEN=/run/astro/fcgi.sock
USER 10001:10001
# 9100 is METRICS_LISTEN's port in the task definition. FastCGI has no
# port: it is the socket in /run/astro.
EXPOSE 9100
# The supervisor drains its workers on SIGTERM (SHUTDOWN_TIMEOUT).
STOPSIGNAL SIGTERM
# The shell only picks the binary named at build time, then gives way to
# it: the supervisor is PID 1 and receives the stop signal itself.
CMD ["/bin/sh", "-c", "exec /usr/local/bin/astro-\"$ASTRO_SERVICE\""]
