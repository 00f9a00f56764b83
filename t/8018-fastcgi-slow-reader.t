#!/usr/bin/perl
# A FastCGI peer that stops reading in the middle of a response frees
# its worker after FCGI_TIMEOUT: the worker's write gives up, the
# connection is closed, and the worker serves others again.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use AstroFcgi qw(fcgi_connect fcgi_request fcgi_response);
use HTTP::Tiny;
use Time::HiRes qw(time);
use Test::More;

my $env = private_stack(WORKERS => 1, FCGI_TIMEOUT => 2, BOARD_PAGE_SIZE => 500);
my $http = HTTP::Tiny->new(timeout => 5);
sub busy {
    my $m = $http->get("http://$env->{BOARD_METRICS}/metrics")->{content} // '';
    return $m =~ /^astro_workers\{service="board",state="busy"\} (\d+)$/m ? $1 : -1;
}

# A board page of 500 astronauts whose names are all quotes, each
# written as &quot;: more than a unix socket holds (about 200 kB).
psql($env, <<'SQL');
INSERT INTO astro.astronauts (name, password_hash)
SELECT repeat('"', 58) || ' ' || i, '$s1$0d080a$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA=='
  FROM generate_series(1, 500) AS i
SQL
my $slow = fcgi_connect($env->{BOARD_FCGI}) or die "connect: $!";
print $slow fcgi_request(method => 'GET', path => '/board');
ok wait_until(sub { busy() == 1 }), 'the only worker is stuck writing a page nobody reads';
my $t0 = time;
ok wait_until(sub { busy() == 0 }), 'the worker gives up';
ok time - $t0 < 8, sprintf('  after its deadline (%.1f s)', time - $t0);
my @got = fcgi_response($slow, 3);
is scalar(@got), 0, '  and closes the connection, the page cut short';

my $next = fcgi_connect($env->{BOARD_FCGI}) or die "connect: $!";
print $next fcgi_request(method => 'GET', path => '/board.json');
my ($status) = fcgi_response($next);
is $status, 200, 'the worker serves the next connection';

done_testing;
