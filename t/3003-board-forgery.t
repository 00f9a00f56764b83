#!/usr/bin/perl
# Nobody can forge the board: page links carry the server's signature, so
# a changed rank, position, total or id is a 400 (in JSON on the JSON
# route); and no Accept header can make the sidecar's micro-cache give
# browsers anything but the HTML board.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use JSON::PP;
use Test::More;

my $env = stack();
my $tag = unique_name('Forge');
psql($env, <<"SQL", -v => "tag=$tag");
INSERT INTO astro.astronauts (name, password_hash)
SELECT :'tag' || ' ' || lpad(i::text, 3, '0'),
       '\$s1\$0d080a\$c2FsdHNhbHRzYWx0c2FsdA==\$aGFzaA=='
  FROM generate_series(1, 60) AS i;
SQL

my $c = client();
# A worker's rows may be up to a second old (BOARD_SNAPSHOT_MS): the
# stack's start read the empty board just before the 60 were added.
my $cursor;
ok wait_until(sub {
    my (undef, $json) = $c->json('/board.json', { Cookie => 'ah_session=' . 'A' x 43 });
    ($cursor) = ($json->{next} // '') =~ m{after=(.+)$};
    return $cursor;
}), 'the first page links to the next';
my ($total, $id, $pos, $rank, $mac) = split /,/, $cursor // '';
like $mac // '', qr/^[A-Za-z0-9_-]{43}$/, '  with a signature';
is $c->get("/board?after=$cursor")->{status}, 200, '  which opens the next page';

my $flip = substr($mac, 0, 42) . (substr($mac, 42) eq 'A' ? 'Q' : 'A');
my @forged = (
    [ 'the rank changed', join(',', $total, $id, $pos, $rank == 1 ? 2 : 1, $mac) ],
    [ 'the position changed', join(',', $total, $id, $pos + 1, $rank, $mac) ],
    [ 'the total changed', join(',', '999.0', $id, $pos, $rank, $mac) ],
    [ 'the id changed', join(',', $total, $id + 1, $pos, $rank, $mac) ],
    [ 'one character of the signature changed', join(',', $total, $id, $pos, $rank, $flip) ],
    [ 'no signature', join(',', $total, $id, $pos, $rank) ],
    [ 'an empty signature', join(',', $total, $id, $pos, $rank, '') ],
    [ 'the podium forgery of old', '0.0,0,999999999,1' ],
    [ 'a signature from another link', join(',', '0.0', 1, 1, 1, $mac) ],
);
for my $f (@forged) {
    my ($why, $after) = @$f;
    my $res = $c->get("/board?after=$after");
    is $res->{status}, 400, "$why: 400";
    like $res->{content}, qr{<h1>Bad request</h1>}, '  the HTML board says so';
    ($res, my $err) = $c->json("/board.json?after=$after");
    is $res->{status}, 400, '  and /board.json answers 400';
    like $res->{headers}{'content-type'}, qr{^application/json}, '  in JSON';
    is $err && $err->{status}, 400, '  with the status in the body';
    like $err && $err->{error}, qr/not one the board made/, '  and the words';
    ($res, $err) = $c->json("/board?after=$after", { Accept => 'application/json' });
    is $err && $err->{status}, 400, '  as does /board asked for JSON';
}

# The micro-cache: an attacker whose Accept makes the pool answer JSON
# (it ranks text/html at 0) is the first to ask each time the cached
# entry has expired; the browsers right after still get HTML.
my $attacker = client();
my ($browsers, $attacks) = (0, 0);
for my $i (1 .. 5) {
    select undef, undef, undef, 1.1;    # the one-second entry expires
    my $res = $attacker->get('/board', { Accept => '*/*, text/html;q=0' });
    $attacks++ if $res->{headers}{'content-type'} =~ m{^application/json};
    $res = client()->get('/board', { Accept => 'text/html,application/xhtml+xml,*/*;q=0.8' });
    $browsers++ if $res->{headers}{'content-type'} =~ m{^text/html};
    $res = client()->get('/board');
    $browsers++ if $res->{headers}{'content-type'} =~ m{^text/html};
}
is $attacks, 5, 'the attacker got JSON each time, from the pool';
is $browsers, 10, 'all 10 browser requests right after got the HTML board';

# Accept headers whose outcome the sidecar cannot be sure of are never
# served from the cache: each gets what the pool chooses for it.
for my $t ([ 'text/html;q=0.5, application/json', qr{^application/json} ],
           [ 'application/json;q=0.1, text/html', qr{^text/html} ],
           [ 'text/*;q=0, */*', qr{^application/json} ],
           [ 'application/*', qr{^application/json} ]) {
    my ($accept, $type) = @$t;
    client()->get('/board', { Accept => $accept }) for 1 .. 2;
    my $res = client()->get('/board', { Accept => $accept });
    like $res->{headers}{'content-type'}, $type, "Accept: $accept gets what it asks for";
}

done_testing;
