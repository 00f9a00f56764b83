#!/usr/bin/perl
# The database as RDS Multi-AZ has it, started the way `make run` starts
# it (`scripts/stack run` with a standby database): a primary whose
# commits wait for a synchronous standby, both reached by the pools
# through a host list with target_session_attrs=read-write, and
# Prometheus scraping the pg_auto_failover monitor's view of their roles
# (the postgres exporter), whose graph `scripts/stack run` prints. Then
# `scripts/stack failover` switches the nodes over under steady load:
# no acknowledged entry is lost or stored twice, the service keeps its
# data, a form sent again is stored once, the old primary follows as the
# standby, the metric shows the roles swapped and the failover alert
# fires. One formation and one switchover, checked from every side: a
# formation takes minutes to start on a busy machine, and its keepers and
# health checks keep most of a core busy while it runs. (The stack is
# make run's but for the per-astronaut entry limit, lifted for the load.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use AstroLoad;
use File::Temp qw(tempdir);
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
    local @ENV{qw(DB_HA TASKS HOURS_RATE_MAX)} = (1, 1, 1000000);
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

# The clients of this test (AstroTest) use the stack run started.
$ENV{ASTRO_STACK} = "$dir/stack.env";
my $env = stack();
my $db = $env->{DB_DIR};
is $db, "$dir/db", 'the stack runs a formation (DB_DIR in stack.env)';
is $env->{PGTARGETSESSIONATTRS}, 'read-write', 'clients ask for the read-write node';
is scalar(split /,/, $env->{PGHOST}), 2, '  from a list of two hosts';

sub db { my $o = `$top/scripts/db @_ 2>&1`; chomp $o; return $o }

# psql against one node, whatever its role.
sub on_node {
    my ($node, $sql) = @_;
    my %n = map { split /=/, $_, 2 } split /\n/, db('node-env', $db, $node);
    return psql({ %$env, %n, PGTARGETSESSIONATTRS => 'any' }, $sql);
}

# --- the formation ---------------------------------------------------------
my $primary = db('primary', $db);
my $standby = db('standby', $db);
like $primary, qr/^node[12]$/, "the monitor names a primary ($primary)";
like $standby, qr/^node[12]$/, "  and a candidate standby ($standby)";
isnt $primary, $standby, '  two different nodes';
is on_node($primary, 'SELECT pg_is_in_recovery()'), 'f', 'the primary accepts writes';
is on_node($standby, 'SELECT pg_is_in_recovery()'), 't', 'the standby replays';
like on_node($primary, 'SHOW synchronous_standby_names'), qr/^(?:FIRST|ANY) 1 \(\S+, \S+\)$/,
    'commits wait for one of two standbys (synchronous_standby_names)';
is on_node($primary, "SELECT string_agg(sync_state, ' ' ORDER BY sync_state DESC) FROM pg_stat_replication"),
    'quorum quorum', '  both streaming in the quorum: a commit waits for either';
is on_node('node3', 'SELECT pg_is_in_recovery()'), 't', 'node3 replays';
open my $pf, '<', "$db/ports" or die "$db/ports: $!\n";
my ($monitor_port) = split ' ', <$pf>;
is psql({ %$env, PGHOST => "$db/run", PGPORT => $monitor_port, PGDATABASE => 'pg_auto_failover',
        PGTARGETSESSIONATTRS => 'any' },
    "SELECT string_agg(nodename || ' ' || candidatepriority || ' ' || replicationquorum, ', ' ORDER BY nodename)"
    . " || '; ' || (SELECT number_sync_standbys FROM pgautofailover.formation WHERE formationid = 'default')"
    . " FROM pgautofailover.node"),
    'node1 50 true, node2 50 true, node3 0 true; 1',
    '  never a candidate (priority 0), in the quorum, one standby always confirming a commit';
