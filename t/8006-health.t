#!/usr/bin/perl
# Health as the load balancer sees it: a pool whose workers are all busy
# is healthy (busy is not dead: taking busy tasks out of service would
# turn a burst into an outage); a pool whose workers have all been stuck
# on one request for HEALTH_STUCK_SECONDS is not, and recovers when they
# finish.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use HTTP::Tiny;
use POSIX ();
use Test::More;

my $env = private_stack(WORKERS => 2, HEALTH_STUCK_SECONDS => 5, DB_TIMEOUT_MS => 30000);
my $http = HTTP::Tiny->new(timeout => 5);
sub health { $http->get("http://$env->{HOURS_SIDECAR}/healthz") }

sub wait_until {
    my ($what) = @_;
    for (1 .. 100) { return 1 if $what->(); select undef, undef, undef, 0.1 }
    return 0;
}

is health()->{status}, 200, 'an idle pool is healthy';

# Both workers of the hours pool wait on a lock this test holds.
my @clients = map { signup_ok(unique_name("Busy $_"), 'held in place') } 1 .. 2;
my @forms = map { form_fields($_->get('/hours')->{content}, '/hours') } @clients;
local $ENV{PGHOST} = $env->{PGHOST};
open my $lock, '|-', 'sh', '-c', 'exec psql -XAtq -U postgres -d astronaut_hours 2>/dev/null'
    or die $!;
select((select($lock), $| = 1)[0]);
print $lock "BEGIN; LOCK TABLE astro.hours_entries IN EXCLUSIVE MODE; SELECT pg_sleep(600);\n";
ok wait_until(sub { psql($env, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
    . " WHERE c.relname = 'hours_entries' AND l.mode = 'ExclusiveLock' AND l.granted") == 1 }),
    'a session holds a lock on hours_entries';
my @kids;
for my $i (0, 1) {
    my $pid = fork // die;
    if (!$pid) {
        my $res = $clients[$i]->post('/hours', { %{ $forms[$i] }, hours => '1', date => '2026-01-01', note => '' });
        POSIX::_exit($res->{status} == 303 ? 0 : 1);
    }
    push @kids, $pid;
}
ok wait_until(sub { psql($env, "SELECT count(*) FROM pg_stat_activity"
    . " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO astro.hours_entries%'") == 2 }),
    'both workers are busy with a POST /hours';
my $busy = health();
is $busy->{status}, 200, 'every worker busy: still healthy';
my $metrics = HTTP::Tiny->new->get("http://$env->{HOURS_METRICS}/metrics")->{content};
like $metrics, qr/^astro_workers\{service="hours",state="busy"\} 2$/m, '  (the metrics agree: 2 busy)';

sleep 6;
my $stuck = health();
is $stuck->{status}, 503, 'every worker on one request for over 5 s: unhealthy';
my $why = HTTP::Tiny->new->get("http://$env->{HOURS_METRICS}/healthz")->{content};
like $why, qr/unhealthy: 2 of 2 workers alive, 2 stuck/, '  and the supervisor says why';

psql($env, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%'"
    . " AND pid <> pg_backend_pid()");
close $lock;
for my $pid (@kids) {
    waitpid $pid, 0;
    is $? >> 8, 0, 'the held request is answered once the lock goes';
}
is health()->{status}, 200, 'the workers are free again: healthy';

done_testing;
