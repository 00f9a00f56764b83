#!/usr/bin/perl
# The database fails under steady signed-in load, three ways: the primary
# killed (pg_auto_failover promotes the standby), the primary frozen
# (SIGSTOP: promoted past it, resumed at the end), and the whole database
# stopped and started (t/8601 switches it over under load). Each time: no
# acknowledged entry is lost or stored twice, totals equal the entries on
# the primary and on the standby after replay, every refused entry is
# accepted when sent again with its key, and the service answers again
# within a generous bound, before the stack is made whole again and
# after. How many requests failed, and with which status, is printed: the
# tight figures are `make chaos`'s (bench/chaos).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use AstroLoad;
use AstroFaults qw(fault_named);
use Time::HiRes qw(time);
use Test::More;

my $env = private_stack(DB_HA => 1, HOURS_RATE_MAX => 1000000);

# A frozen primary is passed over as well: each host of the pools' list
# has its own connect budget, so the promoted standby is reached while
# the old primary is still frozen.
for my $name ('primary killed', 'primary frozen', 'database stopped and started') {
    my $fault = fault_named($name);
    my $load = AstroLoad->start($env, clients => 4);
    ok wait_until(sub { $load->acked_since('begin') }), "$name: the load is acknowledged before the fault";
    my %state;
    eval { $fault->{inject}->($env, $load, \%state); 1 }
        or do { fail("$name: the fault ran"); diag $@ };
    my $back;
    {
        # Recovered: a request sent after the fault's end is acknowledged.
        wait_until(sub { $back = $load->acked_since('fault_end') }, 60);
        ok $back, "$name: requests are acknowledged again after the fault's end";
    }
    # The stack made whole again (the old primary back as the standby)
    # while the load goes on; then a request sent after that is
    # acknowledged, and two more seconds of load show whether failures
    # go on.
    eval { $fault->{restore}->($env, \%state) if $fault->{restore}; 1 }
        or do { fail("$name: the stack was restored"); diag $@ };
    $load->mark('restored');
    my $again;
    wait_until(sub { $again = $load->acked_since('restored') }, 60);
    ok $again, "$name: requests are acknowledged once the stack is whole again";
    wait_until(sub { $load->acked_since($again + 2) }) if $again;
    my $r = $load->stop;
    my $db = AstroLoad::check_db($env, $load);
    diag sprintf '%s: %d requests, %d entries acknowledged, failed: %s;'
        . ' no acknowledgement for %.1f s; failures went on %.1f s after the fault ended',
        $name, $r->{sent}, $r->{acked}, AstroLoad::failed_text($r), $r->{unavailable_s},
        $r->{recovery_s};
    cmp_ok $r->{acked}, '>', 0, "$name: entries were acknowledged";
    is $r->{pending}, 0, "$name: every refused entry was accepted when sent again";
    is $db->{lost}, 0, "$name: no acknowledged entry lost";
    is $db->{doubled}, 0, "$name: no entry stored twice"
        or diag psql($env, "SELECT astronaut_id, idempotency_key, count(*), min(id), max(id),"
        . " min(created_at), max(created_at) FROM astro.hours_entries GROUP BY 1, 2"
        . " HAVING count(*) > 1 LIMIT 5");
    is $db->{stray}, 0, "$name: nothing stored that was not sent";
    is $db->{stored}, $r->{acked}, "$name: one stored entry per acknowledged key";
    is $db->{totals_off}, 0, "$name: every total equals the sum of its entries";
    is $db->{standby_equal}, 1, "$name: the standby has the same entries and totals after replay"
        or diag "primary: $db->{primary_sums}; standby: " . ($db->{standby_sums} // 'none');
}

done_testing;
