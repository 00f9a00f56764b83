#!/usr/bin/perl
# The container images of ecs/docker/ build with podman from the
# debootstrapped base (ecs/images.sh), and each holds what its task needs
# and nothing a runtime image should not: non-root, /tmp (and, for the app
# and sidecar, /run/astro, where the FastCGI socket goes) its only
# writable volumes, no compilers, headers, package lists or manuals.
# t/7110-images-tasks.t runs them as ECS tasks.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Find;
use Time::HiRes qw(time);

chdir "$FindBin::Bin/.." or die "cannot enter the repository: $!";
# podman and the builds must stop by themselves; this is the backstop.
$SIG{ALRM} = sub { die "7100-images-build: timed out\n" };
alarm 1200;

my $prefix = 'localhost/astronaut-hours';
my @services = qw(signup hours board);

# run CMD...: (exit status, stdout and stderr together)
sub run {
	my @cmd = @_;
	my $pid = open(my $fh, '-|') // die "fork: $!";
	if (!$pid) {
		open(STDERR, '>&', \*STDOUT) or die "dup: $!";
		exec(@cmd) or do { print "cannot run $cmd[0]: $!\n"; exit 127 };
	}
	local $/;
	my $out = <$fh> // '';
	close $fh;
	return ($? >> 8, $out);
}

sub podman { return run('ecs/images.sh', 'podman', @_) }

# A throwaway container of IMAGE the way the task runs it: read-only root,
# uid 10001, no network, /tmp a tmpfs.
# in_image(IMAGE, [podman run options], CMD...)
sub in_image {
	my ($image, $opts, @cmd) = @_;
	return podman('run', '--rm', '--read-only', '--read-only-tmpfs=false',
		'--user', '10001:10001', '--tmpfs', '/tmp', '--network', 'none', @$opts,
		"$prefix/$image", @cmd);
}

sub fail_hard {
	my ($why) = @_;
	diag($why);
	done_testing();
	exit 1;
}

# --- podman works, or this is a failure to fix ---------------------------
my ($rc, $out) = podman('info', '--format', '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}');
is($rc, 0, 'podman runs here (ecs/images.sh podman info)')
	or fail_hard("podman is not usable: install it with scripts/deps test\n$out");

# --- the Dockerfiles take their base from a build argument ----------------
for my $file (qw(app sidecar migrate pause)) {
	my $text = do { local (@ARGV, $/) = ("ecs/docker/$file.Dockerfile"); <> };
	my ($before) = $text =~ /\A(.*?)^FROM /ms;
	like($before, qr/^ARG BASE_IMAGE=debian:bookworm-slim$/m,
		"$file.Dockerfile defaults BASE_IMAGE to the public Debian 12 slim image");
	my @from = $text =~ /^FROM (\S+)/mg;
	is_deeply([grep { $_ ne '${BASE_IMAGE}' } @from], [], "$file.Dockerfile builds every stage FROM \${BASE_IMAGE}");
}

# --- build ----------------------------------------------------------------
my $t0 = time;
($rc, $out) = run('ecs/images.sh', 'build');
is($rc, 0, 'ecs/images.sh builds the base (when missing) and every image') or fail_hard($out);
note(sprintf 'ecs/images.sh build took %.0f s', time - $t0);
note($_) for grep { /built in/ } split /\n/, $out;

($rc, $out) = podman('build', '--pull=never', '--network=host',
	'--build-arg', 'BASE_IMAGE=localhost/debian:bookworm', '-f', 'ecs/docker/app.Dockerfile', '.');
isnt($rc, 0, 'app.Dockerfile without SERVICE does not build');
like($out, qr/build with --build-arg SERVICE=signup\|hours\|board/, '... and says why');

# --- sizes ----------------------------------------------------------------
($rc, $out) = run('ecs/images.sh', 'sizes');
is($rc, 0, 'ecs/images.sh sizes measures every image') or diag($out);
my %bytes = map { my ($n, $b) = split /\t/; ($n =~ s{^\Q$prefix\E/}{}r => $b) } split /\n/, $out;
(my $base_rc, my $base_bytes) = podman('image', 'inspect', '--format', '{{.Size}}', 'localhost/debian:bookworm');
chomp $base_bytes;
is($base_rc, 0, 'the debootstrapped base image is in the store');
note(sprintf 'size of localhost/debian:bookworm: %.0f MB', $base_bytes / 1e6);
# What each image may add to its base: room for Debian's updates, not for
# a compiler, headers or package lists left behind (each tens of MB). The
# services carry ICU for the name policy (name.c: its data is about 31
# MB of the 57 they add) and cracklib's dictionary for new passwords.
my %added_mb = (signup => 64, hours => 64, board => 64, nginx => 30, migrate => 130);
for my $image (qw(signup hours board nginx migrate)) {
	ok($bytes{$image}, "$prefix/$image is built") or next;
	note(sprintf 'size of %s/%s: %.0f MB (%.0f MB over the base)', $prefix, $image,
		$bytes{$image} / 1e6, ($bytes{$image} - $base_bytes) / 1e6);
	cmp_ok(($bytes{$image} - $base_bytes) / 1e6, '<=', $added_mb{$image},
		"$image adds at most $added_mb{$image} MB to the base");
}

