#!/usr/bin/perl
# A log-in burst never holds up pages. Log-ins are served by the
# sign-up pool's hashing workers on a socket of their own; pages by its
# page workers. With more log-ins in flight than there are workers of
# either kind, for several seconds, GET /login, GET /signup and POST
# /logout of the same service are each answered well inside nginx's
# 10 s timeout, and every log-in gets an answer: checked (403, a wrong
# password) or refused with Retry-After (503 beyond the hashing workers,
# or 429 once the name has had too many wrong passwords,
# t/1008-login-limits.t), never 502 or 504.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use POSIX ();
use Time::HiRes qw(time);
use Test::More;

my $env = private_stack(WORKERS => 2, HASH_CONCURRENCY => 1,
    AUTH_RATE => '60000r/m', AUTH_BURST => 10000);
my $name = unique_name('Burst');
signup_ok($name, 'the right one');

# Hashing workers run at nice 10 (HASH_NICE), page workers at 0, all
# under the normal policy: a page worker that wakes takes the CPU from a
# hash, and a hash still progresses while pages keep the CPU full.
{
    my %seen;
    $seen{"$_->{policy}/$_->{nice}"}++ for values %{ pool_workers($env, 'signup') };
    is $seen{'0/10'} // 0, 2, 'the 2 hashing workers run at nice 10, normal policy';
    is $seen{'0/0'} // 0, 2, 'the 2 page workers at nice 0';
}

# Signed-in astronauts whose log-out forms are posted during the burst.
my @leaving = map { signup_ok(unique_name('Leaving'), 'see you soon') } 1 .. 3;
my @logout = map { form_fields($_->get('/board')->{content}, '/logout') } @leaving;

my $IN_FLIGHT = 8;    # log-ins at once: twice the page and hashing workers
my $SECONDS = 6;
pipe my $r, my $w or die $!;
my @kids;
for my $k (1 .. $IN_FLIGHT) {
    my $pid = fork // die;
    if (!$pid) {
        close $r;
        # The burst's clients stand for machines elsewhere: their own
        # CPU must not take this machine's from the service under test.
        POSIX::nice(19);
        my $c = client();
        my $form = form_fields($c->get('/login')->{content}, '/login');
        my $end = time + $SECONDS;
        my @seen;
        while (time < $end) {
            my $res = $c->post('/login', { %$form, name => $name, password => 'wrong' });
            my $ra = $res->{headers}{'retry-after'} // '';
            push @seen, "$res->{status}:$ra";
        }
        print $w join(' ', @seen), "\n";
        close $w;    # flushes: _exit would not
        POSIX::_exit(0);
    }
    push @kids, $pid;
}
close $w;

sleep 1;    # the burst is under way
my $c = client();
my @slow;
for my $round (1 .. 3) {
    for my $case (['GET /login', sub { $c->get('/login') }, 200],
                  ['GET /signup', sub { $c->get('/signup') }, 200],
                  ['POST /logout', sub { $leaving[$round - 1]->post('/logout', $logout[$round - 1]) }, 303]) {
        my ($what, $do, $want) = @$case;
        my $t0 = time;
        my $res = $do->();
        my $took = time - $t0;
        is $res->{status}, $want, "during the burst, $what answers $want";
        push @slow, sprintf('%s took %.2f s', $what, $took) if $took >= 2;
    }
}
is_deeply \@slow, [], 'every page answered within 2 s while log-ins were in flight';

my @answers = map { split ' ' } <$r>;
waitpid $_, 0 for @kids;
my %by;
$by{ (split /:/)[0] }++ for @answers;
diag 'log-ins: ' . join ', ', map {"$_ x $by{$_}"} sort keys %by;
ok $by{403}, 'log-ins were checked all along';
is scalar(grep { /^50[24]:/ } @answers), 0, 'no log-in got 502 or 504';
is scalar(grep { /^(503|429):/ && !/^(503|429):[1-9]/ } @answers), 0, 'every refused log-in carries Retry-After';
is_deeply [grep { !/^(403|503|429):/ } @answers], [], 'every log-in was checked or refused';

done_testing;
