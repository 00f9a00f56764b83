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

is health()->{status}, 200, 'an idle pool is healthy';

# Both workers of the hours pool wait on a lock this test holds.
my @clients = map { signup_ok(unique_name("Busy $_"), 'held in place') } 1 .. 2;
my @forms = map { form_fields($_->get('/hours')->{content}, '/hours') } @clients;
ok my $lock = hold_hours_lock($env), 'a session holds a lock on hours_entries';
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
is $why, "unhealthy\n", '  in one word: counts are for /metrics, not for whoever reaches the check';

release_hours_lock($env, $lock);
for my $pid (@kids) {
    waitpid $pid, 0;
    is $? >> 8, 0, 'the held request is answered once the lock goes';
}
is health()->{status}, 200, 'the workers are free again: healthy';

done_testing;
