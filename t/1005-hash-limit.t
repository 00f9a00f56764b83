#!/usr/bin/perl
# At most HASH_CONCURRENCY scrypt hashes run at once in the sign-up pool
# (more could not finish sooner on the same cores, and each holds 8 MiB).
# The permits are byte-range locks on a memory file the pool's processes
# share; this test takes the only permit itself, through /proc, and a
# log-in then waits for it instead of hashing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Fcntl qw(F_SETLK F_WRLCK F_UNLCK SEEK_SET);
use HTTP::Tiny;
use POSIX ();
use Test::More;

plan skip_all => 'struct flock is packed for x86_64 Linux' unless `uname -m` =~ /x86_64/;

my $env = private_stack(HASH_CONCURRENCY => 1);
my $name = unique_name('Permit');
signup_ok($name, 'wait your turn');

# The supervisor's descriptor for the permits file.
open my $p, '<', "$env->{ASTRO_DIR}/pids/pool-signup.pid" or die $!;
chomp(my $sup = <$p>);
my ($fd) = grep { (readlink("/proc/$sup/fd/$_") // '') =~ /^\/memfd:scrypt-permits/ }
    do { opendir my $d, "/proc/$sup/fd" or die $!; readdir $d };
ok defined $fd, 'the sign-up pool holds its permits file';
open my $permits, '+<', "/proc/$sup/fd/$fd" or die "permits: $!";
is -s $permits, 1, '  one byte: HASH_CONCURRENCY=1 permit';

# struct flock on x86_64: short type, short whence, off_t start, off_t len, pid_t pid.
sub lock_byte { fcntl($permits, F_SETLK, pack('s s x4 q q l x4', $_[0], SEEK_SET, 0, 1, 0)) }
ok lock_byte(F_WRLCK), 'the test takes the permit';

my $c = client();
my $form = form_fields($c->get('/login')->{content}, '/login');
my $pid = fork // die;
if (!$pid) {
    my $res = $c->post('/login', { %$form, name => $name, password => 'wait your turn' });
    POSIX::_exit($res->{status} == 303 ? 0 : 1);
}
sleep 2;
is waitpid($pid, POSIX::WNOHANG()), 0, 'a log-in does not start hashing while no permit is free';
my $metrics = HTTP::Tiny->new->get("http://$env->{SIGNUP_METRICS}/metrics")->{content};
like $metrics, qr/^astro_workers\{service="signup",state="busy"\} 1$/m, '  its worker waits for one';
ok lock_byte(F_UNLCK), 'the test gives the permit back';
waitpid $pid, 0;
is $? >> 8, 0, 'the log-in then hashes and succeeds';

done_testing;
