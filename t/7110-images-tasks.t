#!/usr/bin/perl
# The images run the way ECS runs them. Each service's task becomes a
# podman pod (one network namespace for the sidecar and the pool, as in
# awsvpc) whose containers get what ecs/service.yaml's task definition
# says: user, read-only root, /tmp, the task volume both mount at
# /run/astro for the pool's FastCGI socket, environment, secrets, health
# checks, start order, stop timeouts, task CPU and memory. The database is a
# private PostgreSQL cluster that, like RDS with rds.force_ssl, accepts
# only TLS with a password; the migration image deploys the schema into it
# as ecs/database.yaml's migration task would.
#
# Pods use slirp4netns: a pod reaches the host's loopback at 10.0.2.2 and
# nothing reaches the pod but the sidecar port published on 127.0.0.1.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest qw(form_fields unique_name);
use File::Path qw(remove_tree);
use File::Temp qw(tempdir);
use JSON::PP;
use POSIX qw(strftime);
use Test::More;
use Time::HiRes qw(time sleep);

chdir "$FindBin::Bin/.." or die "cannot enter the repository: $!";

my $prefix = 'localhost/astronaut-hours';
my @services = qw(signup hours board);
my $tag = "astro-t7110-$$";
my (@pods, @containers, @volumes, $pgdir, $scratch);

# Whatever happens, the pods, containers, volumes and the cluster go.
sub cleanup {
	for my $c (@containers) {
		podman('rm', '-f', '-i', '-t', '0', $c);
	}
	for my $p (@pods) {
		podman('pod', 'rm', '-f', '-i', '-t', '0', $p);
	}
	for my $v (@volumes) {
		podman('volume', 'rm', '-f', $v);
	}
	@containers = @pods = @volumes = ();
	system('scripts/pg', 'stop', $pgdir) if $pgdir && -f "$pgdir/data/postmaster.pid";
	remove_tree($scratch) if $scratch;
	undef $scratch;
}
END {
	my $rc = $?;
	cleanup();
	$? = $rc;
}
$SIG{INT} = $SIG{TERM} = sub { die "7110-images-tasks: interrupted\n" };
$SIG{ALRM} = sub { die "7110-images-tasks: timed out\n" };
alarm 900;

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

sub fail_hard {
	my ($why) = @_;
	diag($why);
	done_testing();
	exit 1;
}

# wait_until SECONDS CODE: CODE's true result, or false after SECONDS.
sub wait_until {
	my ($secs, $code) = @_;
	my $deadline = time + $secs;
	while (1) {
		my $r = $code->();
		return $r if $r;
		return 0 if time > $deadline;
		sleep 0.25;
	}
}

# scripts/free-port: a port below the ephemeral range, which no
# outgoing connection can take before the task binds it.
sub free_port {
	chomp(my $port = `scripts/free-port`);
	$port =~ /^\d+$/ or die "scripts/free-port found no port";
	return $port;
}

# The host's listening TCP sockets, as "address:port" (hex, as the kernel
# prints them in /proc/net/tcp and tcp6).
sub host_listeners {
	my @l;
	for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
		open my $fh, '<', $f or next;
		while (<$fh>) {
			my @f = split;
			push @l, $f[1] if defined $f[3] && $f[3] eq '0A';
		}
	}
	return @l;
}

sub listeners_on_port {
	my ($port) = @_;
	my $hex = sprintf '%04X', $port;
	return sort grep { /:\Q$hex\E$/ } host_listeners();
}

sub password {
	open my $fh, '<:raw', '/dev/urandom' or die "urandom: $!";
	read $fh, my $raw, 256;
	(my $pw = $raw) =~ tr/A-Za-z0-9//cd;
	return substr($pw, 0, 40);
}

