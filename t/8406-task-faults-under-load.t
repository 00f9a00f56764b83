#!/usr/bin/perl
# Part of a task dies under steady signed-in load — one worker of its
# pool, its whole pool, its sidecar — and the load balancer keeps the
# cost to the requests the dead part had in hand: a worker one, a task no
# more than HAProxy lets it have at once (its maxconn, what its sidecar
# takes). More astronauts post than one task takes, so when a task dies
# the survivor is full and the rest must wait in HAProxy's queue rather
# than be refused, and the dead task's requests are resent there (POST
# /hours carries an idempotency key). Every time: nothing acknowledged
# lost, nothing stored twice, every refused entry accepted when sent
# again. The full figures are `make chaos`'s (bench/chaos).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use AstroLoad;
use AstroFaults qw(fault_named);
use Test::More;

my $top = "$FindBin::Bin/..";
my $env = private_stack(TASKS => 2, WORKERS => 4, HOURS_RATE_MAX => 1000000);

# `show stat` fields of one server (a task) in HAProxy.
sub server_stat {
    my ($backend, $server) = @_;
    my $out = `. '$top/scripts/lib.sh'; haproxy_api '$env->{HAPROXY_SOCKET}' 'show stat'`;
    my @col;
    for (split /\n/, $out) {
        if (s/^# //) { @col = split /,/; next }
        my %r;
        @r{@col} = split /,/;
        return \%r if $r{pxname} eq $backend && $r{svname} eq $server;
    }
    return {};
}

# What an hours task may have in hand: HAProxy sends it at most its
# sidecar's page limit (twice the workers) at once.
my $in_hand = server_stat('hours', 'hours-1')->{slim};
is $in_hand, 8, 'HAProxy sends an hours task at most 8 requests at once (2 x WORKERS)';
is server_stat('signup', 'signup-1')->{slim} > $in_hand, 1,
    '  a signup task more: its hashing workers too';
is server_stat('board', 'board-1')->{slim} // '', '', '  a board task no limit (its micro-cache)';

for my $case (['one hours worker killed', 1], ['hours pool killed', $in_hand],
    ['hours sidecar killed', $in_hand]) {
    my ($name, $bound) = @$case;
    my $fault = fault_named($name);
    # 16 astronauts: twice what one task takes at once.
    my $load = AstroLoad->start($env, clients => 16);
    ok wait_until(sub { $load->acked_since('begin') }), "$name: the load is acknowledged before the fault";
    my %state;
    eval { $fault->{inject}->($env, $load, \%state); 1 } or do { fail("$name: the fault ran"); diag $@ };
    my $back;
    wait_until(sub { $back = $load->acked_since('fault_end') }, 30);
    ok $back, "$name: requests are acknowledged after the fault";
    # Two more seconds of load, while the stack replaces a dead task.
    wait_until(sub { $load->acked_since($back + 2) }) if $back;
    my $r = $load->stop;
    my $db = AstroLoad::check_db($env, $load);
    diag sprintf '%s: %d requests, %d entries acknowledged, failed: %s', $name, $r->{sent},
        $r->{acked}, AstroLoad::failed_text($r);
    cmp_ok $r->{failed_total}, '<=', $bound, "$name: at most $bound failed (what it had in hand)";
    is $r->{pending}, 0, "$name: every refused entry was accepted when sent again";
    is $db->{lost}, 0, "$name: no acknowledged entry lost";
    is $db->{doubled}, 0, "$name: no entry stored twice";
    is $db->{stray}, 0, "$name: nothing stored that was not sent";
    is $db->{totals_off}, 0, "$name: every total equals the sum of its entries";
    eval { $fault->{restore}->($env, \%state) if $fault->{restore}; 1 }
        or do { fail("$name: the stack was restored"); diag $@ };
    # The stack has replaced the dead task: two hours tasks in service.
    ok wait_until(sub {
        my $e = AstroTest::_read_env("$env->{ASTRO_DIR}/stack.env");
        2 == grep { (server_stat('hours', $_)->{status} // '') eq 'UP' } split ' ', $e->{HOURS_TASKS};
    }), "$name: two hours tasks in service again";
}

done_testing;
