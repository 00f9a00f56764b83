#!/usr/bin/perl
# SIGTERM drains a pool the way a load balancer can see: /healthz says
# "draining" at once, requests that still arrive are served for
# DRAIN_GRACE seconds, then the pool stops accepting in every process
# (connecting fails at once instead of queueing behind the last worker)
# and exits within SHUTDOWN_TIMEOUT.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use AstroFcgi qw(fcgi_connect fcgi_request fcgi_response);
use HTTP::Tiny;
use Time::HiRes qw(time sleep);
use Test::More;

my $env = private_stack(DRAIN_GRACE => 3, SHUTDOWN_TIMEOUT => 8);
my $http = HTTP::Tiny->new(timeout => 5);
# Straight to the board's sidecar, past HAProxy, with a cookie that keeps
# the micro-cache out of it: every request reaches the pool.
my $side = client(base => "http://$env->{BOARD_SIDECAR}");
my %nocache = (Cookie => 'ah_session=' . 'A' x 43);
is $side->get('/board', \%nocache)->{status}, 200, 'the board answers';

open my $fh, '<', "$env->{ASTRO_DIR}/pids/pool-board.pid" or die $!;
chomp(my $sup = <$fh>);
my $t0 = time;
kill 'TERM', $sup;
my $h = $http->get("http://$env->{BOARD_METRICS}/healthz");
is $h->{status}, 503, 'right after SIGTERM, /healthz fails';
is $h->{content}, "draining\n", '  saying draining';
ok time - $t0 < 1, '  at once';

my ($served, $failed) = (0, 0);
while (time - $t0 < 2.5) {
    my $st = $side->get('/board', \%nocache)->{status};
    $st == 200 ? $served++ : $failed++;
    sleep 0.2;
}
ok $served >= 5, "requests arriving during the grace are served ($served)";
is $failed, 0, '  all of them';

ok wait_until(sub { !fcgi_connect($env->{BOARD_FCGI}) }), 'after the grace, the pool accepts nothing';
ok time - $t0 >= 3 - 0.2, sprintf('  not before DRAIN_GRACE (%.1f s)', time - $t0);
ok wait_until(sub { !kill 0, $sup }), 'the pool exits';
ok time - $t0 < 8 + 1, sprintf('  within SHUTDOWN_TIMEOUT (%.1f s)', time - $t0);

done_testing;