# --- what every runtime image is ------------------------------------------
# The migration task is never stopped while it works: it keeps the default.
my %stop_signal = (signup => 'SIGTERM', hours => 'SIGTERM', board => 'SIGTERM',
	nginx => 'SIGQUIT', migrate => '');
# The pool and its sidecar share /run/astro for the FastCGI socket.
my %volumes = (signup => '/run/astro /tmp ', hours => '/run/astro /tmp ', board => '/run/astro /tmp ',
	nginx => '/run/astro /tmp ', migrate => '/tmp ');
# Printed by one shell in each image: what it holds that it should not.
my $survey = <<'SH';
echo "tmp=$(stat -c '%u:%g %a' /tmp)"
echo "run=$(stat -c '%u:%g %a' /run/astro 2>/dev/null)"
echo "dev=$(dpkg-query -W -f '${Package}\n' | grep -E -e '-dev$' -e '^(gcc|gcc-[0-9]+|cpp|make|binutils|pkg-config|pkgconf)$' | tr '\n' ' ')"
echo "lists=$(find /var/lib/apt/lists -type f ! -name lock | wc -l)"
echo "apt_cache=$(find /var/cache/apt -name '*.bin' -o -name '*.deb' | wc -l)"
echo "docs=$(find /usr/share/doc -type f ! -name copyright | wc -l)"
echo "man=$(find /usr/share/man /usr/share/info -type f 2>/dev/null | wc -l)"
SH
for my $image (qw(signup hours board nginx migrate)) {
	($rc, $out) = podman('image', 'inspect', '--format',
		'{{.Config.User}}|{{.Config.StopSignal}}|{{range $k, $v := .Config.Volumes}}{{$k}} {{end}}',
		"$prefix/$image");
	chomp $out;
	my ($user, $signal, $volumes) = split /\|/, $out, 3;
	is($user, '10001:10001', "$image runs as 10001:10001 by default");
	is($volumes, $volumes{$image}, "$image declares " . join(' and ', split ' ', $volumes{$image})
		. ', and nothing else, volumes');
	is($signal, $stop_signal{$image}, "$image stops on " . ($stop_signal{$image} || 'the default signal'));

	# No --tmpfs here: /tmp is the image's own volume, seeded from the
	# image the way Fargate seeds a task volume.
	($rc, $out) = podman('run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh',
		"$prefix/$image", '-c', $survey);
	is($rc, 0, "$image: survey runs") or diag($out);
	my %s = map { /^(\w+)=(.*)$/ ? ($1 => $2) : () } split /\n/, $out;
	is($s{tmp}, '10001:10001 1777', "$image: a fresh /tmp volume belongs to 10001, mode 1777");
	if ($volumes{$image} =~ m{/run/astro}) {
		is($s{run}, '10001:10001 700', "$image: a fresh /run/astro volume belongs to 10001, mode 0700");
	}
	is($s{dev}, '', "$image: no -dev packages, compilers or make");
	is($s{lists}, 0, "$image: no apt package lists");
	is($s{apt_cache}, 0, "$image: no apt caches or downloaded .debs");
	is($s{docs}, 0, "$image: no documentation beyond copyright files");
	is($s{man}, 0, "$image: no manual or info pages");
}

