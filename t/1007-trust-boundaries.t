#!/usr/bin/perl
# Every trust boundary, each case a row: what a client writes in a header
# never chooses its rate-limit address, the Location of a redirect, the
# HSTS decision or a cookie's scope; a planted anonymous CSRF cookie or a
# cross-site Origin is refused and nothing is stored; /healthz is not
# public.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Digest::SHA qw(hmac_sha256);
use IO::Socket::IP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

my $env = stack();
my $pw = 'trust but verify';
sub sidecar { client(base => "http://$env->{uc($_[0]) . '_SIDECAR'}", @_[1 .. $#_]) }
sub count { psql($env, 'SELECT count(*) FROM astro.astronauts') }

# ---- the client address is the load balancer's hop, not the client's word
# (from 127.0.0.1, the address the sidecars trust as the load balancer's:
# a chain ending in it is what a recursive real IP would walk past)
my $c = client(ip => '127.0.0.1');
my %seen;
for my $i (1 .. 30) {
    my $res = $c->post('/login', { name => 'x', password => 'y', csrf => 'A' x 43 },
        { 'X-Forwarded-For' => "203.0.113.$i" });
    $seen{ $res->{status} }++;
}
ok(($seen{429} // 0) >= 10, "30 log-ins, each claiming another X-Forwarded-For, are still limited (@{[ $seen{429} // 0 ]} x 429)");

# ---- redirects never built from Host
# (HTTP::Tiny will not send a Host of its own: a raw request.) Returns
# the status and the Location of the answer.
sub raw_get {
    my ($hostport, $path, $host) = @_;
    my $sock = IO::Socket::IP->new(PeerAddr => $hostport, Timeout => 10) or die "connect: $!";
    print $sock "GET $path HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n\r\n";
    local $/;
    my $head = (split /\r\n\r\n/, <$sock> // '', 2)[0] // '';
    my ($status) = $head =~ m{^HTTP/1\.[01] ([0-9]{3})};
    my ($location) = $head =~ m{^Location: *([^\r\n]*)}mi;
    return ($status // 0, $location // '');
}
(my $lb = $env->{ASTRO_URL}) =~ s{^http://}{};
for my $t ([ 'board sidecar', $env->{BOARD_SIDECAR}, '/static/errors' ],
           [ 'board sidecar', $env->{BOARD_SIDECAR}, '/' ],
           [ 'signup sidecar', $env->{SIGNUP_SIDECAR}, '/static/errors' ],
           [ 'hours sidecar', $env->{HOURS_SIDECAR}, '/static/errors' ],
           [ 'the load balancer', $lb, '/static/errors' ],
           [ 'the load balancer', $lb, '/' ]) {
    my ($where, $hostport, $path) = @$t;
    my ($status, $location) = raw_get($hostport, $path, 'evil.example');
    like $status, qr/^30[12]$/, "$where, $path with Host: evil.example: a redirect";
    like $location, qr{^/}, "  to a path on this site ($location)";
}

# ---- HSTS and __Host- cookies when the load balancer says HTTPS
for my $t ([ 'HTTPS (the ALB says so)', sidecar('board'), 'https', 1 ],
           [ 'HTTP', sidecar('board'), 'http', 0 ],
           [ 'a client claiming HTTPS through HAProxy', client(), 'https', 0 ]) {
    my ($why, $cl, $proto, $https) = @$t;
    my $r = $cl->get('/board', { 'X-Forwarded-Proto' => $proto });
    if ($https) {
        like $r->{headers}{'strict-transport-security'} // '', qr/^max-age=31536000; includeSubDomains$/,
            "$why: HSTS";
    } else {
        ok !defined $r->{headers}{'strict-transport-security'}, "$why: no HSTS";
    }
}

my $s = sidecar('signup');
my $https = { 'X-Forwarded-Proto' => 'https' };
my $form = form_fields($s->get('/signup', $https)->{content}, '/signup');
like $s->cookie('__Host-ah_csrf') // '', qr/^[A-Za-z0-9_-]{43}$/,
    'over HTTPS the anonymous CSRF cookie is __Host-ah_csrf';
my $name = unique_name('Secure');
my $res = $s->post('/signup', { %$form, name => $name, password => $pw, confirm => $pw }, $https);
is $res->{status}, 303, 'signing up over HTTPS';
my $sc = $res->{headers}{'set-cookie'} // [];
my ($set) = grep {/^__Host-ah_session=/} ref $sc ? @$sc : ($sc);
like $set // '', qr{^__Host-ah_session=[A-Za-z0-9_-]{43}; Path=/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$},
    '  sets __Host-ah_session: Secure, Path=/, no Domain';
my $h = sidecar('hours');
$h->set_cookie('__Host-ah_session' => $s->cookie('__Host-ah_session'));
is $h->get('/hours', $https)->{status}, 200, '  which signs in over HTTPS';
$h = sidecar('hours');
$h->set_cookie(ah_session => $s->cookie('__Host-ah_session'));
is $h->get('/hours', $https)->{status}, 303, '  while the unprefixed name is not read over HTTPS';

# ---- CSRF: a planted anonymous cookie, another site's Origin
my $k = 'B' x 43;    # an ah_csrf value the attacker chose
(my $b64 = $k) =~ tr{-_}{+/};
my $naive = encode_base64url(hmac_sha256('astronaut-hours csrf v1', MIME::Base64::decode_base64($b64)));
my @csrf = (
    # why, extra headers, use a planted cookie, expected status
    [ 'a planted ah_csrf and the token it would have given', {}, 1, 403 ],
    [ 'Origin: another site', { Origin => 'http://evil.example' }, 0, 403 ],
    [ 'Origin: null', { Origin => 'null' }, 0, 403 ],
    [ 'Origin: this host over the other scheme', { Origin => 'https://HOST' }, 0, 403 ],
    [ 'Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site' => 'cross-site' }, 0, 403 ],
    [ 'Sec-Fetch-Site: same-site (a subdomain)', { 'Sec-Fetch-Site' => 'same-site' }, 0, 403 ],
    [ 'Origin: this site, Sec-Fetch-Site: same-origin',
      { Origin => 'http://HOST', 'Sec-Fetch-Site' => 'same-origin' }, 0, 303 ],
    [ 'neither header (not a browser)', {}, 0, 303 ],
);
(my $host = $env->{ASTRO_URL}) =~ s{^http://}{};
for my $t (@csrf) {
    my ($why, $hdr, $planted, $status) = @$t;
    my %hdr = map { my $v = $hdr->{$_}; $v =~ s/HOST/$host/; ($_ => $v) } keys %$hdr;
    my $cl = client();
    my $f = form_fields($cl->get('/signup')->{content}, '/signup');
    if ($planted) {
        $cl->set_cookie(ah_csrf => $k);
        $f->{csrf} = $naive;
    }
    my $before = count();
    my $r = $cl->post('/signup', { %$f, name => unique_name('Csrf'), password => $pw, confirm => $pw }, \%hdr);
    is $r->{status}, $status, "sign-up with $why: $status";
    is count(), $before + ($status == 303 ? 1 : 0), $status == 303 ? '  stored' : '  nothing stored';
}

# ---- /healthz is for the load balancer's checks, not the public
is client()->get('/healthz')->{status}, 404, '/healthz through the load balancer: 404';
is sidecar('board')->get('/healthz')->{status}, 200, '/healthz on the sidecar itself: 200';

done_testing;
