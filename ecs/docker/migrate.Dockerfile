# The one-off migration task (ecs/database.yaml, MigrateTaskDefinition):
# sqitch and psql with the repository's sql/.
#
#   podman build -f ecs/docker/migrate.Dockerfile .
#
# Its default command deploys the schema and sets the service logins
# (ecs/docker/migrate-command); any other command runs in the sqitch
# project, e.g. `sqitch revert -y --to @HEAD^` (ecs/migrate.sh passes it).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

COPY ecs/docker/nodoc.dpkg.cfg /etc/dpkg/dpkg.cfg.d/astro-nodoc
RUN apt-get update \
 && apt-get install -y --no-install-recommends sqitch libdbd-pg-perl postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
      /var/log/apt /var/log/dpkg.log \
 && groupadd --gid 10001 astro \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
      --shell /usr/sbin/nologin astro \
 && mkdir -p /tmp && chown 10001:10001 /tmp && chmod 1777 /tmp
# The task's only writable place (HOME=/tmp). Fargate mounts the task
# volume on /tmp owned by root 0755 unless the image declares the volume
# over a folder it owns.
VOLUME /tmp

# The RDS certificate authorities, for PGSSLMODE=verify-full (PGSSLROOTCERT
# in ecs/database.yaml); ecs/images.sh writes the file.
COPY ecs/docker/rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
COPY sql/ /usr/share/astro/sql/
COPY ecs/docker/migrate-command /usr/local/bin/astro-migrate

# sqitch records who deployed each change; the task has no name of its own.
ENV HOME=/tmp \
    SQITCH_FULLNAME="Astronaut Hours migration task" \
    SQITCH_EMAIL=migrate@astronaut-hours.invalid
WORKDIR /usr/share/astro/sql/migrations
USER 10001:10001
CMD ["/usr/local/bin/astro-migrate"]
