#!/usr/bin/perl
# Logging in and out: a new token at every log-in, one message for any
# wrong name or password, and a log-out that ends the session on the
# server, so the old cookie is worthless.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Test::More;

my $env = stack();
my $name = unique_name('Neil');
my $pw = 'one small step';
my $first = signup_ok($name, $pw);
my $signup_token = $first->cookie('ah_session');

sub login {
    my ($c, $n, $p) = @_;
    return $c->submit('/login', '/login', { name => $n, password => $p });
}

my $c = client();
my $page = $c->get('/login');
is $page->{status}, 200, 'GET /login shows the form';
like $page->{content}, qr{<label for="name">Name</label>}, '  with labelled fields';

my $res = login($c, $name, $pw);
is $res->{status}, 303, 'logging in with the right password';
is $res->{headers}{location}, '/hours', '  goes to /hours';
my $token = $c->cookie('ah_session');
ok $token && $token ne $signup_token, '  with a new token, not the sign-up one';
like $c->get('/hours')->{content}, qr{Signed in as <strong>\Q$name\E</strong>}, '  signed in';

$res = login($c, lc $name, $pw);
is $res->{status}, 303, 'names are case-insensitive at log-in too';
my $again = $c->cookie('ah_session');
isnt $again, $token, 'logging in again issues another new token';
is psql($env, "SELECT count(*) FROM astro.sessions WHERE token_hash = decode(:'h', 'hex')",
        -v => 'h=' . token_hash($token)),
    0, '  and ends the session the browser had';
$c->set_cookie(ah_session => $token);
is $c->get('/hours')->{status}, 303, '  whose cookie no longer opens /hours';
$c->set_cookie(ah_session => $again);

# Wrong passwords and unknown names get the same words.
for my $t (
    [ 'a wrong password', $name, 'one giant leap' ],
    [ 'an unknown name', unique_name('Nobody'), $pw ],
    [ 'a name too long to exist', 'n' x 65, $pw ],
    [ 'a password of the wrong case', $name, uc $pw ],
) {
    my ($why, $n, $p) = @$t;
    my $x = client();
    my $r = login($x, $n, $p);
    is $r->{status}, 403, "$why: 403";
    like $r->{content}, qr{<p class="alert" role="alert">Wrong name or password\.</p>},
        '  the one generic message';
    unlike $r->{content}, qr/\Q$p\E/, '  the password is not echoed';
    is $x->cookie('ah_session'), undef, '  and no session';
}

for my $t ([ 'no name', '', $pw, 'name', qr/Enter your name/ ],
           [ 'no password', $name, '', 'password', qr/Enter your password/ ]) {
    my ($why, $n, $p, $field, $msg) = @$t;
    my $r = login(client(), $n, $p);
    is $r->{status}, 422, "$why: 422";
    like $r->{content}, qr{id="$field-error">$msg}, "  says so beside the $field";
}

my $x = client();
$x->get('/login');
$res = $x->post('/login', { name => $name, password => $pw, csrf => 'A' x 43 });
is $res->{status}, 403, 'a log-in without the right CSRF token is refused';
like $res->{content}, qr/form had expired/, '  and says why';
is $x->cookie('ah_session'), undef, '  without signing in';

# Log out: the form is on every page while signed in.
my $board = $c->get('/board');
my $logout = form_fields($board->{content}, '/logout');
ok $logout->{csrf}, 'every page carries the log-out form with its token';
my $before = $c->cookie('ah_session');

$res = $c->post('/logout', { csrf => 'A' x 43 });
is $res->{status}, 403, 'log-out with a wrong token is refused';
like $res->{content}, qr/still signed in/, '  and says so';
is $c->get('/hours')->{status}, 200, '  the session still works';

$res = $c->post('/logout', $logout);
is $res->{status}, 303, 'log-out';
is $res->{headers}{location}, '/board', '  goes to the board';
is $c->cookie('ah_session'), undef, '  and clears the cookie';
is psql($env, "SELECT count(*) FROM astro.sessions WHERE token_hash = decode(:'h', 'hex')",
        -v => 'h=' . token_hash($before)),
    0, '  and deletes the session on the server';

# The old cookie, replayed, is worth nothing.
$c->set_cookie(ah_session => $before);
$res = $c->get('/hours');
is $res->{status}, 303, 'the old cookie no longer opens /hours';
is $res->{headers}{location}, '/login', '  it goes to /login';
like join(' ', ref $res->{headers}{'set-cookie'} ? @{ $res->{headers}{'set-cookie'} }
        : $res->{headers}{'set-cookie'} // ''),
    qr/ah_session=; Path=\/; Max-Age=0/, '  and the dead cookie is cleared';
unlike $c->get('/board')->{content}, qr/Signed in as/, 'the board shows nobody signed in';

# A forged cookie is just anonymous.
my $f = client();
$f->set_cookie(ah_session => 'A' x 43);
is $f->get('/hours')->{status}, 303, 'a made-up session token opens nothing';
$f->set_cookie(ah_session => q{'; DROP TABLE astro.sessions;--});
is $f->get('/board')->{status}, 200, 'a malformed cookie is ignored';
ok psql($env, 'SELECT count(*) FROM astro.sessions') > 0, '  and the sessions are all still there';

done_testing;
