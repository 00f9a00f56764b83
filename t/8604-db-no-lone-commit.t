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
use POSIX ();
use Time::HiRes qw(time);
use Test::More;

my $top = "$FindBin::Bin/..";
# A long database deadline: the test cancels a commit while the pool
# still waits for it.
my $db_timeout = 8000;
my $env = private_stack(DB_HA => 1, HOURS_RATE_MAX => 1000000, DB_TIMEOUT_MS => $db_timeout);
my $db = $env->{DB_DIR};

# wait_until over up to a minute: the monitor's reaction to a stopped
# node on a busy machine.
sub wait_long { return wait_until($_[0], 60) }

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
is on_node($_, 'SHOW listen_addresses'), '127.0.0.1', "$_ listens on loopback only (no namespaces)"
    for $primary, $standby;

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
my $form2 = form_fields($c->get('/hours')->{content}, '/hours');
ok $form->{key} && $form2->{key}, '  two forms to send' or diag explain [$form, $form2];
my $res = $c->post('/hours', { %$form, hours => '2', date => '2026-01-05', note => 'alone' });
is $res->{status}, 503, 'an entry with no standby to confirm it is refused, not acknowledged';
ok $res->{headers}{'retry-after'}, '  with Retry-After';
like $res->{content}, qr/may have been saved.*again is safe/s, '  saying it may have been saved';

# Backends whose commit waits for a standby.
sub waiting {
    return split ' ', on_node($primary,
        "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
}
sub cancel { on_node($primary, "SELECT pg_cancel_backend($_)") for @_ }

# That entry's commit still waits for a standby (PostgreSQL stops the
# statement timer before a commit). Cancelled, the wait ends and the
# entry stays, on the primary alone. The same form sent again finds it
# by its key, and must not be told "logged" either.
my @pids;
ok wait_until(sub { @pids = waiting() }), "  its commit waits for a standby" or diag on_node($primary,
    "SELECT pid, state, wait_event, query FROM pg_stat_activity");
cancel(@pids);
ok wait_until(sub { on_node($primary, $key_sql->($form->{key})) == 1 }),
    '  cancelled, its entry is on the primary alone';
$res = $c->post('/hours', { %$form, hours => '2', date => '2026-01-05', note => 'alone' });
is $res->{status}, 503, 'the same form sent again is not acknowledged while no standby has it';
like $res->{content}, qr/may have been saved/, '  may have been saved, it says';
cancel(waiting());

# A commit whose wait for a standby is cancelled is reported by
# PostgreSQL as a success (with a warning): the service must not pass
# that on as "logged". The cancel comes while the pool still waits for
# the answer (DB_TIMEOUT_MS, long for this stack).
pipe my $from_kid, my $to_parent or die "pipe: $!\n";
my $kid = fork // die "fork: $!\n";
if (!$kid) {
    close $from_kid;
    # A connection of its own, the same astronaut.
    my $k = AstroTest::Client->new($c->base, $c->ip);
    $k->set_cookie($_, $c->cookie($_)) for keys %{ $c->{jar} };
    my $t0 = time;
    my $r = $k->post('/hours', { %$form2, hours => '3', date => '2026-01-06', note => 'cancelled' });
    printf $to_parent "%s %.1f\n", $r->{status}, time - $t0;
    close $to_parent;
    POSIX::_exit(0);
}
close $to_parent;
ok wait_until(sub { @pids = waiting() }), 'an entry waits for a standby';
cancel(@pids);
my ($status, $took) = split ' ', <$from_kid> // '';
waitpid $kid, 0;
is $status, 503, '  its wait cancelled, it is answered 503, not 303, though PostgreSQL reported its commit a success';
cmp_ok $took, '<', $db_timeout / 1000 - 1, '  at the cancel, before the pool would have given up';

db('start-node', $db, $_) for $standby, 'node3';
my $w = db('wait', $db, 180);
is $?, 0, 'both standbys back in sync' or diag $w;
ok wait_until(sub {
    $res = $c->post('/hours', { %$form, hours => '2', date => '2026-01-05', note => 'alone' });
    $res->{status} == 303 }), 'the same form sent again is acknowledged';
is psql($env, $key_sql->($form->{key})), 1, '  and stored once';
ok wait_until(sub { on_node($standby, $key_sql->($form->{key})) == 1 }), "  on $standby too";
is $c->post('/hours', { %$form2, hours => '3', date => '2026-01-06', note => 'cancelled' })->{status}, 303,
    'the form whose wait was cancelled, sent again: acknowledged';
is psql($env, $key_sql->($form2->{key})), 1, '  and stored once';
is db('primary', $db), $primary, "$primary was primary throughout";

done_testing;
