#!/usr/bin/perl
# A task whose pool or sidecar dies is replaced, as the ECS service
# scheduler replaces a stopped task: the stack takes it out of HAProxy at
# once, starts a new task after a back-off and logs it; meanwhile the
# other task serves, and a request the dead task had not answered is
# sent once more to the other one when that is safe.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use AstroTraffic;
use Test::More;

my $env = private_stack(TASKS => 2, HOURS_RATE_MAX => 1000000);
my $dir = $env->{ASTRO_DIR};

sub pid_of { open my $fh, '<', "$dir/pids/$_[0].pid" or return; my $p = <$fh>; chomp $p; $p }
sub env_now { AstroTest::_read_env("$dir/stack.env") }
sub log_has {
    my ($re) = @_;
    open my $fh, '<', "$dir/log/stack.log" or return 0;
    return scalar grep {/$re/} <$fh>;
}

# Up to a minute: a replacement is a new task starting (its copy of the
# build, sidecar, pool and health checks), which on a machine busy with
# the rest of the suite takes longer than wait_until's 10 s.
sub eventually { return wait_until($_[0], 60) }

my $c = signup_ok(unique_name('Survivor'), 'the other task answers');
my $traffic = AstroTraffic->start($c, 120);
select undef, undef, undef, 0.5;

# The hours-1 pool's supervisor dies (its workers follow it).
my $pool = pid_of('pool-hours-1');
ok kill('KILL', $pool), 'the pool of hours-1 is killed';
ok eventually(sub { log_has(qr/task hours-1 stopped: its pool exited/) }),
    '  the stack notices and logs it';
ok eventually(sub {
    my $e = env_now();
    my @t = split ' ', $e->{HOURS_TASKS};
    @t == 2 && !grep { $_ eq 'hours-1' } @t
}), '  a new task replaces it';
ok log_has(qr/replaces a stopped task of hours/), '  and the log says so';
ok !-e "$dir/run/hours-1", '  the dead task is gone';

ok log_has(qr/task hours-1 stopped: .*starts in 1 s/), '  after a back-off of 1 s';

# Another hours task dying within a minute waits twice as long.
my ($next) = grep { $_ ne 'hours-2' } split ' ', env_now()->{HOURS_TASKS};
ok kill('KILL', pid_of("pool-$next")), "the pool of $next, the replacement, is killed";
ok eventually(sub { log_has(qr/task $next stopped: its pool exited.*starts in 2 s/) }),
    '  its replacement waits 2 s';
ok eventually(sub {
    my @t = split ' ', env_now()->{HOURS_TASKS};
    @t == 2 && !grep { $_ eq $next } @t
}), '  and then starts';

# The board-2 sidecar's nginx master dies.
my $nginx = pid_of('nginx-board-2');
ok kill('KILL', $nginx), 'the sidecar of board-2 is killed';
ok eventually(sub { log_has(qr/task board-2 stopped: its sidecar exited/) }),
    '  the stack notices and logs it';
ok eventually(sub {
    my @t = split ' ', env_now()->{BOARD_TASKS};
    @t == 2 && !grep { $_ eq 'board-2' } @t
}), '  a new task replaces it';
ok wait_until(sub { `pgrep -g $nginx` eq "" }) || diag(`ps -o pid,pgid,stat,cmd -g $nginx`),
    '  nothing of the old task is left running';

select undef, undef, undef, 1;
my $r = $traffic->stop;
my $total = AstroTraffic->total($r);
ok $total >= 20, "steady traffic throughout: $total requests";
# Each pool had WORKERS=4 requests in hand at most, and those are resent
# to the other task: none should fail; the bound is what the targets allow.
cmp_ok(AstroTraffic->failed($r), '<=', 4, '  at most the requests the dead task had in hand failed ('
    . AstroTraffic->failed($r) . ')') or diag explain [ $r->{status}, $r->{bad} ];
my $keys = join ',', map {"'$_'"} @{ $r->{keys} };
is psql($env, "SELECT count(*) FROM astro.hours_entries WHERE replace(idempotency_key::text, '-', '') IN ($keys)"),
    scalar @{ $r->{keys} }, '  every acknowledged entry stored, once';

# The replacements are in service: every request answers.
my $after = client();
is scalar(grep { $after->get('/board')->{status} == 200 } 1 .. 10), 10, 'the board answers after';
is scalar(grep { $c->get('/hours')->{status} == 200 } 1 .. 10), 10, '  and so do the hours';

done_testing;
