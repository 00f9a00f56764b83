#!/usr/bin/perl
# The monthly cost in ecs/README.md is ecs/cost's output: both sizes from
# the one price table, ecs/prices.json. Edit a price, a default or a size
# and this fails until the README is regenerated from the script.
use strict;
use warnings;
use Test::More;
use FindBin;

chdir "$FindBin::Bin/.." or die "cannot enter the repository: $!";

my $pid = open(my $fh, '-|') // die "fork: $!";
if (!$pid) {
	open(STDERR, '>&', \*STDOUT) or die "dup: $!";
	exec('ecs/cost') or do { print "cannot run ecs/cost: $!\n"; exit 127 };
}
my $out = do { local $/; <$fh> } // '';
close $fh;
is($? >> 8, 0, 'ecs/cost prices both sizes') or diag($out);

my @totals = $out =~ /^\| \*\*total\*\* \| \| \*\*([\d.]+)\*\* \|$/mg;
is(scalar @totals, 2, 'two tables, each with a total');
cmp_ok($totals[0], '>', 0, "the stack as shipped costs \$$totals[0] a month");
cmp_ok($totals[1], '>', $totals[0], "one million users cost more: \$$totals[1]");
for my $item ('Fargate', 'RDS instance', 'VPC endpoints', 'web ACL', 'Secrets Manager', 'CloudWatch alarms') {
	like($out, qr/^\| \Q$item\E \| /m, "the tables price $item");
}

my $readme = do { local (@ARGV, $/) = ('ecs/README.md'); <> };
ok(index($readme, $out) >= 0, 'ecs/README.md holds ecs/cost\'s output unchanged')
	or diag("regenerate the tables in ecs/README.md's Monthly cost from ecs/cost");
like($readme, qr/`ecs\/cost`/, '... and names the command');

# The sizes it prices are ones the templates accept.
my $million = do { local (@ARGV, $/) = ('ecs/million-users.json'); <> };
my ($class) = $million =~ /"DbInstanceClass": "([^"]+)"/;
my $db = do { local (@ARGV, $/) = ('ecs/database.yaml'); <> };
like($db, qr/^      - \Q$class\E$/m, "the one-million-user class, $class, is one DbInstanceClass allows");

done_testing();
