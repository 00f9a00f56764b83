#!/usr/bin/perl
# The board's one-second micro-cache in the sidecar: anonymous requests
# share a page for a second; a signed-in astronaut's page, and any
# response that sets a cookie, is never cached or served from cache.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use JSON::PP;
use Test::More;

my $env = stack();

# How the board sidecar answered the request sent with this User-Agent:
# its log line, looked for in what the log gained since offset $from.
sub cache_status {
    my ($agent, $from) = @_;
    for (1 .. 60) {    # nginx flushes its access log each second
        open my $fh, '<', "$env->{ASTRO_DIR}/log/nginx-board.log" or die $!;
        seek $fh, $from, 0;
        my ($line) = grep {/"user_agent":"\Q$agent\E"/} <$fh>;
        return decode_json($line)->{upstream_cache} if $line;
        select undef, undef, undef, 0.05;
    }
    return 'not logged';
}

# Requests are sent first and their log lines read afterwards: nginx
# writes its access log once a second, longer than an entry lives.
my $n = 0;
my $from = -s "$env->{ASTRO_DIR}/log/nginx-board.log";
sub get_as {
    my ($c, $path, %h) = @_;
    my $agent = "cache-probe-$$-" . $n++;
    my $res = $c->get($path, { 'User-Agent' => $agent, %h });
    return ($res, $agent);
}

sleep 2;    # whatever an earlier test left in the cache has expired
my $anon = client();
my ($r1, $a1) = get_as($anon, '/board');
my ($r2, $a2) = get_as(client(), '/board');
my ($j, $aj) = get_as(client(), '/board', Accept => 'application/json');
my ($h, $ah) = get_as(client(), '/board', Accept => 'text/html,*/*;q=0.8');
# A visitor with the sign-up form's CSRF cookie is still anonymous.
my $visitor = client();
$visitor->get('/signup');
my (undef, $av) = get_as($visitor, '/board');

like cache_status($a1, $from), qr/^(MISS|EXPIRED)$/, 'the first anonymous board in a second goes to the pool';
is cache_status($a2, $from), 'HIT', 'the next, from another visitor, comes from the cache';
is $r2->{content}, $r1->{content}, '  with the same page';
like $j->{headers}{'content-type'}, qr{^application/json}, 'asking for JSON still gets JSON';
isnt cache_status($aj, $from), 'HIT', '  not the cached HTML';
is cache_status($ah, $from), 'HIT', "a browser's Accept shares the cached HTML";
ok $visitor->cookie('ah_csrf'), 'a visitor who opened the sign-up form has a CSRF cookie';
is cache_status($av, $from), 'HIT', '  and still gets the shared board';

# Signed in: never from the cache, never into it.
my $name = unique_name('Cached');
my $me = signup_ok($name, 'never cached');
my ($mine, $am) = get_as($me, '/board');
my ($after) = get_as(client(), '/board');
is cache_status($am, $from), 'BYPASS', 'a signed-in board bypasses the cache';
like $mine->{content}, qr{Signed in as <strong>\Q$name\E</strong>}, '  and is that astronaut\'s own page';
unlike $after->{content}, qr{Signed in as}, 'the next anonymous visitor never sees it';

# A stale session cookie is cleared by the pool: that response sets a
# cookie, so it is not cached either.
my $stale = client();
$stale->set_cookie(ah_session => 'A' x 43);
my ($st, $ast) = get_as($stale, '/board');
is cache_status($ast, $from), 'BYPASS', 'a request with a session cookie, even a dead one, bypasses the cache';
like $st->{headers}{'set-cookie'}, qr/ah_session=;/, '  and its answer clears the cookie';

# Within a second or two, the anonymous board shows new hours.
my $form = form_fields($me->get('/hours')->{content}, '/hours');
$me->post('/hours', { %$form, hours => '24', date => '2026-01-01', note => '' });
sleep 2;
my $found = board_find($name);
is $found && $found->{hours}, '24.0' + 0, 'after a second the cached board shows the new total';

done_testing;
