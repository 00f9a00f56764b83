#!/usr/bin/perl
# Every way a sign-up can be wrong: the form comes back with a message
# beside the field and the name kept (never the password), with a 4xx
# status, and nothing is stored.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use HTTP::Tiny;
use Test::More;

my $env = stack();
my $taken = unique_name('Valentina');
signup_ok($taken, 'first flight 1963');

my $pw = 'hunter2hunter2';
my $long = 'x' x 65;

# name: the raw, already-encoded name; the rest as for the form.
my @cases = (
    { why => 'empty name', name => '', status => 422, field => 'name',
      message => qr/Enter a name/ },
    { why => 'a name of spaces', name => '+++', status => 422, field => 'name',
      message => qr/Enter a name/ },
    { why => 'a 65-character name', name => $long, status => 422, field => 'name',
      message => qr/at most 64 characters/ },
    { why => 'invalid UTF-8 in the name', name => 'Bad%FFName', status => 422,
      field => 'name', message => qr/not valid UTF-8/ },
    { why => 'an overlong UTF-8 encoding', name => 'Bad%C0%AFName', status => 422,
      field => 'name', message => qr/not valid UTF-8/ },
    { why => 'a control character in the name', name => 'Bad%01Name', status => 422,
      field => 'name', message => qr/control, invisible, private-use and unassigned characters are not allowed/ },
    { why => 'a newline in the name', name => 'Bad%0AName', status => 422,
      field => 'name', message => qr/control, invisible, private-use and unassigned characters are not allowed/ },
    { why => 'a right-to-left override in the name', name => 'Bad%E2%80%AEName',
      status => 422, field => 'name', message => qr/control, invisible, private-use and unassigned characters are not allowed/ },
    { why => 'an embedded NUL in the name', name => 'Bad%00Name', status => 422,
      field => 'name', message => qr/control, invisible, private-use and unassigned characters are not allowed/ },
    { why => 'a name that differs only in case from a taken one',
      name => uc($taken) =~ s/ /+/gr, status => 409, field => 'name',
      message => qr/That name is taken/ },
    { why => 'a short password', password => 'seven77', status => 422,
      field => 'password', message => qr/at least 8 characters/ },
    { why => 'no password', password => '', status => 422, field => 'password',
      message => qr/Choose a password/ },
    { why => 'a 257-character password', password => 'p' x 257, status => 422,
      field => 'password', message => qr/at most 256 characters/ },
    { why => 'passwords that do not match', confirm => 'something else',
      status => 422, field => 'confirm', message => qr/do not match/ },
    { why => 'no CSRF token', csrf => '', status => 403,
      message => qr/form had expired/ },
    { why => 'a wrong CSRF token', csrf => 'A' x 43, status => 403,
      message => qr/form had expired/ },
    { why => 'a malformed CSRF token', csrf => '<script>', status => 403,
      message => qr/form had expired/ },
);

sub count { psql($env, 'SELECT count(*) FROM astro.astronauts') }

for my $t (@cases) {
    my $c = client();
    my $page = $c->get('/signup');
    my $hidden = form_fields($page->{content}, '/signup');
    my $name = $t->{name} // (unique_name('Bad') =~ s/ /+/gr);
    my $password = $t->{password} // $pw;
    my $body = join '&', "name=$name",
        'password=' . HTTP::Tiny->www_form_urlencode({ p => $password }) =~ s/^p=//r,
        'confirm=' . HTTP::Tiny->www_form_urlencode({ p => $t->{confirm} // $password }) =~ s/^p=//r,
        'csrf=' . ($t->{csrf} // $hidden->{csrf});
    my $before = count();
    my $res = $c->post('/signup', $body);

    is $res->{status}, $t->{status}, "$t->{why}: $t->{status}";
    like $res->{content}, $t->{message}, '  with a clear message';
    if (my $f = $t->{field}) {
        like $res->{content}, qr{<p class="error" id="$f-error">[^<]*$t->{message}},
            "  beside the $f field";
        like $res->{content}, qr{id="$f"[^>]*aria-invalid="true"}, '  which is marked invalid';
    }
    like $res->{content}, qr{<form method="post" action="/signup"}, '  the form comes back';
    unlike $res->{content}, qr/\Q$password\E/, '  without the password' if length $password >= 8;
    if ($t->{name} && $t->{name} eq $long) {
        like $res->{content}, qr{value="$long"}, '  keeping the name as typed';
    }
    is count(), $before, '  and nothing is stored';
    is $c->cookie('ah_session'), undef, '  and nobody is signed in';
}

# The form keeps what was typed, escaped.
my $c = client();
my $page = $c->get('/signup');
my $res = $c->post('/signup', { %{ form_fields($page->{content}, '/signup') },
    name => q{<b>"Ed"</b>}, password => 'short', confirm => 'short' });
is $res->{status}, 422, 'a refused form';
like $res->{content}, qr{value="&lt;b&gt;&quot;Ed&quot;&lt;/b&gt;"}, '  keeps the name, escaped';
unlike $res->{content}, qr{value="short"}, '  but not the password';

# A field sent twice, or a body that is not a form at all.
$c = client();
$page = $c->get('/signup');
my $csrf = form_fields($page->{content}, '/signup')->{csrf};
$res = $c->post('/signup', "name=a&name=b&password=$pw&confirm=$pw&csrf=$csrf");
is $res->{status}, 400, 'a field sent twice is a bad request';
like $res->{content}, qr{<h1>Bad request</h1>}, '  with a page that says so';
$res = $c->post('/signup', "name=a%ZZ&csrf=$csrf");
is $res->{status}, 400, 'a broken %-escape is a bad request';
$res = $c->post('/signup', '{"name":"a"}', { 'Content-Type' => 'application/json' });
is $res->{status}, 415, 'a JSON body is refused as unsupported';
like $res->{content}, qr{<h1>Unsupported form</h1>}, '  with a page that says so';

# The CSRF token is bound to this browser's cookie: another browser's
# valid token does not work.
my $a = client();
my $b = client();
my $token_a = form_fields($a->get('/signup')->{content}, '/signup')->{csrf};
$b->get('/signup');
$res = $b->post('/signup', { name => unique_name('Cross'), password => $pw,
    confirm => $pw, csrf => $token_a });
is $res->{status}, 403, "another browser's token is refused";

done_testing;