# --- the service images ---------------------------------------------------
my @templates;
find({ no_chdir => 1, wanted => sub { push @templates, $File::Find::name =~ s{^html/}{}r if -f } }, 'html');
@templates = sort @templates;
for my $svc (@services) {
	($rc, $out) = in_image($svc, [], '/bin/sh', '-c',
		'ls /usr/local/bin; echo "html=$HTML_DIR"; cd "$HTML_DIR" && find . -type f | sed "s|^\./||" | sort');
	my ($bins, $rest) = split /^html=/m, $out, 2;
	is_deeply([sort split /\s+/, $bins], ["astro-$svc"], "$svc: /usr/local/bin holds astro-$svc alone");
	my ($dir, @files) = split /\n/, $rest // '';
	is($dir, '/usr/share/astro/html', "$svc: HTML_DIR names the templates' folder");
	is_deeply(\@files, \@templates, "$svc: the templates and static files are html/'s");

	($rc, $out) = in_image($svc, [], 'sh', '-c', "ldd /usr/local/bin/astro-$svc");
	unlike($out, qr/not found/, "$svc: every shared library of the binary is installed") or diag($out);
	# Read-only, uid 10001, no pool to talk to: the binary starts and the
	# health check fails the way ECS expects (exit 1).
	($rc, $out) = in_image($svc, [], "/usr/local/bin/astro-$svc", '--healthcheck');
	is($rc, 1, "$svc: --healthcheck without a pool exits 1");
	like($out, qr{healthcheck: cannot connect to 127\.0\.0\.1:9100},
		'... because no supervisor answers on 127.0.0.1:9100, the METRICS_LISTEN the binary defaults to');
}

# --- the RDS certificate authorities (PGSSLMODE=verify-full) --------------
my $bundle_file = 'ecs/docker/rds-global-bundle.pem';
my $bundle = do { local (@ARGV, $/) = ($bundle_file); <> } // '';
($rc, $out) = run('openssl', 'crl2pkcs7', '-nocrl', '-certfile', $bundle_file);
my $p7 = $out;
{
	open my $fh, '>', "/tmp/astro-7100-$$.p7" or die "p7: $!";
	print $fh $p7;
	close $fh;
}
($rc, $out) = run('openssl', 'pkcs7', '-in', "/tmp/astro-7100-$$.p7", '-print_certs', '-noout');
unlink "/tmp/astro-7100-$$.p7";
my @subjects = grep { /^subject=/ } split /\n/, $out;
cmp_ok(scalar @subjects, '>=', 100, "ecs/images.sh wrote the RDS CA bundle ($bundle_file, @{[scalar @subjects]} certificates)");
ok((grep { /CN = Amazon RDS eu-west-1 Root CA RSA2048 G1/ } @subjects),
	'... with the root of rds-ca-rsa2048-g1, the CA database.yaml asks for (eu-west-1 shown)');
for my $image (@services, 'migrate') {
	($rc, $out) = in_image($image, [], 'cat', '/etc/ssl/certs/rds-global-bundle.pem');
	ok($rc == 0 && $out eq $bundle, "$image: /etc/ssl/certs/rds-global-bundle.pem is that bundle (PGSSLROOTCERT)");
}

# --- the sidecar image ----------------------------------------------------
for my $svc (@services) {
	($rc, $out) = in_image('nginx', ['-e', "SERVICE=$svc", '-e', 'LISTEN=8080'], '-t');
	is($rc, 0, "nginx: the $svc configuration renders into /tmp and passes nginx -t, read-only as 10001")
		or diag($out);
	unlike($out, qr/\[(alert|emerg|warn)\]/, '... without complaints') or diag($out);
}
($rc, $out) = podman('run', '--rm', '--network', 'none', '-e', 'SERVICE=payroll', "$prefix/nginx", '-t');
isnt($rc, 0, 'nginx: an unknown SERVICE is refused');
like($out, qr/SERVICE=payroll: not signup, hours, board or monolith/, '... by name');
($rc, $out) = podman('run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', "$prefix/nginx", '-c',
	'command -v curl && cd "$HTML_DIR" && find static -type f | sort');
like($out, qr{^/usr/bin/curl$}m, 'nginx: curl is there for the task health check');
is_deeply([grep { m{^static/} } split /\n/, $out], [grep { m{^static/} } @templates],
	'nginx: it serves html/static');

# --- the migration image --------------------------------------------------
my @plan = map { /^(\w\S*)\s/ ? $1 : () } grep { !/^[%#]/ } do {
	open my $fh, '<', 'sql/migrations/sqitch.plan' or die "sqitch.plan: $!";
	<$fh>;
};
($rc, $out) = in_image('migrate', [], 'sqitch', 'plan', '--format', 'format:%n');
is($rc, 0, 'migrate: sqitch reads the plan in its working folder, read-only as 10001') or diag($out);
is_deeply([grep { /^\w+$/ } split /\n/, $out], \@plan, '... the plan of sql/migrations');
($rc, $out) = in_image('migrate', [], 'psql', '--version');
like($out, qr/^psql \(PostgreSQL\) 15\./, 'migrate: psql of PostgreSQL 15');
($rc, $out) = in_image('migrate', []);
isnt($rc, 0, 'migrate: the default command refuses to run without the login passwords');
like($out, qr/SIGNUP_DB_PASSWORD: is not set/, '... naming the first one missing');

done_testing();