is on_node($primary, 'SHOW synchronous_commit'), 'on', '  with synchronous_commit on';
# TCP on loopback and, in the namespaced tiers (make run's default where
# they can be made), on the node's own address in the isolated tier;
# t/8604 checks a stack without namespaces (loopback only).
my %tier = (node1 => $env->{NET_DB}, node2 => $env->{NET_DB2});
for my $node ($primary, $standby) {
    my $want = join ',', '127.0.0.1', $env->{NET} eq 'netns' ? ($tier{$node} // 'none') : ();
    is on_node($node, 'SHOW listen_addresses'), $want, "$node listens on $want only";
}

my $c = signup_ok(unique_name('Standby'), 'two copies of it');
my $form = form_fields($c->get('/hours')->{content}, '/hours');
is $c->post('/hours', { %$form, hours => '2.5', date => '2026-01-02', note => 'before' })->{status},
    303, 'an entry is logged through the primary';
my $key = $form->{key};
my $sql = "SELECT count(*) FROM astro.hours_entries WHERE replace(idempotency_key::text, '-', '') = '$key'";
# Acknowledged means flushed on the standby; replay follows at once.
ok wait_until(sub { on_node($standby, $sql) == 1 }), '  and is on the standby once it is acknowledged';

# --- the roles in Prometheus ----------------------------------------------
my ($link) = printed() =~ /^\s*database role\s+(\S+)$/m;
ok $link, "scripts/stack run prints a graph of the database's role ($link)";
my %q = map { my ($k, $v) = split /=/, $_, 2; ($k => $v // '') } split /&/, ($link =~ /\?(.*)/)[0] // '';
(my $expr = $q{'g0.expr'} // '') =~ s/%([0-9A-F]{2})/chr hex $1/ge;
is $expr, 'pg_autofailover_node_primary', '  of pg_autofailover_node_primary';
my $prom = $env->{PROMETHEUS_URL};
like $link, qr{^\Q$prom\E/graph\?}, '  on the stack\'s Prometheus';
sub query { prom_query($prom, $_[0]) }
# { node => value } of a per-node metric.
sub by_node { return { map { ($_->{metric}{node} => $_->{value}[1]) } @{ query($_[0]) } } }
# Prometheus scrapes every 5 s: up to 30 s.
sub wait_long { my ($f) = @_; wait_until($f, 30) }

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

# --- the switchover, under load ---------------------------------------------
# Entries keep coming from astronauts of their own while the nodes switch
# over: a planned switchover under load once lost 551 acknowledged
# entries (docs/ha.md). t/8602 has the unplanned faults under load; make
# chaos has them all, with their figures.
my $load = AstroLoad->start($env, clients => 2);
ok wait_until(sub { $load->acked_since('begin') }), 'entries are acknowledged under steady load';
$load->mark('fault');
my $sw = `$top/scripts/stack failover --dir $dir 2>&1`;
is $?, 0, 'scripts/stack failover switches the nodes over' or diag $sw;
$load->mark('fault_end');
like $sw, qr/the primary database is now \Q$standby\E/, "  and names the new primary ($standby)";
is db('primary', $db), $standby, 'the monitor agrees';
is on_node($standby, 'SELECT pg_is_in_recovery()'), 'f', 'the old standby accepts writes';
ok wait_until(sub { db('wait', $db, 1) eq '' && $? == 0 }),
    'the old primary becomes its synchronous standby';
is on_node($primary, 'SELECT pg_is_in_recovery()'), 't', '  and replays';

my $res;
ok wait_until(sub {
    $res = $c->post('/hours', { %$form, hours => '2.5', date => '2026-01-02', note => 'before' });
    $res->{status} == 303 }), 'the same form sent again is answered 303';
$form = form_fields($c->get('/hours')->{content}, '/hours');
is $c->post('/hours', { %$form, hours => '1', date => '2026-01-03', note => 'after' })->{status},
    303, 'a new entry is logged through the new primary';
like $c->get('/hours')->{content}, qr{<span class="figure">3\.5</span> hours in 2 entries<},
    'both entries are there, the resent one once';
is on_node($primary, "SELECT count(*) FROM astro.hours_entries h JOIN astro.astronauts a"
    . " ON a.id = h.astronaut_id WHERE h.note IN ('before', 'after') AND a.total_hours = 3.5"),
    2, 'the new standby has them and the total';

ok wait_long(sub {
    my $p = by_node('pg_autofailover_node_primary');
    ($p->{$standby} // '') eq '1' && ($p->{$primary} // '') eq '0'
}), "after the switchover the metric has $standby primary"
    or diag explain by_node('pg_autofailover_node_primary');
ok wait_long(sub { (by_node('pg_autofailover_node_standby')->{$primary} // '') eq '1' }),
    "  and $primary its standby";
ok wait_long(sub { @{ query('ALERTS{alertname="DatabaseFailedOver",alertstate="firing"}') } == 1 }),
    '  and the failover alert fires';
# The graph over the last minutes has both nodes primary at some time.
is_deeply by_node('max_over_time(pg_autofailover_node_primary[5m])'), { node1 => '1', node2 => '1' },
    '  the graph shows each node primary in turn';

my $back;
ok wait_until(sub { $back = $load->acked_since('fault_end') }, 60),
    'the load is acknowledged again after the switchover';
wait_until(sub { $load->acked_since($back + 2) }) if $back;
my $r = $load->stop;
my $check = AstroLoad::check_db($env, $load);
diag sprintf 'switchover under load: %d requests, %d entries acknowledged, failed: %s;'
    . ' no acknowledgement for %.1f s', $r->{sent}, $r->{acked}, AstroLoad::failed_text($r),
    $r->{unavailable_s};
cmp_ok $r->{acked}, '>', 0, '  entries were acknowledged';
is $r->{pending}, 0, '  every refused entry was accepted when sent again';
is $check->{lost}, 0, '  no acknowledged entry lost';
is $check->{doubled}, 0, '  no entry stored twice';
is $check->{stray}, 0, '  nothing stored that was not sent';
is $check->{stored}, $r->{acked}, '  one stored entry per acknowledged key';
is $check->{totals_off}, 0, '  every total equals the sum of its entries';
is $check->{standby_equal}, 1, '  the standby has the same entries and totals after replay'
    or diag "primary: $check->{primary_sums}; standby: " . ($check->{standby_sums} // 'none');

my $bad = `$top/scripts/db kill $db node4 2>&1`;
isnt $?, 0, 'an unknown node is refused';
is db('primary', $db), $standby, '  and changes nothing';

done_testing;
