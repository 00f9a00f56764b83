#!/usr/bin/perl
# The supervisor's port (/metrics, /healthz) cannot be held by a client:
# one that sends a byte at a time keeps neither the health check nor the
# service from answering, and SIGTERM still drains the pool on time
# (the same loop reaps, respawns and drains).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use HTTP::Tiny;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use Test::More;

my $env = private_stack(DRAIN_GRACE => 1, SHUTDOWN_TIMEOUT => 5);
my ($host, $port) = split /:/, $env->{BOARD_METRICS};

# Trickling clients: a byte every 0.3 s, for as long as the test runs.
my @tricklers = map {
    IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port) or die "connect: $!"
} 1 .. 20;
my $http = HTTP::Tiny->new(timeout => 5);
my $c = client();
my ($health_ok, $board_ok, $slow) = (0, 0, 0);
my $end = time + 4;
while (time < $end) {
    syswrite $_, 'G' for @tricklers;
    my $t0 = time;
    my $h = $http->get("http://$env->{BOARD_METRICS}/healthz");
    $health_ok++ if $h->{status} == 200 && $h->{content} eq "ok\n";
    $slow++ if time - $t0 > 2;
    $board_ok++ if $c->get('/board')->{status} == 200;
    sleep 0.3;
}
ok $health_ok >= 5, "the health check kept answering ok ($health_ok times)";
is $slow, 0, '  each within 2 s';
ok $board_ok >= 5, "the board kept answering ($board_ok times)";

# SIGTERM while the tricklers are still there.
open my $fh, '<', "$env->{ASTRO_DIR}/pids/pool-board.pid" or die $!;
chomp(my $sup = <$fh>);
my $t0 = time;
kill 'TERM', $sup;
syswrite $_, 'G' for @tricklers;
ok wait_until(sub { !kill 0, $sup }), 'SIGTERM still stops the pool';
ok time - $t0 < 5 + 2, sprintf('  within SHUTDOWN_TIMEOUT (%.1f s)', time - $t0);

done_testing;
