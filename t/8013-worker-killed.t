#!/usr/bin/perl
# A worker killed in the middle of a request leaves no trace in the
# health check: the supervisor clears its slot when it reaps it, so a
# quiet pool afterwards is healthy (a slot left "busy" would soon count
# as stuck and get the task replaced for nothing).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use HTTP::Tiny;
use POSIX ();
use Test::More;

my $env = private_stack(WORKERS => 1, HEALTH_STUCK_SECONDS => 1, DB_TIMEOUT_MS => 15000);
my $http = HTTP::Tiny->new(timeout => 5);
sub health { $http->get("http://$env->{HOURS_METRICS}/healthz") }
sub busy {
    my $m = $http->get("http://$env->{HOURS_METRICS}/metrics")->{content};
    return $m =~ /^astro_workers\{service="hours",state="busy"\} (\d+)$/m ? $1 : -1;
}

my $s = signup_ok(unique_name('Killed'), 'mid request');
my $form = form_fields($s->get('/hours')->{content}, '/hours');
ok my $lock = hold_hours_lock($env), 'a session holds a lock on hours_entries';
my $pid = fork // die;
if (!$pid) {
    $s->post('/hours', { %$form, hours => '1', date => '2026-01-02' });
    POSIX::_exit(0);
}
ok wait_until(sub { busy() == 1 }), 'the only worker is inside the request';

open my $fh, '<', "$env->{ASTRO_DIR}/pids/pool-hours.pid" or die $!;
chomp(my $sup = <$fh>);
# The pool's one worker: the child of its supervisor, from /proc/PID/stat.
sub parent_of {
    open my $f, '<', "/proc/$_[0]/stat" or return 0;
    my ($ppid) = (<$f> // '') =~ /\) \S+ ([0-9]+)/;
    return $ppid // 0;
}
my ($worker) = grep { parent_of($_) == $sup } do { opendir my $d, '/proc' or die; grep {/^\d+$/} readdir $d };
ok $worker, 'found the worker';
kill 'KILL', $worker;
release_hours_lock($env, $lock);
waitpid $pid, 0;
ok wait_until(sub { busy() == 0 }), 'the killed worker no longer counts as busy';
sleep 2;    # longer than HEALTH_STUCK_SECONDS, with nothing to do
my $h = health();
is $h->{status}, 200, 'a quiet pool after a killed worker is healthy';
is $h->{content}, "ok\n", '  and says so in one word';

done_testing;
