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
    for (1 .. 20) {
        open my $fh, '<', "$env->{ASTRO_DIR}/log/nginx-board.log" or die $!;
        seek $fh, $from, 0;
        my ($line) = grep {/"user_agent":"\Q$agent\E"/} <$fh>;
        return decode_json($line)->{upstream_cache} if $line;
        select undef, undef, undef, 0.05;
    }
    return 'not logged';
}

my $n = 0;
sub get_as {
    my ($c, $path, %h) = @_;
    my $agent = "cache-probe-$$-" . $n++;
    my $from = -s "$env->{ASTRO_DIR}/log/nginx-board.log";
    my $res = $c->get($path, { 'User-Agent' => $agent, %h });
    return ($res, cache_status($agent, $from));
}

sleep 2;    # whatever an earlier test left in the cache has expired
my $anon = client();
my ($r1, $s1) = get_as($anon, '/board');
my ($r2, $s2) = get_as(client(), '/board');
like $s1, qr/^(MISS|EXPIRED)$/, 'the first anonymous board in a second goes to the pool';
is $s2, 'HIT', 'the next, from another visitor, comes from the cache';
is $r2->{content}, $r1->{content}, '  with the same page';

my ($j, $sj) = get_as(client(), '/board', Accept => 'application/json');
like $j->{headers}{'content-type'}, qr{^application/json}, 'asking for JSON still gets JSON';
isnt $sj, 'HIT', '  not the cached HTML';
my ($h, $sh) = get_as(client(), '/board', Accept => 'text/html,*/*;q=0.8');
is $sh, 'HIT', "a browser's Accept shares the cached HTML";

# A visitor with the sign-up form's CSRF cookie is still anonymous.
my $visitor = client();
$visitor->get('/signup');
ok $visitor->cookie('ah_csrf'), 'a visitor who opened the sign-up form has a CSRF cookie';
my (undef, $sv) = get_as($visitor, '/board');
is $sv, 'HIT', '  and still gets the shared board';

# Signed in: never from the cache, never into it.
my $name = unique_name('Cached');
my $me = signup_ok($name, 'never cached');
my ($mine, $sm) = get_as($me, '/board');
is $sm, 'BYPASS', 'a signed-in board bypasses the cache';
like $mine->{content}, qr{Signed in as <strong>\Q$name\E</strong>}, '  and is that astronaut\'s own page';
my ($after, $sa) = get_as(client(), '/board');
unlike $after->{content}, qr{Signed in as}, 'the next anonymous visitor never sees it';

# A stale session cookie is cleared by the pool: that response sets a
# cookie, so it is not cached either.
my $stale = client();
$stale->set_cookie(ah_session => 'A' x 43);
my ($st, $ss) = get_as($stale, '/board');
is $ss, 'BYPASS', 'a request with a session cookie, even a dead one, bypasses the cache';
like $st->{headers}{'set-cookie'}, qr/ah_session=;/, '  and its answer clears the cookie';

# Within a second or two, the anonymous board shows new hours.
my $form = form_fields($me->get('/hours')->{content}, '/hours');
$me->post('/hours', { %$form, hours => '24', date => '2026-01-01', note => '' });
sleep 2;
my $found = board_find($name);
is $found && $found->{hours}, '24.0' + 0, 'after a second the cached board shows the new total';

done_testing;
