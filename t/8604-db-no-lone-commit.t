#!/usr/bin/perl
# No commit is ever acknowledged by the primary alone. With the candidate
# standby down, the primary stays `primary` (never pg_auto_failover's
# wait_primary, which empties synchronous_standby_names) and an entry is
# answered 303 only once node3, the quorum standby, has it. With every
# standby down an entry is refused (503 with Retry-After), not
# acknowledged; once they are back the same form is accepted and stored
# once. A formation of two nodes fails this: its primary acknowledges
# alone whenever its standby is away, and a later promotion of that
# standby loses those entries.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Test::More;

my $top = "$FindBin::Bin/..";
my $env = private_stack(DB_HA => 1, HOURS_RATE_MAX => 1000000);
my $db = $env->{DB_DIR};

# wait_until over up to a minute: the monitor's reaction to a stopped
# node on a busy machine.
sub wait_long { my ($what) = @_; for (1 .. 6) { return 1 if wait_until($what) } return 0 }

sub db { my $out = `$top/scripts/db @_ 2>&1`; chomp $out; return $out }

sub on_node {
    my ($node, $sql) = @_;
    my %n = map { split /=/, $_, 2 } split /\n/, db('node-env', $db, $node);
    return psql({ %$env, %n, PGTARGETSESSIONATTRS => 'any' }, $sql);
}

open my $pf, '<', "$db/ports" or die "$db/ports: $!\n";
my ($monitor_port) = split ' ', <$pf>;

# "REPORTED GOAL" of a node as the monitor has it.
sub monitor_state {
    my ($node) = @_;
    return psql({ %$env, PGHOST => "$db/run", PGPORT => $monitor_port, PGDATABASE => 'pg_auto_failover',
            PGTARGETSESSIONATTRS => 'any' },
        "SELECT reportedstate || ' ' || goalstate FROM pgautofailover.node WHERE nodename = '$node'");
}

my $primary = db('primary', $db);
my $standby = db('standby', $db);
like "$primary $standby", qr/^node[12] node[12]$/, "$primary is primary, $standby its candidate standby";

my $c = signup_ok(unique_name('Lone'), 'never one copy');
my $key_sql = sub {
    "SELECT count(*) FROM astro.hours_entries WHERE replace(idempotency_key::text, '-', '') = '$_[0]'";
};

# The candidate standby away: the monitor takes it out of the candidates
# (catchingup) and the primary keeps waiting for node3.
db('stop-node', $db, $standby);
ok wait_long(sub { monitor_state($standby) =~ / catchingup$/ }),
    "$standby stopped: the monitor no longer counts it in sync" or diag monitor_state($standby);
is monitor_state($primary), 'primary primary', "  $primary stays primary (never wait_primary)";
isnt on_node($primary, 'SHOW synchronous_standby_names'), '',
    '  and its commits still wait for a standby (synchronous_standby_names)';
my $form = form_fields($c->get('/hours')->{content}, '/hours');
is $c->post('/hours', { %$form, hours => '1', date => '2026-01-04', note => 'node3' })->{status}, 303,
    'an entry is acknowledged while node3 streams';
ok wait_until(sub { on_node('node3', $key_sql->($form->{key})) == 1 }), '  and node3 has it';

# Every standby away: nothing may be acknowledged.
db('stop-node', $db, 'node3');
ok wait_long(sub { monitor_state('node3') =~ / catchingup$/ }),
    'node3 stopped as well' or diag monitor_state('node3');
is monitor_state($primary), 'primary primary', "  $primary still primary, not wait_primary";
$form = form_fields($c->get('/hours')->{content}, '/hours');
my $res = $c->post('/hours', { %$form, hours => '2', date => '2026-01-05', note => 'alone' });
is $res->{status}, 503, 'an entry with no standby to confirm it is refused, not acknowledged';
ok $res->{headers}{'retry-after'}, '  with Retry-After';

db('start-node', $db, $_) for $standby, 'node3';
my $w = db('wait', $db, 180);
is $?, 0, 'both standbys back in sync' or diag $w;
ok wait_until(sub {
    $res = $c->post('/hours', { %$form, hours => '2', date => '2026-01-05', note => 'alone' });
    $res->{status} == 303 }), 'the same form sent again is acknowledged';
is psql($env, $key_sql->($form->{key})), 1, '  and stored once';
ok wait_until(sub { on_node($standby, $key_sql->($form->{key})) == 1 }), "  on $standby too";
is db('primary', $db), $primary, "$primary was primary throughout";

done_testing;
