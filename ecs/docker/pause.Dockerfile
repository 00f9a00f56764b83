# The infra container of the podman pods that stand in for ECS tasks in
# `make test` (t/7110-images-tasks.t): it holds the pod's network namespace,
# as Fargate's own pause container holds an awsvpc task's. Not deployed.
# podman would build its default one from the host's catatonit, which these
# machines lack; this takes Debian's.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
COPY ecs/docker/nodoc.dpkg.cfg /etc/dpkg/dpkg.cfg.d/astro-nodoc
RUN apt-get update \
 && apt-get install -y --no-install-recommends catatonit \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/catatonit", "-P"]
