# Shared shell helpers for scripts/. Source it; it defines functions only.

# The local stack never runs as root: PostgreSQL refuses to, and the
# services should not. As root, everything runs as STACK_USER (default
# nobody); otherwise as the invoking user.
stack_user() {
	if [ "$(id -u)" -eq 0 ]; then
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
# stack user, so a pid taken with $! is the command's own.
exec_as_stack_user() {
	if [ "$(id -u)" -eq 0 ]; then
		exec setpriv --reuid="$(stack_user)" \
			--regid="$(id -g "$(stack_user)")" --clear-groups \
			--inh-caps=-all -- "$@"
	fi
	exec "$@"
}

# stack_dir DIR: create DIR owned by the stack user, and make sure the
# stack user can reach it (a clone under /root is not reachable by
# nobody until its parents allow traversal).
stack_dir() {
	mkdir -p "$1"
	[ "$(id -u)" -eq 0 ] || return 0
	chown "$(stack_user):" "$1"
	d=$(cd "$1" && pwd)
	while [ "$d" != / ]; do
		if ! as_stack_user test -x "$d"; then
			echo "note: allowing $(stack_user) to traverse $d (chmod o+x)" >&2
			chmod o+x "$d"
		fi
		d=$(dirname "$d")
	done
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	perl -MIO::Socket::IP -e '
		my $s = IO::Socket::IP->new(LocalHost => "127.0.0.1",
			LocalPort => 0, Listen => 1, ReuseAddr => 0) or die "$!\n";
		print $s->sockport, "\n";'
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for() {
	_n=$(($1 * 10)); shift
	while ! "$@" >/dev/null 2>&1; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
}
