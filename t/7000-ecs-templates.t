#!/usr/bin/perl
# The CloudFormation templates in ecs/ pass the offline validator's
# architecture rules (cfn-lint's checks are t/7001's), and ecs/deploy.sh
# plans the stacks an operator expects, all without reaching AWS.
use strict;
use warnings;
use Test::More;
use FindBin;
use JSON::PP;

chdir "$FindBin::Bin/.." or die "cannot enter the repository: $!";

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

# The validator needs node and the npm packages `make test` installs with
# `npm ci`; without them this is a failure to fix, not a test to skip.
my ($rc, $out) = run('node', '--version');
ok($rc == 0 && $out =~ /^v(\d+)\./ && $1 >= 18, 'node 18 or later is installed')
	or diag("the template validator needs Node.js 18+ (Debian: apt-get install nodejs npm)");
ok(-f 'node_modules/js-yaml/package.json', 'the npm packages are installed')
	or diag('node_modules lacks js-yaml: run `npm ci` in the repository root');
if (!Test::More->builder->is_passing) {
	done_testing();
	exit 1;
}

($rc, $out) = run('node', 'ecs/validate/validate.js');
is($rc, 0, 'every template in ecs/ passes the validator') or diag($out);
like($out, qr/^ok: 4 templates, \d+ rules, \d+ parameter combinations$/m,
	'the validator checked the four templates over their parameter combinations');

# Every rule is documented for the operator who meets its message.
($rc, $out) = run('node', 'ecs/validate/validate.js', '--list-rules');
is($rc, 0, 'the validator lists its rules');
my @rules = map { (split /\t/)[0] } grep { /\S/ } split /\n/, $out;
cmp_ok(scalar @rules, '>=', 20, 'there are architecture rules');
my $readme = do { local (@ARGV, $/) = ('ecs/README.md'); <> };
for my $r (@rules) {
	like($readme, qr/`\Q$r\E`/, "ecs/README.md explains rule $r");
}

# The contract the sidecar config and the templates share.
my $contract = decode_json(do { local (@ARGV, $/) = ('ecs/contract.json'); <> });
is_deeply([sort keys %{ $contract->{routes} }], [sort @{ $contract->{services} }],
	'contract.json routes every service');
for my $svc (@{ $contract->{services} }) {
	for my $path (@{ $contract->{routes}{$svc}{paths} }) {
		my $hit = grep { my $re = quotemeta; $re =~ s/\\\*/.*/g; $path =~ /^$re$/ }
			@{ $contract->{routes}{$svc}{path_patterns} };
		ok($hit || $svc eq $contract->{default_service},
			"$svc path $path is matched by its own path patterns or is the default service's");
	}
}

# The contract's facts about FastCGI inside the task, as nginx/, the
# app image and the pool have them.
sub slurp { local (@ARGV, $/) = @_; return scalar <> }
like(slurp('nginx/snippets/fastcgi.conf'),
	qr/^fastcgi_read_timeout \Q$contract->{sidecar}{fastcgi_read_timeout_seconds}\Es;$/m,
	"contract.json has nginx's fastcgi_read_timeout ($contract->{sidecar}{fastcgi_read_timeout_seconds} s)");
like(slurp('nginx/render'), qr/^FCGI_ADDR=\$\{FCGI_ADDR:-\Q$contract->{sidecar}{fcgi_addr}\E\}$/m,
	"nginx/render dials the contract's socket, $contract->{sidecar}{fcgi_addr}, by default");
like(slurp('ecs/docker/app.Dockerfile'), qr/^\s+FCGI_LISTEN=\Q$contract->{app}{fcgi_listen}\E$/m,
	"the app image listens on the contract's socket, $contract->{app}{fcgi_listen}, by default");
my $config_c = slurp('fcgi-apps/common/config.c');
like($config_c, qr/config_str\("FCGI_LISTEN", "\Q$contract->{app}{fcgi_default_listen}\E"\)/,
	"contract.json knows the pool's own FCGI_LISTEN default, $contract->{app}{fcgi_default_listen}, which must stay unexposed");
