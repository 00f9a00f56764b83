#!/usr/bin/perl
# The board: everyone's totals, highest first, ranked (equal totals share
# a rank), paged by keyset so every astronaut appears exactly once, and
# the same data as JSON.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Test::More;

my $env = stack();
my $tag = unique_name('Board');

# 130 astronauts straight into the database, with totals that tie in
# groups of three: 130 sign-ups through scrypt would only slow the test.
psql($env, <<"SQL", -v => "tag=$tag");
INSERT INTO astro.astronauts (name, password_hash)
SELECT :'tag' || ' ' || lpad(i::text, 3, '0'),
       '\$s1\$0d080a\$c2FsdHNhbHRzYWx0c2FsdA==\$aGFzaA=='
  FROM generate_series(1, 130) AS i;
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
SELECT a.id, 20.5, DATE '2020-01-01' + k, gen_random_uuid()
  FROM astro.astronauts a,
       generate_series(1, (substring(a.name from '...\$')::int - 1) / 3 + 1) AS k
 WHERE a.name LIKE :'tag' || ' %';
SQL
sleep 1.2;    # the anonymous board may be in the sidecar's 1 s cache

my $c = client();
my ($res, $json) = $c->json('/board.json');
is $res->{status}, 200, 'GET /board.json';
is $res->{headers}{'content-type'}, 'application/json', '  is JSON';
is scalar @{ $json->{astronauts} }, 50, '  a page of 50';
like $json->{next}, qr{^/board\.json\?after=[0-9]+\.[0-9],[0-9]+,50,[0-9]+,[A-Za-z0-9_-]{43}$}, '  and a link to the next';
is $json->{astronauts}[0]{rank}, 1, '  starting at rank 1';

# Walk every page, as a script would.
my (@all, %seen, $pages);
my $path = '/board.json';
my $total = psql($env, 'SELECT count(*) FROM astro.astronauts');
while ($path && $pages++ < $total / 50 + 5) {
    ($res, $json) = $c->json($path);
    is $res->{status}, 200, "page $pages" if $pages <= 3;
    push @all, @{ $json->{astronauts} };
    $path = $json->{next};
}
ok !$path, 'the last page has no next link';
is scalar @all, $total, "every astronaut appears: $total rows over $pages pages";
my @dups = grep { $seen{ $_->{name} }++ } @all;
is scalar @dups, 0, '  and none twice (keyset pages neither skip nor repeat)';

my ($sorted, $ranked) = (1, 1);
for my $i (1 .. $#all) {
    $sorted = 0 if $all[$i]{hours} > $all[ $i - 1 ]{hours};
    my $want = $all[$i]{hours} == $all[ $i - 1 ]{hours} ? $all[ $i - 1 ]{rank} : $i + 1;
    $ranked = 0 if $all[$i]{rank} != $want;
}
ok $sorted, 'highest total first, across pages';
ok $ranked, 'ranks continue across pages; equal totals share a rank and the next rank skips';

my @mine = grep { index($_->{name}, $tag) == 0 } @all;
is scalar @mine, 130, 'all 130 seeded astronauts are there';
my %check = map { $_->{name} => $_ } @mine[0, 1, 2, 3, 64, 129];
for my $name (sort keys %check) {
    my $higher = psql($env, 'SELECT count(*) FROM astro.astronauts'
        . " WHERE total_hours > (SELECT total_hours FROM astro.astronauts WHERE name = :'n')",
        -v => "n=$name");
    is $check{$name}{rank}, $higher + 1, "rank of '$name' is 1 + the number ahead of it";
}
# Numbers 127, 128 and 129 have the same number of entries, so the same total.
my @tied = grep { $_->{name} =~ / 12[789]$/ } @mine;
is scalar(grep { $_->{hours} == $tied[0]{hours} && $_->{rank} == $tied[0]{rank} } @tied), 3,
    'a group of three equal totals shares one rank';
is_deeply [ map { $_->{name} } @tied ], [ sort map { $_->{name} } @tied ],
    '  listed in sign-up order';
my ($after) = grep { $_->{name} =~ / 126$/ } @mine;
my $ahead = psql($env, "SELECT count(*) FROM astro.astronauts WHERE total_hours > $after->{hours}");
is $after->{rank}, $ahead + 1, '  and the next lower total is ranked past all of them';

