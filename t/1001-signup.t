#!/usr/bin/perl
# Signing up: the form, a good sign-up, and the session it starts.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Test::More;

my $env = stack();
my $c = client();

my $page = $c->get('/signup');
is $page->{status}, 200, 'GET /signup shows the form';
like $page->{content}, qr{<form method="post" action="/signup"}, 'a form posting to /signup';
like $page->{content}, qr{<label for="$_">}, "a label for $_" for qw(name password confirm);
my $hidden = form_fields($page->{content}, '/signup');
like $hidden->{csrf}, qr/^[A-Za-z0-9_-]{43}$/, 'the form carries a CSRF token';
ok $c->cookie('ah_csrf'), 'and the browser gets the cookie it is bound to';
like $page->{headers}{'cache-control'}, qr/no-store/, 'form pages are not cached';

my $name = unique_name('Sally Ride');
my $res = $c->post('/signup', { %$hidden, name => "  $name  ",
    password => 'correct horse battery', confirm => 'correct horse battery' });
is $res->{status}, 303, 'a good sign-up redirects';
is $res->{headers}{location}, '/hours', '  to /hours';
my ($cookie) = grep {/^ah_session=/} @{ ref $res->{headers}{'set-cookie'}
    ? $res->{headers}{'set-cookie'} : [ $res->{headers}{'set-cookie'} ] };
ok $cookie, '  and sets the session cookie';
like $cookie, qr/^ah_session=[A-Za-z0-9_-]{43};/, '  holding a 256-bit token';
like $cookie, qr/; HttpOnly/, '  HttpOnly';
like $cookie, qr/; SameSite=Lax/, '  SameSite=Lax';
like $cookie, qr/; Path=\//, '  Path=/';
unlike $cookie, qr/; Secure/, '  not Secure over plain HTTP';

my $hours = $c->get('/hours');
is $hours->{status}, 200, 'the new astronaut is signed in';
like $hours->{content}, qr{Signed in as <strong>\Q$name\E</strong>}, '  as the trimmed name';

my $token = $c->cookie('ah_session');
is psql($env, "SELECT a.name FROM astro.sessions s JOIN astro.astronauts a"
        . " ON a.id = s.astronaut_id WHERE s.token_hash = decode(:'h', 'hex')",
        -v => 'h=' . token_hash($token)),
    $name, 'the database holds the SHA-256 of the token, for this astronaut';
is psql($env, "SELECT count(*) FROM astro.sessions"
        . " WHERE position(convert_to(:'t', 'UTF8') in token_hash) > 0", -v => "t=$token"),
    0, '  and never the token itself';
like psql($env, "SELECT password_hash FROM astro.astronauts WHERE name = :'n'", -v => "n=$name"),
    qr/^\$s1\$0d080a\$/, 'the password is stored as an scrypt MCF (N=2^13, r=8, p=10)';

# Over HTTPS the cookie is Secure too. The ALB says so with
# X-Forwarded-Proto (HAProxy, like the ALB, overwrites what a client
# sends), so this client talks to the sidecar as the ALB would.
my $s = client(base => "http://$env->{SIGNUP_SIDECAR}");
$page = $s->get('/signup', { 'X-Forwarded-Proto' => 'https' });
$res = $s->post('/signup', { %{ form_fields($page->{content}, '/signup') },
    name => unique_name('Secure'), password => 'longenough1', confirm => 'longenough1' },
    { 'X-Forwarded-Proto' => 'https' });
is $res->{status}, 303, 'signing up behind HTTPS';
like join(' ', ref $res->{headers}{'set-cookie'} ? @{ $res->{headers}{'set-cookie'} }
        : $res->{headers}{'set-cookie'}), qr/ah_session=[^;]+;.*; Secure/,
    '  sets a Secure session cookie';

done_testing;
