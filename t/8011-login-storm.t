#!/usr/bin/perl
# A log-in storm far beyond what the task can hash is answered, not
# dropped: the sidecar lets through only as many log-ins as there are
# hashing workers and refuses the rest at once with 503, Retry-After and
# a page saying to try again shortly; nothing is 502 or 504, and the
# board keeps answering.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use POSIX ();
use Time::HiRes qw(time);
use Test::More;

my $env = private_stack(WORKERS => 2, HASH_CONCURRENCY => 1,
    AUTH_RATE => '600000r/m', AUTH_BURST => 100000);
my $name = unique_name('Storm');
signup_ok($name, 'the right one');

my $IN_FLIGHT = 40;
my $SECONDS = 5;
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
        my $page_ok = 1;
        while (time < $end) {
            my $res = $c->post('/login', { %$form, name => $name, password => 'wrong' });
            my $ra = $res->{headers}{'retry-after'} // '';
            $page_ok = 0 if $res->{status} == 503 && $res->{content} !~ /try again/;
            push @seen, "$res->{status}:$ra";
        }
        print $w join(' ', "page=$page_ok", @seen), "\n";
        close $w;    # flushes: _exit would not
        POSIX::_exit(0);
    }
    push @kids, $pid;
}
close $w;

sleep 1;
my $board = client();
my @board = map { my $s = $board->get('/board')->{status}; select undef, undef, undef, 0.2; $s } 1 .. 10;
is scalar(grep { $_ == 200 } @board), 10, 'the board keeps answering during the storm';

my @lines = <$r>;
waitpid $_, 0 for @kids;
my @answers = map { my @f = split ' '; shift @f; @f } @lines;
my %by;
$by{ (split /:/)[0] }++ for @answers;
diag 'log-ins: ' . join ', ', map {"$_ x $by{$_}"} sort keys %by;
ok $by{503}, 'log-ins beyond the hashing workers are refused';
ok $by{403}, '  while others are checked';
is scalar(grep { /^50[24]:/ } @answers), 0, 'no 502 or 504';
# 429: the name has had too many wrong passwords (t/1008-login-limits.t),
# a refusal of its own, with Retry-After too.
is scalar(grep { /^(503|429):/ && !/^(503|429):[1-9]/ } @answers), 0, 'every refusal carries Retry-After';
is_deeply [grep { !/^(403|503|429):/ } @answers], [], 'nothing else';
is scalar(grep { !/^page=1/ } @lines), 0, 'every refusal says to try again shortly';

done_testing;