# --- the task definitions, resolved -------------------------------------
# The container definitions of ecs/service.yaml (per service) and of the
# migration task in ecs/database.yaml, with parameters at their defaults
# and the database's address and the VPC range standing in for imports.
my $db_host = '10.0.2.2';
my $db_port = free_port();
my $resolver = <<'JS';
const { loadTemplate } = require('./ecs/validate/cfn-yaml.js');
const [dbHost, dbPort] = process.argv.slice(1);
const NOVALUE = Symbol('NoValue');
const imports = { 'DatabaseAddress': dbHost, 'DatabasePort': dbPort, 'VpcCidr': '10.0.0.0/16' };
function resolver(template, params) {
  const value = (name) => {
    if (name === 'AWS::NoValue') return NOVALUE;
    if (name === 'AWS::Region') return 'eu-west-1';
    if (name === 'AWS::StackName') return 'astro-test';
    if (name === 'AWS::Partition') return 'aws';
    if (name in params) return params[name];
    const p = (template.Parameters || {})[name];
    if (p) return p.Default;
    return `ref:${name}`;
  };
  const condition = (name) => resolve(template.Conditions[name]);
  function resolve(node) {
    if (Array.isArray(node)) return node.map(resolve).filter((v) => v !== NOVALUE);
    if (node === null || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const v = node[keys[0]];
      switch (keys[0]) {
        case 'Ref': return value(v);
        case 'Condition': return condition(v);
        case 'Fn::Equals': return String(resolve(v[0])) === String(resolve(v[1]));
        case 'Fn::Not': return !resolve(v[0]);
        case 'Fn::If': return resolve(condition(v[0]) ? v[1] : v[2]);
        case 'Fn::GetAtt': {
          const attr = v.join('.');
          if (attr === 'Database.Endpoint.Address') return dbHost;
          if (attr === 'Database.Endpoint.Port') return dbPort;
          return `getatt:${attr}`;
        }
        case 'Fn::FindInMap': {
          const [map, key, name] = v.map(resolve);
          return template.Mappings[map][key][name];
        }
        case 'Fn::ImportValue': {
          const name = resolve(v);
          const key = Object.keys(imports).find((k) => name.endsWith(`-${k}`));
          return key ? imports[key] : `import:${name}`;
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(v) ? [v[0], resolve(v[1])] : [v, {}];
          return text.replace(/\$\{([^}!]+)\}/g, (_, n) => (n in vars ? vars[n] : value(n)));
        }
      }
    }
    const out = {};
    for (const [k, val] of Object.entries(node)) {
      const r = resolve(val);
      if (r !== NOVALUE) out[k] = r;
    }
    return out;
  }
  return resolve;
}
const service = loadTemplate('ecs/service.yaml').doc;
const database = loadTemplate('ecs/database.yaml').doc;
const out = { tasks: {} };
for (const name of ['signup', 'hours', 'board']) {
  const td = resolver(service, { ServiceName: name })(service.Resources.TaskDefinition.Properties);
  const svc = resolver(service, { ServiceName: name })(service.Resources.Service.Properties);
  out.tasks[name] = { cpu: td.Cpu, memory: td.Memory, volumes: td.Volumes,
    containers: td.ContainerDefinitions, loadBalancers: svc.LoadBalancers };
}
out.migrate = resolver(database, {})(database.Resources.MigrateTaskDefinition.Properties);
process.stdout.write(JSON.stringify(out));
JS
my ($rc, $out) = run('node', '-e', $resolver, $db_host, $db_port);
is($rc, 0, 'the task definitions of ecs/service.yaml and ecs/database.yaml resolve')
	or fail_hard("node could not read the templates (npm ci?):\n$out");
my $defs = decode_json($out);

# podman run options for a container definition: what ECS would apply.
# $shared maps the task volumes that several containers mount to the
# podman volumes standing in for them.
sub run_options {
	my ($def, $shared) = @_;
	$shared ||= {};
	my @o = ('--user', $def->{User});
	push @o, '--read-only', '--read-only-tmpfs=false' if $def->{ReadonlyRootFilesystem};
	for my $m (@{ $def->{MountPoints} || [] }) {
		if (my $v = $shared->{ $m->{SourceVolume} }) {
			push @o, '-v', "$v:$m->{ContainerPath}:" . ($m->{ReadOnly} ? 'ro' : 'rw');
		} else {
			# A task volume one container alone mounts is an empty
			# folder it alone writes to.
			push @o, '--tmpfs', "$m->{ContainerPath}:rw,nosuid,nodev,mode=1777";
		}
	}
	push @o, '-e', "$_->{Name}=$_->{Value}" for @{ $def->{Environment} || [] };
	# The test CA stands in for the RDS bundle the image carries.
	my ($root) = map { $_->{Value} } grep { $_->{Name} eq 'PGSSLROOTCERT' } @{ $def->{Environment} || [] };
	push @o, '-v', "$scratch/test-ca.pem:$root:ro" if $root && !$def->{KeepImageCa};
	# Secrets reach podman through its environment, not its arguments.
	push @o, '-e', $_->{Name} for @{ $def->{Secrets} || [] };
	push @o, '--stop-timeout', $def->{StopTimeout} if $def->{StopTimeout};
	# LinuxParameters: an init process as PID 1, and the capabilities.
	my $lp = $def->{LinuxParameters} || {};
	push @o, '--init' if $lp->{InitProcessEnabled};
	push @o, map { ('--cap-drop', $_) } @{ ($lp->{Capabilities} || {})->{Drop} || [] };
	# Fargate has no per-task process limit to copy; this bounds a fork
	# bomb all the same.
	push @o, '--pids-limit', '256';
	return @o;
}

