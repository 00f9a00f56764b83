#!/usr/bin/perl
# Sign-up and log-in POSTs are rate limited per client address (as the
# ALB reports it in X-Forwarded-For); pages and other clients are not.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Test::More;

my $c = client();
my $hidden = form_fields($c->get('/login')->{content}, '/login');
my %seen;
for (1 .. 30) {
    # A wrong token is answered at once, without a password hash.
    my $res = $c->post('/login', { name => 'x', password => 'y', csrf => 'A' x 43 });
    $seen{ $res->{status} }++;
    if ($res->{status} == 429) {
        like $res->{content}, qr{<h1>Too many attempts</h1>}, 'a limited POST gets a page that says so'
            if $seen{429} == 1;
    }
}
ok $seen{403}, 'the first attempts reach the service';
ok $seen{429} && $seen{429} >= 10, "a burst of 30 from one address is cut off ($seen{429} x 429)";
is $c->get('/login')->{status}, 200, 'GET /login is not limited';
is $c->get('/board')->{status}, 200, 'nor is the board';

my $other = client();
$other->get('/login');
my $res = $other->post('/login', { name => 'x', password => 'y', csrf => 'A' x 43 });
is $res->{status}, 403, 'another address is not affected';

$res = $c->submit('/signup', '/signup', { name => unique_name('Limited'),
    password => 'longenough', confirm => 'longenough' });
is $res->{status}, 429, 'the limit covers sign-up from the same address';

done_testing;
