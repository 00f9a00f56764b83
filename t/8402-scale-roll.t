#!/usr/bin/perl
# Scaling and rolling deployments without a failed request: under
# steady traffic through all three services (a signed-in astronaut
# reading and logging hours with fresh idempotency keys, reading the
# board and the log-in page), hours goes from 2 tasks to 4 and back, then
# every task of each service is replaced one at a time from a new copy of
# the build. New tasks join HAProxy once healthy; old ones are drained
# first.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use AstroTraffic;
use Test::More;

my $top = "$FindBin::Bin/..";
my $env = private_stack(TASKS => 2, HOURS_RATE_MAX => 1000000);
my $dir = $env->{ASTRO_DIR};

sub stack_cmd { system("$top/scripts/stack", @_, '--dir', $dir) == 0 }
sub tasks_of {
    my $e = AstroTest::_read_env("$dir/stack.env");
    return [ split ' ', $e->{ uc($_[0]) . '_TASKS' } ];
}
sub tasks_now { tasks_of('hours') }

my $c = signup_ok(unique_name('Steady'), 'never a failed request');
my $traffic = AstroTraffic->start($c, 300);

ok stack_cmd('scale', 'hours', '4'), 'scale hours to 4';
is_deeply tasks_now(), [ map {"hours-$_"} 1 .. 4 ], '  four hours tasks';
ok stack_cmd('scale', 'hours', '2'), 'scale hours back to 2';
is_deeply tasks_now(), [ 'hours-1', 'hours-2' ], '  the two first remain';
ok !-e "$dir/run/hours-3" && !-e "$dir/pids/pool-hours-4.pid", '  the others are gone';

sub pool_pids {
    my ($s) = @_;
    map { open my $f, '<', "$dir/pids/pool-$_.pid" or die $!; scalar(<$f>) =~ s/\s//gr } @{ tasks_of($s // 'hours') };
}

# The copy of the build a task's pool runs from.
sub image_of {
    open my $f, '<', "$dir/pids/pool-$_[0].pid" or die $!;
    chomp(my $pid = <$f>);
    return readlink("/proc/$pid/exe") =~ s{/bin/[^/]+$}{}r;
}
my $old = image_of('hours-1');
my %old_pool = map { $_ => 1 } pool_pids();
ok stack_cmd('roll', 'hours'), 'roll hours';
my $after = tasks_now();
is scalar @$after, 2, '  still two tasks';
ok !grep({ $old_pool{$_} } pool_pids()), "  new ones (@$after)";
my $new = image_of($after->[0]);
isnt $new, $old, "  running from a new copy of the build ($new)";
is image_of($after->[1]), $new, '  both of them';
is image_of('board-1'), $old, '  the other services keep theirs';

# The two other services, in turn, the same way.
for my $s (qw(board signup)) {
    my ($first) = @{ tasks_of($s) };
    my $was = image_of($first);
    my %was = map { $_ => 1 } pool_pids($s);
    ok stack_cmd('roll', $s), "roll $s";
    my $now = tasks_of($s);
    is scalar @$now, 2, '  still two tasks';
    ok !grep({ $was{$_} } pool_pids($s)), "  new ones (@$now)";
    isnt image_of($now->[0]), $was, '  from a new copy of the build';
}

# Some traffic after the last change too.
select undef, undef, undef, 1;
my $r = $traffic->stop;
my $total = AstroTraffic->total($r);
ok $total >= 30, "steady traffic: $total requests";
is(AstroTraffic->failed($r), 0, "  none failed") or diag explain [ $r->{status}, $r->{bad} ];
my $keys = join ',', map {"'$_'"} @{ $r->{keys} };
is psql($env, "SELECT count(*) FROM astro.hours_entries WHERE replace(idempotency_key::text, '-', '') IN ($keys)"),
    scalar @{ $r->{keys} }, '  every acknowledged entry stored, once (' . scalar(@{ $r->{keys} }) . ')';

open my $log, '<', "$dir/log/stack.log" or die $!;
my @log = <$log>;
ok scalar(grep {/task hours-4 drained and stopped/} @log), 'the log says which tasks were drained';
for my $s (qw(hours board signup)) {
    ok scalar(grep {/$s rolled to image/} @log), "  and that $s rolled";
}

done_testing;
