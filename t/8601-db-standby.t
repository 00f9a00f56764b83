#!/usr/bin/perl
# The database as RDS Multi-AZ has it: a primary whose commits wait for a
# synchronous standby, both reached by the pools through a host list with
# target_session_attrs=read-write, and `scripts/stack failover` switching
# them over while the service keeps its data.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Test::More;

my $top = "$FindBin::Bin/..";
my $env = private_stack(DB_HA => 1, HOURS_RATE_MAX => 1000000);
my $db = $env->{DB_DIR};
ok $db && -d $db, 'the stack runs a formation (DB_DIR in stack.env)';
is $env->{PGTARGETSESSIONATTRS}, 'read-write', 'clients ask for the read-write node';
is scalar(split /,/, $env->{PGHOST}), 2, '  from a list of two hosts';

sub db { my $out = `$top/scripts/db @_ 2>&1`; chomp $out; return $out }

# psql against one node, whatever its role.
sub on_node {
    my ($node, $sql) = @_;
    my %n = map { split /=/, $_, 2 } split /\n/, db('node-env', $db, $node);
    return psql({ %$env, %n, PGTARGETSESSIONATTRS => 'any' }, $sql);
}

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
is on_node($primary, 'SHOW listen_addresses'), '127.0.0.1', 'TCP only on loopback';
is on_node($standby, 'SHOW listen_addresses'), '127.0.0.1', '  on both nodes';

my $c = signup_ok(unique_name('Standby'), 'two copies of it');
my $form = form_fields($c->get('/hours')->{content}, '/hours');
is $c->post('/hours', { %$form, hours => '2.5', date => '2026-01-02', note => 'before' })->{status},
    303, 'an entry is logged through the primary';
my $key = $form->{key};
my $sql = "SELECT count(*) FROM astro.hours_entries WHERE replace(idempotency_key::text, '-', '') = '$key'";
# Acknowledged means flushed on the standby; replay follows at once.
ok wait_until(sub { on_node($standby, $sql) == 1 }), '  and is on the standby once it is acknowledged';

my $out = `$top/scripts/stack failover --dir $env->{ASTRO_DIR} 2>&1`;
is $?, 0, 'scripts/stack failover succeeds' or diag $out;
like $out, qr/the primary database is now \Q$standby\E/, "  and names the new primary ($standby)";
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

my $bad = `$top/scripts/db kill $db node4 2>&1`;
isnt $?, 0, 'an unknown node is refused';
is db('primary', $db), $standby, '  and changes nothing';

done_testing;