# The HTML board.
my $page = $c->get('/board');
is $page->{status}, 200, 'GET /board';
like $page->{content}, qr{<th scope="col" class="num">Rank</th><th scope="col">Name</th>}, '  a table';
my @rows = $page->{content} =~ m{<td class="num rank">([0-9]+)</td>}g;
is scalar @rows, 50, '  of 50 rows';
my ($next) = $page->{content} =~ m{<a href="/board\?(after=[^"]+)" rel="next">};
ok $next, '  with a Next link';
my $page2 = $c->get("/board?$next");
is $page2->{status}, 200, 'the next page';
my ($first2) = $page2->{content} =~ m{<td class="num rank">([0-9]+)</td>};
ok $first2 >= $rows[-1], "  continues the ranks ($rows[-1] then $first2)";
like $page2->{content}, qr{<a href="/board">« Top of the board</a>}, '  and links back to the top';
like $page->{headers}{'cache-control'}, qr/public, max-age=1/, 'anonymous boards may be cached for a second';
like $page->{headers}{vary}, qr/\bAccept\b(?!-)/, '  and vary by Accept';
like $page->{headers}{vary}, qr/\bAccept-Encoding\b/, '  and by Accept-Encoding (they may be gzipped)';

# Content negotiation.
($res, $json) = $c->json('/board', { Accept => 'application/json' });
is $res->{headers}{'content-type'}, 'application/json', 'Accept: application/json gets JSON from /board';
is $json->{astronauts}[0]{rank}, 1, '  the same data';
$res = $c->get('/board', { Accept => 'text/html,application/xhtml+xml,*/*;q=0.8' });
like $res->{headers}{'content-type'}, qr{^text/html}, "a browser's Accept gets HTML";
$res = $c->request('HEAD', '/board');
is $res->{status}, 200, 'HEAD /board';
is $res->{content} // '', '', '  has no body';

$res = $c->get('/');
is $res->{status}, 302, '/ leads to the board';
is $res->{headers}{location}, '/board', '  by a redirect to /board';

for my $bad ('after=abc', 'after=1.0,1', 'after=1.0,1,0,1', 'after=1.0,1,5,9',
             'after=1.05,1,1,1', "after=1.0,1,1,1'--", 'after=1.0,-1,1,1') {
    $res = $c->get("/board?$bad");
    is $res->{status}, 400, "a broken page link ($bad) is a bad request";
}
like $res->{content}, qr{<h1>Bad request</h1>}, '  with a page that says so';

# Names with markup and SQL in them are shown as text.
my $evil = q{<img src=x onerror=alert(1)>"Bo'); DROP TABLE x;--} . int rand 1e6;
my $e = signup_ok($evil, 'little bobby tables');
my $form = form_fields($e->get('/hours')->{content}, '/hours');
$e->post('/hours', { %$form, hours => '24', date => '2026-01-01', note => '' });
my $mine = board_find($evil);
ok $mine, 'the astronaut with markup in the name is on the board';
is $mine->{name}, $evil, '  JSON carries the name exactly';
my $html = $e->get('/board')->{content};
like $html, qr{\Q&lt;img src=x onerror=alert(1)&gt;&quot;Bo&#39;); DROP TABLE x;--\E},
    '  the page shows it escaped';
unlike $html, qr{<img src=x}, '  never as markup';
like $e->get('/board')->{headers}{'cache-control'}, qr/private, no-store/,
    'a signed-in board is never cached';

# The board reads a page as "ID HOURS NAMELEN NAME" lines
# (fcgi-apps/board/main.c): a name that looks like one, with characters
# of several bytes, comes back whole.
psql($env, <<"SQL", -v => "tag=$tag");
INSERT INTO astro.astronauts (name, password_hash)
VALUES (:'tag' || ' 7 99.9 12 ' || U&'\\00C5sa \\+01F680 1',
        '\$s1\$0d080a\$c2FsdHNhbHRzYWx0c2FsdA==\$aGFzaA==');
SQL
my $mimic = board_find("$tag 7 99.9 12 \x{C5}sa \x{1F680} 1");
ok $mimic, 'a name that looks like a row of the page comes back whole';
is 0 + ($mimic->{hours} // -1), 0, '  with its own total';

done_testing;
