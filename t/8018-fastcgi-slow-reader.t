#!/usr/bin/perl
# A FastCGI exchange has one deadline, FCGI_TIMEOUT, from its first
# record to its last, however the peer paces it. A peer that stops
# reading in the middle of a response, one that reads it steadily but
# slowly, and one that sends its request a byte at a time each free
# their worker at the deadline: the connection is closed, the exchange
# cut short, and the worker serves others again.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use AstroFcgi qw(fcgi_connect fcgi_request fcgi_response fcgi_records);
use HTTP::Tiny;
use IO::Select;
use Time::HiRes qw(time sleep);
use Test::More;

# Every request reads the board afresh (no snapshot of its rows): the
# stack's own start-up check has just read the empty board, and this test
# needs the big page it writes next.
my $env = private_stack(WORKERS => 1, FCGI_TIMEOUT => 2, BOARD_PAGE_SIZE => 500,
    BOARD_SNAPSHOT_MS => 0);
my $http = HTTP::Tiny->new(timeout => 5);
sub busy {
    my $m = $http->get("http://$env->{BOARD_METRICS}/metrics")->{content} // '';
    return $m =~ /^astro_workers\{service="board",state="busy"\} (\d+)$/m ? $1 : -1;
}

sub next_served {
    my $next = fcgi_connect($env->{BOARD_FCGI}) or die "connect: $!";
    print $next fcgi_request(method => 'GET', path => '/board.json');
    my ($status) = fcgi_response($next);
    return $status // 0;
}

# A board page of 500 astronauts whose names are all quotes, each
# written as &quot;: more than a unix socket holds (about 200 kB).
psql($env, <<'SQL');
INSERT INTO astro.astronauts (name, password_hash)
SELECT repeat('"', 58) || ' ' || i, '$s1$0d080a$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA=='
  FROM generate_series(1, 500) AS i
SQL

# Stops reading.
my $slow = fcgi_connect($env->{BOARD_FCGI}) or die "connect: $!";
print $slow fcgi_request(method => 'GET', path => '/board');
ok wait_until(sub { busy() == 1 }), 'the only worker is stuck writing a page nobody reads';
my $t0 = time;
ok wait_until(sub { busy() == 0 }), 'the worker gives up';
ok time - $t0 < 8, sprintf('  after its deadline (%.1f s)', time - $t0);
my @got = fcgi_response($slow, 3);
is scalar(@got), 0, '  and closes the connection, the page cut short';
is next_served(), 200, 'the worker serves the next connection';

# Reads steadily, 1 kB every quarter second: each of the worker's writes
# finds room well within FCGI_TIMEOUT, but the whole page would take
# longer than that.
$slow = fcgi_connect($env->{BOARD_FCGI}) or die "connect: $!";
print $slow fcgi_request(method => 'GET', path => '/board');
my ($raw, $freed) = ('', 0);
$t0 = time;
while (time - $t0 < 30) {
    my $n = sysread $slow, my $chunk, 1024;
    last unless $n;
    $raw .= $chunk;
    last if $freed = busy() == 0;
    sleep 0.25;
}
ok $freed, 'a worker writing to a slow but steady reader is freed';
ok time - $t0 < 6, sprintf('  at its deadline (%.1f s)', time - $t0);
while (sysread $slow, my $chunk, 65536) { $raw .= $chunk }
my ($page, $ended) = fcgi_records($raw);
ok !$ended, '  the page cut short (' . length($page) . ' bytes), the connection closed';
unlike $page, qr{</html>}, '  its end never sent';
is next_served(), 200, 'the worker serves the next connection';

# Sends its request a byte at a time, each well within FCGI_TIMEOUT: at
# that pace the request would take half a minute.
my $request = fcgi_request(method => 'GET', path => '/board.json');
my $trickle = fcgi_connect($env->{BOARD_FCGI}) or die "connect: $!";
my $sel = IO::Select->new($trickle);
my ($sent, $closed) = (0, 0);
$t0 = time;
for my $byte (split //, $request) {
    if ($sel->can_read(0) || !defined syswrite($trickle, $byte)) {
        $closed = 1;    # the pool closed it: end of file, or EPIPE
        last;
    }
    $sent++;
    sleep 30 / length $request;
}
ok $closed, sprintf('a request sent a byte at a time is given up (%d of %d bytes sent)',
    $sent, length $request);
ok time - $t0 < 10, sprintf('  at its deadline (%.1f s)', time - $t0);
is next_served(), 200, 'the worker serves the next connection';

done_testing;
