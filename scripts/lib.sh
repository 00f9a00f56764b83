# Shared shell helpers for scripts/. Source it; it defines functions, and
# reads the invoking user's id once (the helpers ask for it at every
# command they run as the stack user, and a stack start runs hundreds).
_lib_uid=$(id -u)

# is_root: 0 when the invoking user is root.
is_root() { [ "$_lib_uid" -eq 0 ]; }

# The local stack never runs as root: PostgreSQL refuses to, and the
# services should not. As root, everything runs as STACK_USER (default
# nobody); otherwise as the invoking user.
stack_user() {
	if is_root; then
		echo "${STACK_USER:-nobody}"
	else
		id -un
	fi
}

# as_stack_user CMD...: run CMD as the stack user, keeping the environment.
as_stack_user() {
	(exec_as_stack_user "$@")
}

# exec_as_stack_user CMD...: replace this (sub)shell with CMD run as the
# stack user, so a pid taken with $! is the command's own. It starts in
# / (the caller's folder, a clone under /root say, may be closed to the
# stack user): every path it is given must be absolute. With ASTRO_NETNS
# set, CMD runs in that network namespace (scripts/net); with
# ASTRO_PUBLISH (ADDRESS:PORT[,ADDRESS:PORT...]) it also inherits, as
# file descriptors 3, 4, ..., sockets listening on those addresses of the
# namespace the caller is in (the host's published ports).
exec_as_stack_user() {
	if is_root; then
		cd /
		set -- setpriv --reuid="$(stack_user)" \
			--regid="$(id -g "$(stack_user)")" --clear-groups \
			--inh-caps=-all -- "$@"
		[ -z "${ASTRO_NETNS:-}" ] || set -- ip netns exec "$ASTRO_NETNS" "$@"
		[ -z "${ASTRO_PUBLISH:-}" ] || publish_exec "$ASTRO_PUBLISH" "$@"
	fi
	exec "$@"
}

# publish_exec ADDRESS:PORT[,...] CMD...: listen on each address here and
# exec CMD with the sockets as descriptors 3, 4, ... (HAProxy's
# "bind fd@3"), so a process in another namespace serves a port of this
# one.
publish_exec() {
	_pub=$1; shift
	exec perl -MIO::Socket::IP -MPOSIX -e '
		BEGIN { $^F = 255 }    # no close-on-exec on these sockets
		my @addrs = split /,/, shift;
		my @high;
		for my $i (0 .. $#addrs) {
			my ($h, $p) = $addrs[$i] =~ /^(.*):(\d+)$/ or die "publish: $addrs[$i]\n";
			my $s = IO::Socket::IP->new(LocalHost => $h, LocalPort => $p,
				Listen => 1024, ReuseAddr => 1) or die "publish: $addrs[$i]: $!\n";
			push @high, POSIX::dup2(fileno($s), 100 + $i) // die "publish: $!\n";
			POSIX::close(fileno($s));
		}
		for my $i (0 .. $#high) {
			POSIX::dup2($high[$i], 3 + $i) // die "publish: $!\n";
			POSIX::close($high[$i]);
		}
		exec { $ARGV[0] } @ARGV or die "publish: $ARGV[0]: $!\n";' "$_pub" "$@"
}

# stack_reaches DIR: 0 when the stack user can reach DIR (every parent
# lets it through).
stack_reaches() {
	is_root || return 0
	as_stack_user test -x "$1"
}

# stack_dir DIR: create DIR owned by the stack user. Nothing outside it
# changes: when a parent keeps the stack user out (a clone under a 0700
# /root), it says so and fails.
stack_dir() {
	mkdir -p "$1"
	is_root || return 0
	chown "$(stack_user):" "$1"
	if ! stack_reaches "$1"; then
		echo "$(stack_user) cannot reach $1 (a parent folder keeps it out):" \
			"use a folder it can reach" >&2
		return 1
	fi
}

# free_port [N]: print a TCP port on 127.0.0.1 that nothing listens on
# now, or N different ones on one line (scripts/free-port: below the
# ephemeral range, so no outgoing connection takes them before the
# listeners bind them).
free_port() {
	echo $("${top:-$(cd "$(dirname "$0")/.." && pwd)}/scripts/free-port" "$@")
}

# wait_for SECONDS CMD...: retry CMD until it succeeds, every 0.1 s for
# the first second and every 0.5 s after that; fails once SECONDS have
# passed by the clock (however long each try of CMD takes). Most waits
# end within the first second; the long ones (a database node catching
# up) would otherwise run a psql ten times a second for a minute, which
# on two cores is CPU taken from what is being waited for.
wait_for() {
	_end=$(($(date +%s) + $1)) _try=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		_try=$((_try + 1))
		if [ "$_try" -le 10 ]; then sleep 0.1; else sleep 0.5; fi
	done
}

# haproxy_api SOCKET COMMAND: one command on HAProxy's runtime API (its
# stats socket); prints the answer. Fails when the socket does not
# answer, or the answer is an error (the API answers nothing, or a
# table, on success).
haproxy_api() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0])
			or die "haproxy: $ARGV[0]: $!\n";
		print $s "$ARGV[1]\n";
		my $out = join "", <$s>;
		print $out;
		exit($out =~ /^(No such|Unknown|Require|Invalid|.*not found|.*expects)/mi ? 1 : 0);' "$1" "$2"
}

# haproxy_server SOCKET BACKEND SERVER FIELD: one field of `show stat`
# (status, scur, ...) for one server.
haproxy_server() {
	haproxy_api "$1" "show stat" | awk -F, -v b="$2" -v s="$3" -v f="$4" '
		NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == b && $2 == s { print $col[f]; exit }'
}
