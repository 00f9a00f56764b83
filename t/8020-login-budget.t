#!/usr/bin/perl
# An admitted log-in is hashed promptly or refused promptly, never left
# waiting for a hash it cannot get in time. A log-in that finds every
# hash permit taken waits in one of HASH_WAITERS places only while the
# hashes ahead of it and its own can end within HASH_BUDGET_MS at the
# pace hashes go just now; otherwise, or as soon as they stop going at
# that pace, the pool answers 503 with Retry-After and the log-in form
# saying why (password.c). Here the hash in hand is frozen (SIGSTOP, as
# a task with no CPU left for it would leave it): the log-in waiting
# behind it is refused within a few seconds, not after the gate's 10 s,
# and the frozen one is answered once it runs again. A budget the gate
# would not wait for is refused at start-up with a message.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use POSIX ();
use Time::HiRes qw(time sleep);
use Test::More;

my $top = "$FindBin::Bin/..";
my $bin = "$top/build/" . ($ENV{ASTRO_VARIANT} || 'release') . '/astro-signup';

# Bad settings stop the pool with a clear message, before anything runs.
{
    my $out = `env -i PATH="\$PATH" FCGI_TIMEOUT=10 HASH_BUDGET_MS=10000 '$bin' 2>&1`;
    isnt $? >> 8, 0, 'HASH_BUDGET_MS at FCGI_TIMEOUT: the pool does not start';
    like $out, qr/HASH_BUDGET_MS=10000 must be below FCGI_TIMEOUT=10/, '  and says why';
    $out = `env -i PATH="\$PATH" HASH_NICE=20 '$bin' 2>&1`;
    isnt $? >> 8, 0, 'HASH_NICE=20: the pool does not start';
    like $out, qr/HASH_NICE/, '  and names the setting';
}

my $env = private_stack(WORKERS => 2, HASH_CONCURRENCY => 1, HASH_WAITERS => 1,
    HASH_BUDGET_MS => 2000, AUTH_RATE => '60000r/m', AUTH_BURST => 10000);

# The sign-up pool's hashing workers (those at HASH_NICE): pid => [state,
# CPU ticks].
sub hashing {
    my $w = pool_workers($env, 'signup');
    my %h;
    for my $pid (grep { $w->{$_}{nice} > 0 } keys %$w) {
        open my $s, '<', "/proc/$pid/stat" or next;
        my (undef, $rest) = (<$s> // '') =~ /^(\d+) \(.*\) (.*)/ or next;
        my @f = split ' ', $rest;
        $h{$pid} = [ $f[0], $f[11] + $f[12] ];
    }
    return \%h;
}

# One visitor logging in over and over, so that a hash is nearly always
# in hand; its answers, one a line, on $answers.
sub visitor {
    my ($seconds) = @_;
    pipe my $r, my $w or die $!;
    my $pid = fork // die;
    if (!$pid) {
        close $r;
        my $c = client();
        my $form = form_fields($c->get('/login')->{content}, '/login');
        my $end = time + $seconds;
        while (time < $end) {
            my $res = $c->post('/login', { %$form, name => 'Nobody Here', password => 'whatever' });
            print $w "$res->{status}\n";
        }
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    return ($pid, $r);
}

my $c = client();
my $form = form_fields($c->get('/login')->{content}, '/login');
my %login = (%$form, name => 'Nobody Either', password => 'whatever');

is scalar(keys %{ hashing() }), 2, 'two hashing workers (HASH_CONCURRENCY 1 + HASH_WAITERS 1)';
is $c->post('/login', \%login)->{status}, 403, 'a lone log-in is hashed and checked';

# Freeze the worker whose hash is in hand: the one running, on the CPU
# across two looks 20 ms apart (a hash takes a hundred times longer than
# anything else a hashing worker does).
my ($vpid, $vanswers) = visitor(12);
my $frozen;
my $end = time + 10;
while (!$frozen && time < $end) {
    my $a = hashing();
    sleep 0.02;
    my $b = hashing();
    ($frozen) = grep { $a->{$_}[0] eq 'R' && $b->{$_} && $b->{$_}[0] eq 'R' && $b->{$_}[1] > $a->{$_}[1] }
        keys %$a;
}
ok $frozen, 'caught a hashing worker in the middle of a hash' or BAIL_OUT('no hash seen');
kill 'STOP', $frozen;
my $res = eval {
    my $t0 = time;
    my $r = $c->post('/login', \%login);
    $r->{took} = time - $t0;
    $r;
};
kill 'CONT', $frozen;
die $@ unless $res;
is $res->{status}, 503, 'the log-in waiting behind a hash that stopped going is refused (503)';
cmp_ok $res->{took}, '<', 5, '  within a few seconds, not the gate\'s 10';
like $res->{headers}{'retry-after'} // '', qr/^[1-9][0-9]*$/, '  with Retry-After';
like $res->{content}, qr/Too many people are logging in just now, so nothing was done/,
    '  on the log-in form, saying why';
like $res->{content}, qr/name="password"/, '  which can be sent again';

my @visitor = map { chomp; $_ } <$vanswers>;
waitpid $vpid, 0;
ok scalar(grep { $_ eq '403' } @visitor), 'the frozen log-in and the rest were checked';
is_deeply [grep { !/^(403|503)$/ } @visitor], [], 'every log-in checked or refused (no 502, 504)';

done_testing;
