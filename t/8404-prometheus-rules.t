#!/usr/bin/perl
# The Prometheus configuration and rules (prometheus/): promtool checks
# them, and its unit tests (prometheus/tests/) show each alert firing on
# the series that should raise it and quiet on healthy ones.
use strict;
use warnings;
use FindBin;
use File::Temp ();
use Test::More;

my $top = "$FindBin::Bin/..";
my $dir = "$top/prometheus";

sub run_ok {
    my ($name, @cmd) = @_;
    my $out = `@cmd 2>&1`;
    is $?, 0, $name or diag $out;
    return $out;
}

like run_ok('promtool check rules', 'promtool', 'check', 'rules', glob("$dir/rules/*.yml")),
    qr/SUCCESS: [0-9]+ rules found/, '  the rules parse';

# The configuration as scripts/stack renders it.
my $tmp = File::Temp->newdir;
open my $in, '<', "$dir/prometheus.yml.in" or die $!;
my $conf = do { local $/; <$in> };
$conf =~ s/\@TARGETS\@/$tmp/g;
$conf =~ s/\@RULES\@/$dir\/rules/g;
$conf =~ s/\@HAPROXY_METRICS\@/127.0.0.1:9/g;
unlike $conf, qr/\@[A-Z_]+\@/, 'every placeholder in prometheus.yml.in is filled';
open my $out, '>', "$tmp/prometheus.yml" or die $!;
print $out $conf;
close $out;
run_ok('promtool check config', 'promtool', 'check', 'config', "$tmp/prometheus.yml");

# Every alarm of ecs/service.yaml has its alert.
my $rules = do { open my $fh, '<', "$dir/rules/astro.yml" or die $!; local $/; <$fh> };
like $rules, qr/alert: $_\b/, "an alert $_" for qw(ServiceLatencyHigh Service5xx TaskUnhealthy
    NoHealthyTask TasksBelowDesired DatabaseUnavailable);

# The database's roles (pg_auto_failover's monitor, through the postgres
# exporter): its alerts, and the exporter's queries naming the metrics
# they read.
my $db_rules = do { open my $fh, '<', "$dir/rules/database.yml" or die $!; local $/; <$fh> };
like $db_rules, qr/alert: $_\b/, "an alert $_" for qw(DatabaseNoPrimary DatabaseStandbyLost
    DatabaseFailedOver DatabaseMonitorDown);
my $queries = do { open my $fh, '<', "$dir/db-role-queries.yml" or die $!; local $/; <$fh> };
my %gauges = map { $_ => 1 } $db_rules =~ /\b(pg_autofailover_node_[a-z]+)\b/g;
for my $metric (sort keys %gauges) {
    my ($query, $column) = $metric =~ /^(pg_autofailover_node)_([a-z]+)$/;
    like $queries, qr/^\Q$query\E:\n(?:[ #].*\n)*?    - \Q$column\E:\n        usage: "GAUGE"/m,
        "  $metric is a gauge of the exporter's queries";
}

for my $t (glob "$dir/tests/*.yml") {
    like run_ok("promtool test rules $t", 'cd', $dir, '&&', 'promtool', 'test', 'rules', $t),
        qr/SUCCESS/, '  passes';
}

# A broken expectation is caught: the tests can fail.
my $broken = "$tmp/broken_test.yml";
open my $src, '<', "$dir/tests/astro_test.yml" or die $!;
my $test = do { local $/; <$src> } =~ s{\.\./rules/}{$dir/rules/}r =~ s/30 5xx answers/31 5xx answers/r;
open my $dst, '>', $broken or die $!;
print $dst $test;
close $dst;
my $res = `promtool test rules $broken 2>&1`;
isnt $?, 0, 'promtool test rules fails when an expectation is wrong';

done_testing;