sub health_command {
	my ($def) = @_;
	my ($kind, @cmd) = @{ $def->{HealthCheck}{Command} };
	return $kind eq 'CMD-SHELL' ? ('/bin/sh', '-c', @cmd) : @cmd;
}

sub container_def {
	my ($task, $name) = @_;
	my ($c) = grep { $_->{Name} eq $name } @{ $task->{containers} };
	return $c;
}

# --- the images -----------------------------------------------------------
($rc, $out) = podman('info', '--format', '{{.Host.OCIRuntime.Name}}');
is($rc, 0, 'podman runs here') or fail_hard("podman is not usable: install it with scripts/deps test\n$out");
# make test runs t/7100 (which builds them) just before, and says so
# with ASTRO_IMAGES_BUILT: a second build would only walk podman's cache,
# half a minute on a busy machine. Run alone, this file builds them.
if ($ENV{ASTRO_IMAGES_BUILT}) {
	($rc, $out) = run('ecs/images.sh', 'sizes');
	is($rc, 0, 'the images t/7100 built are there (ecs/images.sh sizes)') or fail_hard($out);
} else {
	my $t0 = time;
	($rc, $out) = run('ecs/images.sh', 'build');
	is($rc, 0, 'the images are built (ecs/images.sh build)') or fail_hard($out);
	note(sprintf 'ecs/images.sh build took %.0f s', time - $t0);
}

# --- a database like RDS: TLS and passwords only ---------------------------
$scratch = tempdir('astro-7110-XXXXXX', TMPDIR => 1, CLEANUP => 0);
chmod 0711, $scratch;
$pgdir = "$scratch/pg";
($rc, $out) = run('scripts/pg', 'start', $pgdir);
is($rc, 0, 'a private PostgreSQL cluster starts') or fail_hard($out);
my $data = "$pgdir/data";
# The cluster's certificate is issued by a CA of the test's own for the
# address the pods dial, so the tasks' PGSSLMODE=verify-full holds: that
# CA stands in for the RDS bundle (mounted over PGSSLROOTCERT below).
my $test_ca = "$scratch/test-ca.pem";
($rc, $out) = run('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
	'-nodes', '-days', '1', '-subj', '/CN=astro-test-ca', '-keyout', "$scratch/test-ca.key",
	'-out', $test_ca);
is($rc, 0, 'a test CA stands in for the RDS certificate authorities') or fail_hard($out);
chmod 0644, $test_ca;
($rc, $out) = run('openssl', 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
	'-nodes', '-subj', '/CN=astro-test-db', '-keyout', "$data/server.key", '-out', "$scratch/server.csr");
is($rc, 0, 'the cluster gets a key') or fail_hard($out);
{
	open my $ext, '>', "$scratch/server.ext" or die "server.ext: $!";
	print $ext "subjectAltName = IP:$db_host\n";
	close $ext;
}
($rc, $out) = run('openssl', 'x509', '-req', '-in', "$scratch/server.csr", '-CA', $test_ca,
	'-CAkey', "$scratch/test-ca.key", '-CAcreateserial', '-days', '1',
	'-extfile', "$scratch/server.ext", '-out', "$data/server.crt");
is($rc, 0, "the cluster gets a TLS certificate for $db_host from the test CA") or fail_hard($out);
my @owner = (stat $data)[4, 5];
chown @owner, "$data/server.key", "$data/server.crt";
chmod 0600, "$data/server.key";
{
	open my $conf, '>>', "$data/postgresql.conf" or die "postgresql.conf: $!";
	print $conf "# t/7110: the pods reach the cluster through slirp4netns at the\n",
		"# host's loopback, over TLS only.\n",
		"listen_addresses = '127.0.0.1'\nport = $db_port\nssl = on\n",
		"ssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n";
	close $conf;
	open my $in, '<', "$data/pg_hba.conf" or die "pg_hba.conf: $!";
	my $hba = do { local $/; <$in> };
	close $in;
	open my $hb, '>', "$data/pg_hba.conf" or die "pg_hba.conf: $!";
	print $hb "hostssl all all 127.0.0.1/32 scram-sha-256\n", $hba;
	close $hb;
}
run('scripts/pg', 'stop', $pgdir);
($rc, $out) = run('scripts/pg', 'start', $pgdir);
is($rc, 0, 'the cluster restarts listening on 127.0.0.1 with TLS') or fail_hard($out);

my %pw = (admin => password(), map { $_ => password() } @services);
local $ENV{PGHOST} = $pgdir;
local $ENV{PGPORT} = $db_port;
local $ENV{PGUSER} = 'postgres';
delete local $ENV{PGPASSWORD};
delete local $ENV{PGDATABASE};

