#!/usr/bin/perl
# The database's roles in Prometheus, the way `make run` shows them:
# `scripts/stack run` with a standby database prints a graph of which
# node is primary; Prometheus scrapes the postgres exporter on the
# pg_auto_failover monitor and has one node primary and the other its
# standby; after `scripts/stack failover` the metric shows the roles
# swapped and the failover alert fires.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Test::More;

my $top = "$FindBin::Bin/..";
my $dir = tempdir('astro-run-XXXXXX', TMPDIR => 1, CLEANUP => 0);
chmod 0755, $dir;
my $out = "$dir/run.out";

# `scripts/stack run` in the background, as `make run` starts it; Ctrl-C
# (SIGINT) stops it, and the test's end always does.
my $run = fork // die "fork: $!";
if (!$run) {
    open STDOUT, '>', $out or POSIX::_exit(2);
    open STDERR, '>&', \*STDOUT or POSIX::_exit(2);
    setpgrp 0, 0;
    local @ENV{qw(DB_HA TASKS)} = (1, 1);
    exec("$top/scripts/stack", 'run', '--port', '0', '--dir', $dir,
        '--variant', $ENV{ASTRO_VARIANT} || 'release') or POSIX::_exit(127);
}
END {
    my $rc = $?;
    if ($run) {
        kill 'INT', $run;
        waitpid $run, 0;
        system("$top/scripts/stack", 'stop', '--dir', $dir);
        system('rm', '-rf', $dir);
    }
    $? = $rc;
}

sub printed { open my $fh, '<', $out or return ''; local $/; <$fh> }
my $up;
# Three database nodes and a monitor start first, which takes minutes
# while the rest of the suite loads the machine.
for (1 .. 36) { last if $up = wait_until(sub { printed() =~ /Press Ctrl-C/ || waitpid($run, POSIX::WNOHANG()) }) }
like printed(), qr/Press Ctrl-C/, 'scripts/stack run starts a stack with a standby database'
    or BAIL_OUT(printed() . `tail -n 20 '$dir/log/stack.log' 2>&1`);
my ($link) = printed() =~ /^\s*database role\s+(\S+)$/m;
ok $link, "  and prints a graph of the database's role ($link)";
my %q = map { my ($k, $v) = split /=/, $_, 2; ($k => $v // '') } split /&/, ($link =~ /\?(.*)/)[0] // '';
(my $expr = $q{'g0.expr'} // '') =~ s/%([0-9A-F]{2})/chr hex $1/ge;
is $expr, 'pg_autofailover_node_primary', '  of pg_autofailover_node_primary';

my $env = AstroTest::_read_env("$dir/stack.env");
my $prom = $env->{PROMETHEUS_URL};
like $link, qr{^\Q$prom\E/graph\?}, '  on the stack\'s Prometheus';
my $http = HTTP::Tiny->new(timeout => 10);

sub query {
    my ($q) = @_;
    my $res = $http->get("$prom/api/v1/query?" . $http->www_form_urlencode({ query => $q }));
    return [] unless $res->{success};
    return decode_json($res->{content})->{data}{result};
}
# { node => value } of a per-node metric.
sub by_node { return { map { ($_->{metric}{node} => $_->{value}[1]) } @{ query($_[0]) } } }
sub db { my $o = `$top/scripts/db @_ 2>&1`; chomp $o; return $o }
# Prometheus scrapes every 5 s: up to 30 s.
sub wait_long { my ($f) = @_; wait_until($f) || wait_until($f) || wait_until($f) }

my $primary = db('primary', "$dir/db");
my $standby = db('standby', "$dir/db");
like "$primary $standby", qr/^node[12] node[12]$/, "the monitor: $primary primary, $standby standby";

ok wait_long(sub { @{ query('up{job="database"} == 1') } == 1 }), 'Prometheus scrapes the exporter';
ok wait_long(sub {
    my ($p, $s) = (by_node('pg_autofailover_node_primary'), by_node('pg_autofailover_node_standby'));
    ($p->{$primary} // '') eq '1' && ($p->{$standby} // '') eq '0'
        && ($s->{$standby} // '') eq '1' && ($s->{$primary} // '') eq '0'
}), "  the metric has $primary primary and $standby its standby"
    or diag explain [ by_node('pg_autofailover_node_primary'), by_node('pg_autofailover_node_standby') ];
my ($state) = grep { $_->{metric}{node} eq $primary } @{ query('pg_autofailover_node_state') };
is_deeply [ @{ $state->{metric} }{qw(reported assigned)} ], [ 'primary', 'primary' ],
    "  with its state as the monitor has it (reported and assigned)";
ok wait_long(sub { (query('database:pg_autofailover_primary:count')->[0]{value}[1] // '') eq '1' }),
    '  one node takes writes (the recording rule)';
is scalar @{ query('ALERTS{alertname=~"Database.*"}') }, 0, '  and no database alert is pending';

my $sw = `$top/scripts/stack failover --dir $dir 2>&1`;
is $?, 0, 'scripts/stack failover switches the nodes over' or diag $sw;
ok wait_long(sub {
    my $p = by_node('pg_autofailover_node_primary');
    ($p->{$standby} // '') eq '1' && ($p->{$primary} // '') eq '0'
}), "after the failover the metric has $standby primary"
    or diag explain by_node('pg_autofailover_node_primary');
ok wait_long(sub { (by_node('pg_autofailover_node_standby')->{$primary} // '') eq '1' }),
    "  and $primary its standby once it has caught up";
ok wait_long(sub { @{ query('ALERTS{alertname="DatabaseFailedOver",alertstate="firing"}') } == 1 }),
    '  and the failover alert fires';
# The graph over the last minutes has both nodes primary at some time.
is_deeply by_node('max_over_time(pg_autofailover_node_primary[5m])'), { node1 => '1', node2 => '1' },
    '  the graph shows each node primary in turn';

done_testing;
