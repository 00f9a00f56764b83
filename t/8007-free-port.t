#!/usr/bin/perl
# scripts/free-port, which picks every port a stack, a bench or a task
# test listens on: the port is free, and below the kernel's ephemeral
# range, where no outgoing connection can take it before the listener
# binds it.
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);
use IO::Socket::IP;
use Test::More;

chdir "$FindBin::Bin/.." or die "cannot enter the repository: $!";
# A registry of handed-out ports of this test's own.
$ENV{FREE_PORT_REGISTRY} = tempdir('astro-ports-XXXXXX', TMPDIR => 1, CLEANUP => 1) . '/ports';

open my $fh, '<', '/proc/sys/net/ipv4/ip_local_port_range' or plan skip_all => "no ephemeral range: $!";
my ($ephemeral) = split ' ', scalar <$fh>;
plan skip_all => "the ephemeral range starts at $ephemeral: too few ports below it"
	if $ephemeral < 11000;

my %seen;
for my $n (1 .. 20) {
	chomp(my $port = `scripts/free-port`);
	is($?, 0, "run $n: scripts/free-port succeeds") or next;
	like($port, qr/^\d+$/, "  prints a port ($port)") or next;
	cmp_ok($port, '<', $ephemeral, '  below the ephemeral range');
	cmp_ok($port, '>=', 10000, '  and above the well-known and registered ports most services use');
	ok(IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => $port, Listen => 1,
		ReuseAddr => 0), '  and nothing listens on it') or diag("bind $port: $!");
	$seen{$port}++;
}
cmp_ok(scalar keys %seen, '>', 10, 'twenty runs pick ports at random, not one fixed port');

# A port something listens on is never printed: in a range of five
# ports, hold four and the fifth comes out; hold all five and it fails.
sub hold { IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => $_[0], Listen => 1) }
my ($low, @held);
for my $try (1 .. 50) {
	my $start = 20000 + int rand(5000);
	my @h = map { hold($_) } $start .. $start + 4;
	if (5 == grep { defined } @h) { ($low, @held) = ($start, @h); last }
}
SKIP: {
	skip 'found no five free ports in a row', 3 unless defined $low;
	my $range = "$low-" . ($low + 4);
	my $spare = $low + 2;
	undef $held[2];
	for (1 .. 5) {
		chomp(my $port = `FREE_PORT_RANGE=$range scripts/free-port`);
		is($port, $spare, "with four of $range held, the fifth ($spare) is chosen") or last;
	}
	$held[2] = hold($spare) or skip "port $spare was taken meanwhile", 2;
	my $out = `FREE_PORT_RANGE=$range scripts/free-port 2>&1`;
	isnt($?, 0, 'with the whole range held, scripts/free-port fails');
	like($out, qr/no free port between $low and/, '  and says why');
}
# A port handed out is not handed out again while its listener may still
# be starting (another stack picking at the same moment would otherwise
# bind it first), as long as another port is free.
my $pair;
for my $try (1 .. 50) {
	my $start = 25000 + int rand(5000);
	my @h = map { hold($_) } $start, $start + 1;
	if (2 == grep { defined } @h) { $pair = $start; last }
}
SKIP: {
	skip 'found no two free ports in a row', 3 unless defined $pair;
	my $range = "$pair-" . ($pair + 1);
	chomp(my $first = `FREE_PORT_RANGE=$range scripts/free-port`);
	chomp(my $second = `FREE_PORT_RANGE=$range scripts/free-port`);
	like($first, qr/^\d+$/, "in $range, a first port ($first)");
	isnt($second, $first, "  and the second call gives the other one ($second), not the one just handed out");
	ok(-d "$ENV{FREE_PORT_REGISTRY}/$first" && -d "$ENV{FREE_PORT_REGISTRY}/$second",
		'  both noted in the registry');
}

# Several ports in one call (a task's three, a formation's four): all
# different, all free, all noted; more than the range has is refused.
my @many = split ' ', `scripts/free-port 4`;
is($?, 0, 'scripts/free-port 4 succeeds');
is(scalar(@many), 4, '  with four ports');
is(scalar(keys %{ { map { $_ => 1 } @many } }), 4, '  all different');
is(scalar(grep { /^\d+$/ && defined hold($_) } @many), 4, '  all free to listen on');
is(scalar(grep { -d "$ENV{FREE_PORT_REGISTRY}/$_" } @many), 4, '  all noted in the registry');
SKIP: {
	skip 'found no two free ports in a row', 2 unless defined $pair;
	my $range = "$pair-" . ($pair + 1);
	my $out = `FREE_PORT_RANGE=$range scripts/free-port 3 2>&1`;
	isnt($?, 0, "three ports from the two of $range: refused");
	like($out, qr/no 3 free ports between $pair and/, '  saying why');
}
for my $n ('0', 'x', '100', '-1') {
	my $out = `scripts/free-port '$n' 2>&1`;
	isnt($?, 0, "scripts/free-port '$n' is refused");
	like($out, qr/usage: scripts\/free-port \[N\]/, '  with its usage');
}

my $bad = `FREE_PORT_RANGE=9-x scripts/free-port 2>&1`;
like($bad, qr/FREE_PORT_RANGE must be LOW-HIGH/, 'a malformed range is refused with a clear error');

done_testing;
