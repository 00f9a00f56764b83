#!/usr/bin/perl
# Logging hours: the form, the entries and total, the board showing
# them, and a form submitted twice logging once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use POSIX qw(strftime);
use Test::More;

my $env = stack();

my $anon = client();
my $res = $anon->get('/hours');
is $res->{status}, 303, 'GET /hours signed out';
is $res->{headers}{location}, '/login', '  sends you to log in';
$res = $anon->post('/hours', { hours => 1, date => '2026-01-01' });
is $res->{status}, 303, 'POST /hours signed out stores nothing and';
is $res->{headers}{location}, '/login', '  sends you to log in';

my $name = unique_name('Yuri');
my $c = signup_ok($name, 'vostok-1961');
my $page = $c->get('/hours');
is $page->{status}, 200, 'GET /hours signed in';
my $today = strftime('%Y-%m-%d', gmtime);
like $page->{content}, qr{<input id="date" name="date" type="date" max="[0-9-]+" value="$today"},
    "  the date defaults to today ($today, UTC)";
like $page->{content}, qr{<span class="figure">0\.0</span> hours in 0 entries}, '  nothing yet';
like $page->{content}, qr{<label for="$_">}, "  a label for $_" for qw(hours date note);
my $form = form_fields($page->{content}, '/hours');
like $form->{key}, qr/^[0-9a-f]{32}$/, '  the form has its own idempotency key';

$res = $c->post('/hours', { %$form, hours => '2.5', date => $today, note => 'Centrifuge' });
is $res->{status}, 303, 'logging 2.5 hours';
is $res->{headers}{location}, '/hours?logged=1', '  redirects back to the page';
$page = $c->get('/hours?logged=1');
like $page->{content}, qr{role="status">Logged\. Your total is now 2\.5 hours}, '  which confirms it';
like $page->{content}, qr{<td>$today</td><td class="num">2\.5</td><td class="note">Centrifuge</td>},
    '  and lists the entry';

# The same form again (a double click, a reload of the POST): logged once.
$res = $c->post('/hours', { %$form, hours => '2.5', date => $today, note => 'Centrifuge' });
is $res->{status}, 303, 'the same form submitted twice';
like $c->get('/hours')->{content}, qr{<span class="figure">2\.5</span> hours in 1 entry<},
    '  is logged once';

$form = form_fields($c->get('/hours')->{content}, '/hours');
$res = $c->post('/hours', { %$form, hours => '24', date => '2025-12-31', note => '' });
is $res->{status}, 303, 'a second form (24 hours, an older date, no note)';
$page = $c->get('/hours');
like $page->{content}, qr{<span class="figure">26\.5</span> hours in 2 entries}, '  adds up';
like $page->{content}, qr{<td>$today</td>.*<td>2025-12-31</td><td class="num">24\.0</td><td class="note"></td>}s,
    '  newest first, with no note';

is psql($env, "SELECT a.total_hours = sum(e.hours) FROM astro.astronauts a"
        . " JOIN astro.hours_entries e ON e.astronaut_id = a.id WHERE a.name = :'n'"
        . " GROUP BY a.total_hours", -v => "n=$name"),
    't', 'the stored total equals the sum of the entries';

my $me = board_find($name);
ok $me, 'the astronaut is on the board';
is $me->{hours}, 26.5, '  with the new total';
my $board = board_page_with($c, $name) // '';
like $board, qr{<tr class="me[^"]*">.*\Q$name\E <span class="you">you</span></td><td class="num">26\.5</td>}s,
    'the board highlights the signed-in astronaut';

# The value the form shows for hours and dates is what is stored.
$form = form_fields($c->get('/hours')->{content}, '/hours');
$res = $c->post('/hours', { %$form, hours => ' 0.1 ', date => " $today ", note => '  spaced  ' });
is $res->{status}, 303, 'values with spaces around them';
like $c->get('/hours')->{content}, qr{<td class="num">0\.1</td><td class="note">spaced</td>},
    '  are trimmed';

done_testing;