like($config_c, qr/config_int\("DB_TIMEOUT_MS", \d+, \Q$contract->{app}{db_timeout_ms_min}\E,/,
	"contract.json knows the smallest DB_TIMEOUT_MS the pool takes ($contract->{app}{db_timeout_ms_min} ms)");

# The deploy plan, printed instead of run.
local $ENV{DRY_RUN} = 1;
my @images = qw(SignupImage=reg/signup:1 HoursImage=reg/hours:1 BoardImage=reg/board:1
	SidecarImage=reg/nginx:1 MigrateImage=reg/migrate:1 AlarmEmail=ops@example.com
	CertificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab);
($rc, $out) = run('ecs/deploy.sh', 'astro', 'eu-west-1', @images, 'DesiredCount=3',
	'BoardDesiredCount=4', 'AzCount=3');
is($rc, 0, 'deploy.sh plans a first deploy') or diag($out);
my @steps = map { /cloudformation deploy .*--stack-name (\S+)/ ? $1 : m{ecs/migrate\.sh (\S+) (\S+)} ? "migrate $1 $2" : () }
	split /\n/, $out;
is_deeply(\@steps, [qw(astro-network astro-cluster astro-database), 'migrate astro eu-west-1',
		qw(astro-signup astro-hours astro-board)],
	'network, cluster and database are deployed, then the migration runs, then the three services');
my %plan = map { /cloudformation deploy .*--stack-name (\S+)/ ? ($1 => $_) : () } split /\n/, $out;
for my $name (qw(network cluster database signup hours board)) {
	like($out, qr/^aws cloudformation update-termination-protection .*--stack-name astro-$name --enable-termination-protection/m,
		"astro-$name gets termination protection");
}
like($out, qr{^aws cloudformation set-stack-policy .*--stack-name astro-database --stack-policy-body file://\S+/ecs/database-stack-policy\.json}m,
	'the database stack gets its stack policy');
like($plan{'astro-network'}, qr/ --no-execute-changeset/, 'the network stack is changed through a change set to review');
like($plan{'astro-database'}, qr/ --no-execute-changeset/, 'so is the database stack');
unlike($plan{'astro-signup'}, qr/--no-execute-changeset/, 'service stacks deploy directly');
like($plan{'astro-signup'}, qr/ TaskCpu=1024 .* RequestsPerTaskTarget=190 .* MaxCount=60 /,
	'signup gets its own size from ecs/service-sizes');
like($plan{'astro-board'}, qr/ TaskCpu=256 .* RequestsPerTaskTarget=30000 /, 'board its own');
($rc, $out) = run('ecs/deploy.sh', 'astro', 'eu-west-1', @images, 'SignupTaskCpu=2048', 'SignupTaskMemory=4096');
like($out, qr/--stack-name astro-signup .* TaskCpu=2048 /, 'the command line wins over ecs/service-sizes');
unlike($out, qr/--stack-name astro-signup .* TaskCpu=1024 /, '... which then gives no second TaskCpu');
($rc, $out) = run('ecs/deploy.sh', 'astro', 'eu-west-1', @images, 'DesiredCount=3', 'BoardDesiredCount=4', 'AzCount=3');
like($plan{'astro-signup'}, qr/ Image=reg\/signup:1 /, 'SignupImage becomes Image of astro-signup');
like($plan{'astro-hours'}, qr/ Image=reg\/hours:1 /, 'HoursImage becomes Image of astro-hours');
like($plan{'astro-board'}, qr/ DesiredCount=4 /, 'BoardDesiredCount wins over DesiredCount for board');
unlike($plan{'astro-board'}, qr/ DesiredCount=3 /, 'board gets one DesiredCount');
like($plan{'astro-hours'}, qr/ DesiredCount=3 /, 'DesiredCount reaches the other services');
like($plan{'astro-network'}, qr/ AzCount=3 /, 'AzCount reaches the network stack');
unlike($plan{'astro-cluster'}, qr/Image=/, 'images go only to the stacks that declare them');
like($plan{'astro-signup'}, qr/ NetworkStack=astro-network ClusterStack=astro-cluster DatabaseStack=astro-database /,
	'service stacks import from the deployment\'s own stacks');

($rc, $out) = run('ecs/deploy.sh', 'astro', 'eu-west-1', grep { !/^MigrateImage=/ } @images);
isnt($rc, 0, 'a first deploy without MigrateImage is refused');
like($out, qr/astro-database does not exist yet and needs MigrateImage=/, '... naming what is missing');
unlike($out, qr/cloudformation deploy/, '... before any stack is touched');

($rc, $out) = run('ecs/deploy.sh', 'astro', 'eu-west-1', grep { !/^CertificateArn=/ } @images);
isnt($rc, 0, 'a first deploy without a certificate is refused: HTTPS is the only way in');
like($out, qr/astro-cluster does not exist yet and needs CertificateArn=/, '... naming what is missing');

($rc, $out) = run('ecs/deploy.sh', 'astro', 'eu-west-1', grep { !/^AlarmEmail=/ } @images);
isnt($rc, 0, 'a first deploy without anyone to receive the alarms is refused');
like($out, qr/astro-cluster does not exist yet and needs AlarmEmail=\.\.\. \(or AlarmTopicArn=\.\.\.\)/, '... naming what is missing');
unlike($out, qr/cloudformation deploy/, '... before any stack is touched');
($rc, $out) = run('ecs/deploy.sh', 'astro', 'eu-west-1', (grep { !/^AlarmEmail=/ } @images),
	'AlarmTopicArn=arn:aws:sns:eu-west-1:123456789012:ops');
is($rc, 0, 'an existing alarm topic will do instead') or diag($out);

($rc, $out) = run('ecs/deploy.sh', 'astro', 'eu-west-1', @images, 'DesiredCuont=3');
isnt($rc, 0, 'a misspelt parameter is refused');
like($out, qr/no template has a parameter DesiredCuont/, '... by name');

($rc, $out) = run('ecs/deploy.sh', 'astro', 'eu-west-1', @images, 'NetworkStack=other');
isnt($rc, 0, 'the stack wiring cannot be overridden');

($rc, $out) = run('ecs/deploy.sh', 'astro');
is($rc, 2, 'deploy.sh without a region prints its usage');

for my $script (qw(ecs/deploy.sh ecs/migrate.sh)) {
	($rc, $out) = run('bash', '-n', $script);
	is($rc, 0, "$script parses") or diag($out);
}

($rc, $out) = run('make', '-s', '-f', 'ecs/Makefile.inc', 'deploy', 'STACK=astro', 'REGION=eu-west-1',
	'PARAMS=' . join(' ', @images));
is($rc, 0, 'make deploy runs ecs/deploy.sh') or diag($out);
like($out, qr/--stack-name astro-board/, '... through to the last stack');
($rc, $out) = run('make', '-s', '-f', 'ecs/Makefile.inc', 'deploy');
is($rc, 2, 'make deploy without STACK and REGION prints its usage');

done_testing();