# psql as the superuser over the unix socket; returns (status, output).
sub psql {
	my ($db, $sql) = @_;
	my $file = "$scratch/query.sql";
	open my $fh, '>', $file or die "$file: $!";
	print $fh $sql;
	close $fh;
	return run('psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $db, '-f', $file);
}
# The admin login has what RDS's master user has for this: it creates
# roles and owns the database, and is no superuser.
($rc, $out) = psql('postgres', "CREATE ROLE astro_admin LOGIN CREATEROLE PASSWORD '$pw{admin}';\n"
	. "CREATE DATABASE astronaut_hours OWNER astro_admin;\n");
is($rc, 0, 'the database and its admin login exist') or fail_hard($out);

# --- the migration task ---------------------------------------------------
my $migrate = $defs->{migrate}{ContainerDefinitions}[0];
my @net = ('--network', 'slirp4netns:allow_host_loopback=true');
sub run_migrate {
	my (@cmd) = @_;
	my $name = "$tag-migrate";
	push @containers, $name;
	local $ENV{PGPASSWORD} = $pw{admin};
	local $ENV{SIGNUP_DB_PASSWORD} = $pw{signup};
	local $ENV{HOURS_DB_PASSWORD} = $pw{hours};
	local $ENV{BOARD_DB_PASSWORD} = $pw{board};
	local $ENV{"\U${_}\E_DB_USER"} = "astro_${_}_login" for @services;
	my @r = podman('run', '--rm', '--name', $name, @net, '--cpus', $defs->{migrate}{Cpu} / 1024,
		'--memory', "$defs->{migrate}{Memory}m", run_options($migrate), "$prefix/migrate", @cmd);
	@containers = grep { $_ ne $name } @containers;
	return @r;
}
is_deeply([sort map { $_->{Name} } @{ $migrate->{Secrets} }],
	[qw(BOARD_DB_PASSWORD BOARD_DB_USER HOURS_DB_PASSWORD HOURS_DB_USER PGPASSWORD
	    SIGNUP_DB_PASSWORD SIGNUP_DB_USER)],
	'the migration task gets the admin password and the three logins as secrets');
{
	# With the image's own bundle (RDS's authorities only), the test
	# cluster's certificate is refused: verify-full is in force.
	local $migrate->{KeepImageCa} = 1;
	($rc, $out) = run_migrate('psql', '-XAtc', 'SELECT 1');
	isnt($rc, 0, 'with the RDS bundle alone, the migration task refuses a server RDS did not certify');
	like($out, qr/certificate verify failed/, '... because verify-full checks the certificate') or diag($out);
}
($rc, $out) = run_migrate();
is($rc, 0, 'the migration image deploys the schema and the logins') or diag($out);
like($out, qr/^\s*\+ grants \.+ ok$/m, '... through sqitch, to the last change of the plan');
my $changes = () = grep { /^\w/ && !/^%/ } do {
	open my $fh, '<', 'sql/migrations/sqitch.plan' or die "sqitch.plan: $!";
	<$fh>;
};
($rc, $out) = psql('astronaut_hours', "SELECT count(*) FROM sqitch.changes WHERE project = 'astronaut-hours'");
is($out, "$changes\n", "sqitch recorded all $changes changes");
($rc, $out) = psql('postgres', "SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_authid"
	. " WHERE rolname LIKE 'astro\\_%\\_login' AND rolcanlogin AND rolpassword LIKE 'SCRAM-SHA-256\$%'");
is($out, "astro_board_login astro_hours_login astro_signup_login\n",
	'the three service logins exist with SCRAM passwords');
($rc, $out) = run_migrate();
is($rc, 0, 'running the migration task again succeeds');
like($out, qr/Nothing to deploy/, '... deploying nothing');
($rc, $out) = run_migrate('sqitch', 'status');
like($out, qr/Nothing to deploy \(up-to-date\)/,
	'a command given to the task (as ecs/migrate.sh does) runs in the sqitch project');

# --- the three tasks --------------------------------------------------------
my (%port, %pod, %fcgi_volume, %before);
for my $p (9000, 9100, 9101) {
	$before{$p} = join ' ', listeners_on_port($p);
}
for my $svc (@services) {
	my $task = $defs->{tasks}{$svc};
	my $app = container_def($task, 'app');
	my $nginx = container_def($task, 'nginx');
	my ($lb) = @{ $task->{loadBalancers} };
	is($lb->{ContainerName}, 'nginx', "$svc: the load balancer sends traffic to the nginx container");

	# A task volume that both containers mount becomes a podman volume of
	# this pod, empty until the first container seeds it from its image,
	# as Fargate does.
	my %mounts;
	for my $c ($app, $nginx) {
		push @{ $mounts{ $_->{SourceVolume} } }, $_->{ContainerPath} for @{ $c->{MountPoints} || [] };
	}
	my %shared;
	for my $v (map { $_->{Name} } @{ $task->{volumes} || [] }) {
		next unless @{ $mounts{$v} || [] } > 1;
		$shared{$v} = "$tag-$svc-$v";
		push @volumes, $shared{$v};
		($rc, $out) = podman('volume', 'create', $shared{$v});
		is($rc, 0, "$svc: a podman volume stands in for the task volume $v, which both containers mount")
			or diag($out);
		$fcgi_volume{$svc} = $shared{$v} if grep { $_ eq '/run/astro' } @{ $mounts{$v} };
	}
	ok($fcgi_volume{$svc}, "$svc: the task shares a volume between the containers at /run/astro");

	my $pod = $pod{$svc} = "$tag-$svc";
	$port{$svc} = free_port();
	push @pods, $pod;
	($rc, $out) = podman('pod', 'create', '--name', $pod, @net,
		'--publish', "127.0.0.1:$port{$svc}:$lb->{ContainerPort}",
		'--cpus', $task->{cpu} / 1024, '--memory', "$task->{memory}m");
	is($rc, 0, "$svc: a pod with the task's CPU ($task->{cpu}) and memory ($task->{memory} MiB)") or diag($out);

	# The pool first; the sidecar once the pool's health check passes
	# (dependsOn HEALTHY).
	{
		local $ENV{PGUSER} = "astro_${svc}_login";
		local $ENV{PGPASSWORD} = $pw{$svc};
		local $ENV{CSRF_SECRET} = $pw{admin} . $pw{signup};
		($rc, $out) = podman('run', '-d', '--pod', $pod, '--name', "$pod-app", run_options($app, \%shared),
			"$prefix/$svc");
	}
	is($rc, 0, "$svc: the app container starts") or diag($out);
	my @hc = health_command($app);
	my $healthy = wait_until(30, sub { (podman('exec', "$pod-app", @hc))[0] == 0 });
	ok($healthy, "$svc: the app container's health check passes (@hc)")
		or diag((podman('logs', "$pod-app"))[1]);

	($rc, $out) = podman('run', '-d', '--pod', $pod, '--name', "$pod-nginx", run_options($nginx, \%shared),
		"$prefix/nginx");
	is($rc, 0, "$svc: the nginx container starts") or diag($out);
	@hc = health_command($nginx);
	$healthy = wait_until(20, sub { (podman('exec', "$pod-nginx", @hc))[0] == 0 });
	ok($healthy, "$svc: the sidecar's health check passes (@hc[2 .. $#hc])")
		or diag((podman('logs', "$pod-nginx"))[1]);
}

# The sockets of a pod's network namespace, as its containers see them:
# the listening TCP ports (from /proc/net/tcp and tcp6), and the unix
# sockets that have a path, as [path, listening | connected | other]
# (from /proc/net/unix; accepted connections carry the listener's path).
sub pod_sockets {
	my ($container) = @_;
	my ($rc, $out) = podman('exec', $container, 'cat', '/proc/net/tcp', '/proc/net/tcp6', '/proc/net/unix');
	my (%tcp, @unix);
	for (split /\n/, $out) {
		my @f = split;
		if (@f > 3 && $f[1] =~ /:([0-9A-F]{4})$/ && $f[3] eq '0A') {
			$tcp{ hex $1 } = 1;
		} elsif (@f == 8 && $f[7] =~ m{^/}) {
			push @unix, [$f[7], $f[3] eq '00010000' ? 'listening' : $f[5] eq '03' ? 'connected' : 'other'];
		}
	}
	return ([sort { $a <=> $b } keys %tcp], \@unix);
}

# FastCGI inside one task: a unix socket in the shared volume, reached by
# the sidecar with kept connections, no TCP port; the pool's metrics and
# nginx's stub_status answer inside the pod.
sub fcgi_inside_task {
	my ($svc) = @_;
	my $task = $defs->{tasks}{$svc};
	my %app_env = map { $_->{Name} => $_->{Value} } @{ container_def($task, 'app')->{Environment} };
	my %nginx_env = map { $_->{Name} => $_->{Value} } @{ container_def($task, 'nginx')->{Environment} };
	my ($app, $nginx) = ("$pod{$svc}-app", "$pod{$svc}-nginx");

	# A FastCGI request just before looking, so that nginx holds a kept
	# connection (it closes idle ones after 5 s, and /healthz goes to the
	# pool's health endpoint, not through FastCGI). A unique query misses
	# the board's micro-cache.
	my $contract = decode_json(do { local (@ARGV, $/) = ('ecs/contract.json'); <> });
	my $fcgi_path = $contract->{routes}{$svc}{paths}[0];
	my $asked = 0;
	my $fresh_request = sub {
		AstroTest::Client->new("http://127.0.0.1:$port{$svc}")->get("$fcgi_path?kept=" . ++$asked);
	};
	$fresh_request->();
	my ($tcp, $unix) = pod_sockets($app);
	is_deeply($tcp, [8080, 9100, 9101],
		"$svc: the pod listens on TCP 8080 (sidecar), 9100 (pool metrics) and 9101 (stub_status) only, none of them FastCGI");
	# podman's port forwarder (rootlessport) listens in the pod too, on a
	# path of the host's: it stands in for Fargate's network, not the task.
	# The sign-up pool's hashing workers (log-ins, sign-ups) listen on a
	# socket of their own beside it, so pages never wait behind them.
	my @fcgi = $svc eq 'signup'
		? ('/run/astro/fcgi-hash.sock', '/run/astro/fcgi.sock')
		: ('/run/astro/fcgi.sock');
	# The sidecar's gate (the server in front of the pool that counts
	# requests at the pool) listens on a socket in the sidecar's own /tmp,
	# which the pool never sees.
	my $gate = '/tmp/nginx/gate.sock';
	my @listening = sort grep { !m{/rootlessport[^/]*/} } map { $_->[0] } grep { $_->[1] eq 'listening' } @$unix;
	is_deeply(\@listening, [sort @fcgi, $gate],
		"$svc: the pod's listening unix sockets are the pool's, @fcgi, and the sidecar's gate");
	# On a busy machine the look may come after the idle 5 s: ask again.
	my $kept = grep { $_->[0] eq '/run/astro/fcgi.sock' && $_->[1] eq 'connected' } @$unix;
	$kept ||= wait_until(10, sub {
		$fresh_request->();
		my (undef, $now) = pod_sockets($app);
		return scalar grep { $_->[0] eq '/run/astro/fcgi.sock' && $_->[1] eq 'connected' } @$now;
	});
	ok($kept, "$svc: nginx keeps FastCGI connections to the pool open (FCGI_KEEPALIVE=$nginx_env{FCGI_KEEPALIVE})")
		or diag(join "\n", map { "@$_" } @$unix);

	my $find = 'find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type s -print 2>/dev/null; '
		. 'stat -c "%i %u:%g %a" /run/astro/fcgi.sock /run/astro';
	my %seen;
	for my $ctr ($app, $nginx) {
		(my $rc, $seen{$ctr}) = podman('exec', $ctr, 'sh', '-c', $find);
	}
	my ($sockets, $inode) = $seen{$app} =~ m{\A(.*?)^(\d+) }ms;
	is(join('', map {"$_\n"} sort split /\n/, $sockets), join('', map {"$_\n"} @fcgi),
		"$svc app: the FastCGI sockets are in /run/astro and nowhere else")
		or diag($seen{$app});
	my $own = $seen{$nginx} =~ s{^\Q$gate\E\n}{}mr;
	isnt($own, $seen{$nginx}, "$svc nginx: the gate's socket is in the sidecar's /tmp");
	is($own, $seen{$app}, "$svc nginx: ... and the sidecar sees the very same FastCGI sockets there (inode, owner, mode)");
	like($seen{$app}, qr{^\d+ 10001:10001 700$}m, "$svc: /run/astro belongs to 10001, mode 0700, as the images make it");
	my ($rc, $mountpoint) = podman('volume', 'inspect', '--format', '{{.Mountpoint}}', $fcgi_volume{$svc});
	chomp $mountpoint;
	ok(-S "$mountpoint/fcgi.sock" && (stat _)[1] == $inode,
		"$svc: on the host, the socket is in the pod's volume $fcgi_volume{$svc}");

	my $upstream = (podman('exec', $nginx, 'cat', '/tmp/nginx/upstream.conf'))[1];
	like($upstream, qr{^\s*server \Q$nginx_env{FCGI_ADDR}\E;$}m,
		"$svc: nginx's upstream is FCGI_ADDR, $nginx_env{FCGI_ADDR}");
	like($upstream, qr{^\s*keepalive \Q$nginx_env{FCGI_KEEPALIVE}\E;$}m,
		"$svc: ... keeping $nginx_env{FCGI_KEEPALIVE} idle connections to the pool's $app_env{WORKERS} workers");

	# curl is in the sidecar image only; the pod's loopback is shared.
	($rc, my $metrics) = podman('exec', $nginx, 'curl', '-fsS', 'http://127.0.0.1:9100/metrics');
	is($rc, 0, "$svc: the pool's METRICS_LISTEN ($app_env{METRICS_LISTEN}) answers GET /metrics inside the pod");
	like($metrics, qr/^astro_requests_total\{service="\Q$svc\E",route="[^"]*",status="[23]0[03]"\} [1-9]/m,
		"$svc: ... with astro_requests_total counting the requests served");
	($rc, my $status) = podman('exec', $nginx, 'curl', '-fsS', 'http://127.0.0.1:9101/nginx_status');
	like($status, qr/^Active connections: \d+/,
		"$svc: nginx's STATUS_LISTEN ($nginx_env{STATUS_LISTEN}) answers stub_status inside the pod");
}

# --- what each task serves, and how ----------------------------------------
my %request = (
	signup => ['/signup', 200, qr{<form method="post" action="/signup"}, 'the sign-up form'],
	hours => ['/hours', 303, undef, 'a redirect to /login when signed out'],
	board => ['/board', 200, qr{<a href="/board.json">}, 'the board'],
);
for my $svc (@services) {
	my $c = AstroTest::Client->new("http://127.0.0.1:$port{$svc}");
	my $res = $c->get('/healthz');
	is($res->{status}, 200, "$svc: /healthz answers through the published port");
	my ($path, $status, $body, $what) = @{ $request{$svc} };
	$res = $c->get($path);
	is($res->{status}, $status, "$svc: GET $path gives $what");
	like($res->{content}, $body, "$svc: ... with its content") if $body;
	is($res->{headers}{location}, '/login', "$svc: ... to /login") if $status == 303;
	$res = $c->get('/static/style.css');
	is($res->{status}, 200, "$svc: the sidecar serves html/static");

	($rc, $out) = podman('port', "$pod{$svc}-app");
	is($out, "8080/tcp -> 127.0.0.1:$port{$svc}\n", "$svc: the pod publishes the sidecar port alone, on 127.0.0.1");
	is_deeply([map { /^([0-9A-F]+):/ ? $1 : $_ } listeners_on_port($port{$svc})], ['0100007F'],
		"$svc: ... and the host listens for it on 127.0.0.1 only");

	for my $ctr (qw(app nginx)) {
		my $name = "$pod{$svc}-$ctr";
		($rc, $out) = podman('top', $name, 'huser', 'user', 'args');
		my @rows = grep { !/^HUSER/ } split /\n/, $out;
		ok(@rows && !grep({ !/^10001\s+astro\s/ } @rows),
			"$svc $ctr: every process runs as uid 10001 on the host and in the container") or diag($out);
		($rc, $out) = podman('exec', $name, 'id', '-u');
		is($out, "10001\n", "$svc $ctr: podman exec runs as 10001 too");
		($rc, $out) = podman('exec', $name, 'sh', '-c',
			'for d in / /etc /usr/local/bin /run /var/tmp; do touch "$d/probe" 2>/dev/null && echo "$d"; done; true');
		is($out, '', "$svc $ctr: the root filesystem, /run and /var/tmp are read-only");
		($rc, $out) = podman('exec', $name, 'sh', '-c', 'touch /tmp/probe && rm /tmp/probe');
		is($rc, 0, "$svc $ctr: /tmp is writable");
		($rc, $out) = podman('exec', $name, 'sh', '-c', 'touch /run/astro/probe && rm /run/astro/probe');
		is($rc, 0, "$svc $ctr: /run/astro, the shared volume, is writable");
	}
	fcgi_inside_task($svc);
}
for my $p (9000, 9100, 9101) {
	is(join(' ', listeners_on_port($p)), $before{$p},
		"no port $p appeared on the host: FastCGI, the pool's metrics and stub_status stay inside the pods");
}

# --- a journey across the three tasks --------------------------------------
# The sign-up task signs in; the hours task knows the session (the shared
# sessions table); the board task shows the hours.
my $name = unique_name('Podman');
my $signup = AstroTest::Client->new("http://127.0.0.1:$port{signup}");
my $page = $signup->get('/signup');
my $res = $signup->post('/signup', { %{ form_fields($page->{content}, '/signup') },
	name => $name, password => 'awsvpc-task-1', confirm => 'awsvpc-task-1' });
is($res->{status}, 303, 'sign-up through the signup task') or diag($res->{content});
is($res->{headers}{location}, '/hours', '... sends the astronaut to /hours');

my $hours = AstroTest::Client->new("http://127.0.0.1:$port{hours}", $signup->ip);
$hours->set_cookie($_ => $signup->cookie($_)) for grep { defined $signup->cookie($_) } qw(ah_session ah_csrf);
$page = $hours->get('/hours');
is($page->{status}, 200, 'the hours task knows the session');
like($page->{content}, qr{Signed in as <strong>\Q$name\E</strong>}, '... as the new astronaut');
my $today = strftime('%Y-%m-%d', gmtime);
$res = $hours->post('/hours', { %{ form_fields($page->{content}, '/hours') },
	hours => '3.5', date => $today, note => 'Pod drill' });
is($res->{status}, 303, 'logging 3.5 hours through the hours task') or diag($res->{content});

my $board = AstroTest::Client->new("http://127.0.0.1:$port{board}");
$res = $board->get('/board.json');
my $json = eval { decode_json($res->{content}) } || {};
my ($row) = grep { $_->{name} eq $name } @{ $json->{astronauts} || [] };
is($row && $row->{hours}, 3.5, 'the board task shows the hours') or diag($res->{content});

$res = $signup->post('/logout', form_fields($page->{content}, '/logout'));
is($res->{status}, 303, 'logging out through the signup task');
$res = $hours->get('/hours');
is($res->{status}, 303, '... ends the session for the hours task too');

# Every pool's connection is TLS, as its login.
($rc, $out) = psql('postgres', "SELECT usename, bool_and(s.ssl) FROM pg_stat_activity a"
	. " JOIN pg_stat_ssl s USING (pid) WHERE usename LIKE 'astro\\_%\\_login' GROUP BY 1 ORDER BY 1");
is($out, "astro_board_login|t\nastro_hours_login|t\nastro_signup_login|t\n",
	'each pool is connected as its own login, over TLS only');

# --- logs -------------------------------------------------------------------
# The task definition samples fast successes (LOG_SAMPLE, in both
# containers); a refusal is always logged, by both, as standing for
# itself alone ("sample":1).
for my $ctr (qw(app nginx)) {
	my %e = map { $_->{Name} => $_->{Value} } @{ container_def($defs->{tasks}{signup}, $ctr)->{Environment} };
	ok(defined $e{LOG_SAMPLE} && $e{LOG_SAMPLE} > 0 && $e{LOG_SAMPLE} <= 1,
		"signup $ctr: the task definition sets LOG_SAMPLE (" . ($e{LOG_SAMPLE} // 'unset') . ')');
}
$res = AstroTest::Client->new("http://127.0.0.1:$port{signup}")->post('/signup', { name => 'x' });
is($res->{status}, 403, 'a sign-up without its form token is refused');
my $logged = sub {
	my ($ctr, $test) = @_;
	(undef, my $text) = podman('logs', $ctr);
	return grep { $test->($_) } map { eval { decode_json($_) } || () } grep { /^\{/ } split /\n/, $text;
};
ok(wait_until(10, sub { $logged->("$pod{signup}-nginx", sub { ($_[0]{uri} // '') eq '/signup'
		&& ($_[0]{status} // 0) == 403 && ($_[0]{sample} // '') eq '1' }) }),
	'the sidecar logs requests as JSON on stdout, the sampling rate in each line');
ok(wait_until(10, sub { $logged->("$pod{signup}-app", sub { ($_[0]{status} // 0) == 403
		&& ($_[0]{sample} // '') eq '1' }) }),
	'the pool logs requests as JSON on stdout, the sampling rate in each line');

# --- stopping, as ECS does: the sidecar first (it depends on the app) -----
# ECS sends SIGTERM whatever the image's STOPSIGNAL; the sidecar's
# entrypoint must turn it into nginx's graceful SIGQUIT.
for my $svc (@services) {
	for my $ctr (qw(nginx app)) {
		my $name = "$pod{$svc}-$ctr";
		my $started = time;
		($rc, $out) = podman('kill', '--signal', 'TERM', $name);
		is($rc, 0, "$svc $ctr: SIGTERM sent, as ECS stops a task") or diag($out);
		($rc, $out) = podman('wait', $name);
		my $took = time - $started;
		cmp_ok($took, '<', 10, sprintf("$svc $ctr: ... it ends in %.1f s, well inside the stop timeout", $took));
		($rc, $out) = podman('inspect', '--format', '{{.State.ExitCode}}', $name);
		is($out, "0\n", "$svc $ctr: ... with exit status 0");
		if ($ctr eq 'nginx') {
			($rc, $out) = podman('logs', $name);
			like($out, qr/^sidecar: SIGTERM, stopping nginx gracefully \(SIGQUIT\)$/m,
				"$svc nginx: ... having passed SIGTERM on as SIGQUIT, nginx's graceful stop");
		}
	}
	($rc, $out) = podman('pod', 'rm', $pod{$svc});
	is($rc, 0, "$svc: the pod is removed") or diag($out);
}
@pods = ();
for my $v (@volumes) {
	($rc, $out) = podman('volume', 'rm', $v);
	is($rc, 0, "the volume $v is removed") or diag($out);
}
@volumes = ();
($rc, $out) = podman('ps', '-a', '--format', '{{.Names}}', '--filter', "name=^$tag");
is($out, '', 'no container of this test is left');
($rc, $out) = podman('pod', 'ps', '--format', '{{.Name}}', '--filter', "name=^$tag");
is($out, '', 'no pod of this test is left');
($rc, $out) = podman('volume', 'ls', '--format', '{{.Name}}', '--filter', "name=^$tag");
is($out, '', 'no volume of this test is left');

cleanup();
ok(!-e $pgdir, 'the cluster is stopped and its folder removed');

done_testing();
