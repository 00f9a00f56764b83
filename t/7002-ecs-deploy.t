#!/usr/bin/perl
# ecs/deploy.sh against an AWS CLI stand-in (an `aws` first on PATH that
# records each call and answers like the real one): updates keep each
# service's running task count, the network and database stacks change
# only through a change set the operator has seen and approved, every
# stack gets termination protection and the database its stack policy.
# Nothing reaches AWS.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use JSON::PP;

chdir "$FindBin::Bin/.." or die "cannot enter the repository: $!";

my $dir = tempdir('ecs-deploy-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $log = "$dir/calls";

# The stand-in: FAKE_STACKS names the stacks that exist, FAKE_DESIRED the
# desired count describe-services reports, FAKE_CHANGES=no makes every
# change set empty.
open(my $fh, '>', "$dir/aws") or die "aws: $!";
print $fh <<'PERL';
#!/usr/bin/perl
use strict;
use warnings;
open(my $log, '>>', $ENV{FAKE_LOG}) or die "log: $!";
print $log join(' ', @ARGV), "\n";
close $log;
my %opt;
for my $i (0 .. $#ARGV) {
	$opt{$1} = $ARGV[$i + 1] if $ARGV[$i] =~ /^--([a-z-]+)$/ && $i < $#ARGV && $ARGV[$i + 1] !~ /^--/;
}
# Stacks that exist: FAKE_STACKS, and those this run has made.
my $made = "$ENV{FAKE_LOG}.stacks";
my %exists = map { $_ => 1 } split ' ', ($ENV{FAKE_STACKS} // '');
if (open my $m, '<', $made) { chomp(my @m = <$m>); $exists{$_} = 1 for @m }
sub made { open my $m, '>>', $made or die "made: $!"; print $m "$_[0]\n"; close $m }
my $cmd = join ' ', grep { !/^-/ } @ARGV[0 .. 1];
if ($cmd eq 'sts get-caller-identity') { print qq({"Account": "123456789012"}\n); exit 0 }
if ($cmd eq 'cloudformation describe-stacks') {
	exit 255 unless $exists{ $opt{'stack-name'} };
	my $q = $opt{query} // '';
	print "astro-cluster-Cluster-1A2B3C\n" if $q =~ /ClusterName/;
	print "https://astro-lb.example/\n" if $q =~ /SiteUrl/;
	exit 0;
}
if ($cmd eq 'cloudformation deploy') {
	if (grep { $_ eq '--no-execute-changeset' } @ARGV) {
		if (($ENV{FAKE_CHANGES} // '') eq 'no') {
			print "\nWaiting for changeset to be created..\n\nNo changes to deploy. Stack $opt{'stack-name'} is up to date\n";
			exit 0;
		}
		print "\nWaiting for changeset to be created..\nChangeset created successfully. Run the following command to review changes:\n"
			. "aws cloudformation describe-change-set --change-set-name "
			. "arn:aws:cloudformation:eu-west-1:123456789012:changeSet/awscli-cloudformation-package-deploy-1/$opt{'stack-name'}\n";
		exit 0;
	}
	made($opt{'stack-name'});
	print "Successfully created/updated stack - $opt{'stack-name'}\n";
	exit 0;
}
if ($cmd eq 'cloudformation describe-change-set') {
	print "|  Modify |  Database  |  AWS::RDS::DBInstance  |  False  |\n";
	exit 0;
}
if ($cmd eq 'cloudformation execute-change-set') { made($1) if $opt{'change-set-name'} =~ m{/([^/]+)$}; exit 0 }
if ($cmd eq 'ec2 describe-managed-prefix-lists') { print "pl-6ea54007\n"; exit 0 }
if ($cmd eq 'ecs describe-services') { print(($ENV{FAKE_DESIRED} // 'None') . "\n"); exit 0 }
exit 0;
PERL
close $fh;
chmod 0755, "$dir/aws";

# deploy(INPUT, ENV, ARGS...): (status, output, the aws calls made)
sub deploy {
	my ($input, $env, @args) = @_;
	unlink $log, "$log.stacks";
	local $ENV{PATH} = "$dir:$ENV{PATH}";
	local $ENV{FAKE_LOG} = $log;
	local $ENV{SKIP_MIGRATE} = 1;
	delete local $ENV{DRY_RUN};
	delete local $ENV{ASSUME_YES};
	local @ENV{ keys %$env } = values %$env;
	open(my $in, '>', "$dir/input") or die "input: $!";
	print $in $input;
	close $in;
	my $pid = open(my $out, '-|') // die "fork: $!";
	if (!$pid) {
		open(STDIN, '<', "$dir/input") or die "stdin: $!";
		open(STDERR, '>&', \*STDOUT) or die "dup: $!";
		# No terminal: the answer comes from standard input.
		require POSIX;
		POSIX::setsid();
		exec('ecs/deploy.sh', @args) or do { print "cannot run deploy.sh: $!\n"; exit 127 };
	}
	my $text = do { local $/; <$out> } // '';
	close $out;
	my $rc = $? >> 8;
	my @calls = -f $log ? split(/\n/, do { local (@ARGV, $/) = ($log); <> }) : ();
	return ($rc, $text, \@calls);
}

my @all = map { "astro-$_" } qw(network cluster database signup hours board);
my %existing = (FAKE_STACKS => "@all");
my @images = qw(SignupImage=reg/signup:2 HoursImage=reg/hours:2 BoardImage=reg/board:2 SidecarImage=reg/nginx:2);

# --- an update, approved --------------------------------------------------
my ($rc, $out, $calls) = deploy("y\ny\n", { %existing, FAKE_DESIRED => 7 }, 'astro', 'eu-west-1', @images);
is($rc, 0, 'an update runs through when both change sets are approved') or diag($out);
my @deploys = grep { /^cloudformation deploy / } @$calls;
is(scalar @deploys, 6, 'one deploy per stack');
for my $svc (qw(signup hours board)) {
	my ($d) = grep { /--stack-name astro-$svc / } @deploys;
	like($d, qr/ DesiredCount=7( |$)/, "astro-$svc keeps the 7 tasks its service runs now");
	like($d, qr/ MinCount=2( |$)/, '... while its autoscaling floor stays 2');
}
ok((grep { /^ecs describe-services .*--cluster astro-cluster-Cluster-1A2B3C .*--services astro-signup / } @$calls),
	'the running count is read from the service in the deployment\'s cluster');
like($out, qr/changes to astro-network:.*\|  Modify \|  Database/s, 'the network stack\'s change set is shown');
like($out, qr/changes to astro-database:/, 'so is the database stack\'s');
like($out, qr/execute the change set of astro-network\? \[y\/N\]/, 'the operator is asked before the network changes');
for my $name (qw(network database)) {
	my @mine = grep { /--stack-name astro-$name( |$)|changeSet\/\S*\/astro-$name( |$)/ } @$calls;
	my ($made) = grep { $mine[$_] =~ /^cloudformation deploy .*--no-execute-changeset/ } 0 .. $#mine;
	my ($shown) = grep { $mine[$_] =~ /^cloudformation describe-change-set / } 0 .. $#mine;
	my ($done) = grep { $mine[$_] =~ /^cloudformation execute-change-set / } 0 .. $#mine;
	my ($waited) = grep { $mine[$_] =~ /^cloudformation wait stack-update-complete / } 0 .. $#mine;
	ok(defined $made && defined $shown && defined $done && defined $waited && $made < $shown && $shown < $done
		&& $done < $waited, "astro-$name: change set made, shown, executed once approved, waited for")
		or diag(join "\n", @mine);
}
for my $name (qw(network cluster database signup hours board)) {
	ok((grep { /^cloudformation update-termination-protection .*--stack-name astro-$name --enable-termination-protection/ } @$calls),
		"astro-$name has termination protection");
}
my @policy = grep { /^cloudformation set-stack-policy / } @$calls;
ok(@policy && (grep { /--stack-name astro-database --stack-policy-body file:\/\/\S+\/database-stack-policy\.json/ } @policy),
	'the database stack gets its stack policy');
my ($policy_at) = grep { $calls->[$_] =~ /^cloudformation set-stack-policy / } 0 .. $#$calls;
my ($db_exec) = grep { $calls->[$_] =~ /^cloudformation execute-change-set .*astro-database$/ } 0 .. $#$calls;
ok(defined $policy_at && defined $db_exec && $policy_at < $db_exec, '... before its change set runs');

my ($net) = grep { /^cloudformation deploy .*--stack-name astro-network / } @$calls;
like($net, qr/ S3PrefixListId=pl-6ea54007( |$)/, 'the network stack gets the region\'s S3 prefix list, looked up');
ok((grep { /^ec2 describe-managed-prefix-lists .*Name=prefix-list-name,Values=com\.amazonaws\.eu-west-1\.s3/ } @$calls),
	'... by its name');

# --- a change set refused ---------------------------------------------------
($rc, $out, $calls) = deploy("n\n", \%existing, 'astro', 'eu-west-1', @images);
isnt($rc, 0, 'answering n stops the deploy');
like($out, qr/astro-network: change set not approved; nothing was changed/, '... saying so');
ok(!(grep { /^cloudformation execute-change-set / } @$calls), '... without executing anything');
ok((grep { /^cloudformation delete-change-set / } @$calls), '... and the change set is deleted');
ok(!(grep { /--stack-name astro-(cluster|database|signup)/ && /^cloudformation deploy/ } @$calls),
	'... before any later stack');

($rc, $out, $calls) = deploy('', \%existing, 'astro', 'eu-west-1', @images);
isnt($rc, 0, 'no answer at all is no approval');

# --- told not to ask --------------------------------------------------------
($rc, $out, $calls) = deploy('', \%existing, '--yes', 'astro', 'eu-west-1', @images);
is($rc, 0, '--yes executes the change sets without asking') or diag($out);
unlike($out, qr/\[y\/N\]/, '... and asks nothing');
is(scalar(grep { /^cloudformation execute-change-set / } @$calls), 2, '... both change sets');
($rc, $out, $calls) = deploy('', { %existing, ASSUME_YES => 1 }, 'astro', 'eu-west-1', @images);
is($rc, 0, 'ASSUME_YES=1 does the same') or diag($out);

# --- nothing to change, an explicit count, a first deploy -------------------
($rc, $out, $calls) = deploy('', { %existing, FAKE_CHANGES => 'no', FAKE_DESIRED => 5 }, 'astro', 'eu-west-1', @images);
is($rc, 0, 'empty change sets need no approval') or diag($out);
like($out, qr/astro-network has no changes/, '... and are reported');
($rc, $out, $calls) = deploy('', { %existing, FAKE_CHANGES => 'no', FAKE_DESIRED => 5 }, 'astro', 'eu-west-1', @images,
	'BoardDesiredCount=9');
my ($board) = grep { /^cloudformation deploy .*--stack-name astro-board / } @$calls;
like($board, qr/ DesiredCount=9( |$)/, 'a DesiredCount on the command line wins');
unlike($board, qr/ DesiredCount=5/, '... over the running count');

($rc, $out, $calls) = deploy("y\ny\n", { FAKE_STACKS => '' }, 'astro', 'eu-west-1', @images, 'MigrateImage=reg/migrate:2',
	'AlarmEmail=ops@example.com',
	'CertificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab');
is($rc, 0, 'a first deploy runs') or diag($out);
ok((grep { /^cloudformation wait stack-create-complete .*--stack-name astro-database/ } @$calls),
	'... waiting for the new database stack to be created');
ok(!(grep { /^ecs describe-services / } @$calls), '... with no running count to keep');
($board) = grep { /^cloudformation deploy .*--stack-name astro-board / } @$calls;
unlike($board, qr/DesiredCount=/, '... so the template\'s DesiredCount applies');

# --- the stack policy itself ----------------------------------------------------
my $policy = decode_json(do { local (@ARGV, $/) = ('ecs/database-stack-policy.json'); <> });
my $db_template = do { local (@ARGV, $/) = ('ecs/database.yaml'); <> };
my ($db_id) = $db_template =~ /^  (\w+):\n    Type: AWS::RDS::DBInstance$/m;
ok($db_id, "database.yaml has an RDS instance ($db_id)");
my @deny = grep { $_->{Effect} eq 'Deny' } @{ $policy->{Statement} };
my %denied = map { $_ => 1 } map { ref $_->{Resource} ? @{ $_->{Resource} } : $_->{Resource} } @deny;
my %actions = map { $_ => 1 } map { ref $_->{Action} ? @{ $_->{Action} } : $_->{Action} } @deny;
ok($denied{"LogicalResourceId/$db_id"}, 'the stack policy protects the database instance');
ok($actions{'Update:Replace'} && $actions{'Update:Delete'}, '... from replacement and deletion');
for my $r (keys %denied) {
	my ($id) = $r =~ m{^LogicalResourceId/(\w+)$};
	like($db_template, qr/^  \Q$id\E:\n/m, "the stack policy names $id, a resource of database.yaml");
}
ok((grep { $_->{Effect} eq 'Allow' && $_->{Action} eq 'Update:*' } @{ $policy->{Statement} }),
	'everything else may be updated');

done_testing();
