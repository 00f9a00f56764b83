#!/usr/bin/perl
# At most HASH_CONCURRENCY scrypt hashes run at once in the sign-up pool
# (more could not finish sooner on the same cores, and each holds 8 MiB).
# The permits are byte-range locks on a memory file the pool's processes
# share; this test takes both permits itself, through /proc: log-ins
# then wait instead of hashing, and once one permit comes back they take
# it in turn, while the other stays taken. A log-in whose client left
# while it waited is never hashed. (How long a log-in may wait is
# HASH_BUDGET_MS, t/8020-login-budget.t; here it is raised so the wait
# can be watched.)
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Fcntl qw(F_SETLK F_WRLCK F_UNLCK SEEK_SET);
use HTTP::Tiny;
use POSIX ();
use Time::HiRes qw(sleep);
use Test::More;

plan skip_all => 'struct flock is packed for x86_64 Linux' unless `uname -m` =~ /x86_64/;

my $env = private_stack(HASH_CONCURRENCY => 2, HASH_WAITERS => 2, HASH_BUDGET_MS => 9000);
my $name = unique_name('Permit');
signup_ok($name, 'wait your turn');

# The supervisor's descriptor for the permits file.
open my $p, '<', "$env->{ASTRO_DIR}/pids/pool-signup.pid" or die $!;
chomp(my $sup = <$p>);
my ($fd) = grep { (readlink("/proc/$sup/fd/$_") // '') =~ /^\/memfd:scrypt-permits/ }
    do { opendir my $d, "/proc/$sup/fd" or die $!; readdir $d };
ok defined $fd, 'the sign-up pool holds its permits file';
open my $permits, '+<', "/proc/$sup/fd/$fd" or die "permits: $!";
# Its first four bytes: the recent hashes' time in ms, which the sign-up
# above set.
sysread($permits, my $head, 4) == 4 or die "permits: $!";
cmp_ok unpack('L', $head), '>', 0, '  it records how long the hashes took';

# struct flock on x86_64: short type, short whence, off_t start, off_t len, pid_t pid.
sub lock_byte { fcntl($permits, F_SETLK, pack('s s x4 q q l x4', $_[0], SEEK_SET, $_[1], 1, 0)) }
ok lock_byte(F_WRLCK, 0) && lock_byte(F_WRLCK, 1), 'the test takes both permits';

# Two log-ins, each from its own client.
my @pids;
for (1 .. 2) {
    my $c = client();
    my $form = form_fields($c->get('/login')->{content}, '/login');
    my $pid = fork // die;
    if (!$pid) {
        my $res = $c->post('/login', { %$form, name => $name, password => 'wait your turn' });
        POSIX::_exit($res->{status} == 303 ? 0 : 1);
    }
    push @pids, $pid;
}
sleep 2;
is scalar(grep { waitpid($_, POSIX::WNOHANG()) == 0 } @pids), 2,
    'log-ins do not start hashing while no permit is free';
my $metrics = HTTP::Tiny->new->get("http://$env->{SIGNUP_METRICS}/metrics")->{content};
like $metrics, qr/^astro_workers\{service="signup",state="busy"\} 2$/m, '  their workers wait for one';

ok lock_byte(F_UNLCK, 1), 'the test gives the second permit back';
my %status;
for (1 .. 150) {
    for my $pid (grep { !exists $status{$_} } @pids) {
        $status{$pid} = $? >> 8 if waitpid($pid, POSIX::WNOHANG()) == $pid;
    }
    last if keys %status == @pids;
    sleep 0.1;
}
is scalar(grep { defined && $_ == 0 } @status{@pids}), 2,
    '  both log-ins hash with it, one after the other, and succeed';
ok lock_byte(F_UNLCK, 0), '  while the first permit was still taken';
kill 'KILL', grep { !exists $status{$_} } @pids;

# A log-in whose client gives up while it waits for a permit is not
# hashed once a permit comes: nobody would read the answer.
sub hashes {
    my $m = HTTP::Tiny->new->get("http://$env->{SIGNUP_METRICS}/metrics")->{content};
    return $m =~ /^astro_password_hash_seconds_count\{[^}]*\} ([0-9]+)$/m ? $1 : -1;
}
ok lock_byte(F_WRLCK, 0) && lock_byte(F_WRLCK, 1), 'the test takes both permits again';
my $before = hashes();
my $impatient = client();
my $form = form_fields($impatient->get('/login')->{content}, '/login');
$impatient->{http}->timeout(1);
my $res = $impatient->post('/login', { %$form, name => $name, password => 'wait your turn' },
    { 'User-Agent' => 'impatient' });
is $res->{status}, 599, 'a client that waits one second gives up';
sleep 1;
ok lock_byte(F_UNLCK, 0) && lock_byte(F_UNLCK, 1), 'the permits come back';
my $line;
for (1 .. 50) {
    open my $fh, '<', "$env->{ASTRO_DIR}/log/pool-signup.log" or die $!;
    ($line) = grep { /"route":"\/login"/ && /"status":499/ } <$fh>;
    last if $line;
    sleep 0.1;
}
ok $line, "  the pool logs that log-in as 499, the client's leaving";
is hashes(), $before, '  and never hashed its password';
ok signup_ok(unique_name('After'), 'still works'), 'the next sign-up hashes as usual';

done_testing;
