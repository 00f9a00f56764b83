#!/usr/bin/perl
# The pool against a FastCGI peer that misbehaves as nginx never would.
# Every connection has a deadline (FCGI_TIMEOUT): a peer that stalls
# mid-request or idles on a kept connection frees its worker. A body the
# handler never read cannot become the next request on a kept
# connection, and a body cut short is answered 400 at once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use AstroFcgi qw(fcgi_connect fcgi_begin fcgi_params fcgi_request fcgi_response);
use Time::HiRes qw(time);
use Test::More;

my $env = private_stack(WORKERS => 1, FCGI_TIMEOUT => 2);
my $sock_path = $env->{SIGNUP_FCGI};

# A POST answered without reading its body (415: not a form), then, on
# the same kept connection, a normal request.
my $s = fcgi_connect($sock_path) or die "connect: $!";
print $s fcgi_request(method => 'POST', path => '/logout', keep => 1,
    type => 'text/plain', body => "REQUEST_METHOD=GET\n" x 200);
my ($status) = fcgi_response($s);
is $status, 415, 'a POST that is not a form is refused without reading its body';
print $s fcgi_request(method => 'GET', path => '/login', keep => 1);
my ($status2, $out) = fcgi_response($s);
is $status2, 200, '  the next request on the same kept connection is answered';
like $out, qr/<form[^>]+action="\/login"/, '  with its own page';

# Kept and left idle: the pool closes it after FCGI_TIMEOUT.
my $t0 = time;
my $n = sysread $s, my $junk, 1;
my $idle = time - $t0;
ok defined $n && $n == 0, 'an idle kept connection is closed by the pool';
ok $idle < 8, sprintf('  after its deadline (%.1f s)', $idle);
close $s;

# A body cut short: stdin ends before CONTENT_LENGTH.
$s = fcgi_connect($sock_path) or die "connect: $!";
$t0 = time;
print $s fcgi_request(method => 'POST', path => '/logout', length => 100,
    type => 'application/x-www-form-urlencoded', body => 'csrf=short');
($status) = fcgi_response($s);
is $status, 400, 'a truncated body is answered 400';
ok time - $t0 < 2, '  at once';
close $s;

# A peer that stops sending mid-request holds the only page worker
# until its deadline, then the worker serves others again.
my $stall = fcgi_connect($sock_path) or die "connect: $!";
print $stall fcgi_begin(0);
$t0 = time;
my $res = client()->get('/login');
is $res->{status}, 200, 'a stalled peer frees the only worker';
ok time - $t0 < 8, sprintf('  after its deadline (%.1f s)', time - $t0);
close $stall;

done_testing;
