#!/usr/bin/perl
# The process model: a worker that dies is replaced; SIGTERM lets the
# request in hand finish, then the pool exits; and the load balancer's
# health checks notice a task whose pool is gone.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use POSIX ();
use Test::More;

my $env = private_stack(WORKERS => 2, DB_TIMEOUT_MS => 15000, SHUTDOWN_TIMEOUT => 20);
my $dir = $env->{ASTRO_DIR};

sub pid_of { open my $fh, '<', "$dir/pids/$_[0].pid" or return; my $p = <$fh>; chomp $p; $p }

# The children of a process, from /proc/PID/stat's fourth field.
sub workers {
    my ($parent) = @_;
    opendir my $d, '/proc' or die $!;
    my @kids;
    for my $p (grep {/^[0-9]+$/} readdir $d) {
        open my $st, '<', "/proc/$p/stat" or next;
        my $line = <$st> // next;
        my ($ppid) = $line =~ /\) \S+ ([0-9]+)/;
        push @kids, $p if defined $ppid && $ppid == $parent;
    }
    return sort { $a <=> $b } @kids;
}

my $c = client();
my $board = pid_of('pool-board');
my @before = workers($board);
is scalar @before, 2, 'the board pool runs WORKERS=2 workers';

kill 'KILL', $before[0];
ok wait_until(sub { my @w = workers($board); @w == 2 && !grep { $_ == $before[0] } @w }),
    'a killed worker is replaced';
my @ok = grep { $c->get('/board')->{status} == 200 } 1 .. 20;
is scalar @ok, 20, '  and the pool keeps serving';
open my $fh, '<', "$dir/log/pool-board.log" or die $!;
ok scalar(grep {/killed by signal 9; replacing it/} <$fh>), '  the supervisor logged the replacement';
my $metrics = HTTP::Tiny->new->get("http://$env->{BOARD_METRICS}/metrics")->{content};
like $metrics, qr/^astro_worker_replacements_total\{service="board"\} 1$/m, '  and counted it';

# A request held in the database (by a lock this test takes) is in a
# worker when SIGTERM arrives; it must still be answered.
my $name = unique_name('Drain');
my $s = signup_ok($name, 'stay until done');
my $form = form_fields($s->get('/hours')->{content}, '/hours');
ok my $lock = hold_hours_lock($env), 'a session holds a lock on hours_entries';

my $pid = fork // die;
if (!$pid) {
    my $res = $s->post('/hours', { %$form, hours => '3', date => '2026-01-02', note => 'in flight' });
    # _exit: the stack belongs to the parent; END blocks must not run here.
    POSIX::_exit($res->{status} == 303 ? 0 : 1);
}
ok wait_until(sub { psql($env, "SELECT count(*) FROM pg_stat_activity"
    . " WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO astro.hours_entries%'") == 1 }),
    'a POST /hours is waiting in a worker';

my $hours = pid_of('pool-hours');
kill 'TERM', $hours;
ok wait_until(sub { my @w = workers($hours); @w == 1 }),
    'SIGTERM: idle workers exit at once, the busy one stays';
ok kill(0, $hours), '  the supervisor waits for it';
release_hours_lock($env, $lock);
waitpid $pid, 0;
is $? >> 8, 0, 'the request in hand is answered (303) once the lock goes';
like psql($env, "SELECT note FROM astro.hours_entries e JOIN astro.astronauts a ON a.id = e.astronaut_id"
    . " WHERE a.name = :'n'", -v => "n=$name"), qr/in flight/, '  and its entry is stored';
ok wait_until(sub { !kill 0, $hours }), 'then the pool exits';
open $fh, '<', "$dir/log/pool-hours.log" or die $!;
my @log = <$fh>;
ok scalar(grep {/stopping; draining/} @log) && scalar(grep {/"msg":"hours: stopped"/} @log),
    '  saying it drained and stopped';

# With its pool gone, the hours sidecar fails /healthz, and HAProxy
# takes it out of service like the ALB would.
my $health = HTTP::Tiny->new->get("http://$env->{HOURS_SIDECAR}/healthz");
is $health->{status}, 502, 'the hours sidecar now fails its health check';
ok wait_until(sub { $c->get('/hours')->{status} == 503 }),
    'HAProxy marks the hours backend down (503)';
is $c->get('/board')->{status}, 200, 'the other services are untouched';

done_testing;
