#!/usr/bin/perl
# What one astronaut can log: at most 24 hours a date (the form says how
# many are left), one entry per form (the same form changed is a 409 that
# says what it logged), and at most 20 new entries in 10 minutes (429).
# Each step checks what is stored, not only the status.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Encode qw(decode_utf8);
use POSIX qw(strftime);
use Test::More;

binmode Test::More->builder->$_, ':encoding(UTF-8)'
    for qw(output failure_output todo_output);

my $env = stack();
my $today = strftime('%Y-%m-%d', gmtime);
my $yesterday = strftime('%Y-%m-%d', gmtime(time - 86400));

# "hours/entries" logged by NAME on DAY.
sub day {
    my ($name, $day) = @_;
    return psql($env, "SELECT coalesce(sum(e.hours), 0) || '/' || count(e.id) FROM astro.astronauts a"
        . " LEFT JOIN astro.hours_entries e ON e.astronaut_id = a.id AND e.trained_on = :'d'"
        . " WHERE a.name = :'n'", -v => "n=$name", -v => "d=$day");
}

# ---- at most 24 hours a date ---------------------------------------
my $name = unique_name('Valeri');
my $c = signup_ok($name, 'mir-438-days');
like $c->get('/hours')->{content}, qr{id="hours-left">At most 24 hours a day: $today can take 24\.0 more\.},
    'the form says how many hours today can take';

my @steps = (
    # hours, date, status, stored on that date afterwards, words
    [ '20', $today, 303, '20.0/1' ],
    [ '4.1', $today, 422, '20.0/1', qr{A day has 24 hours: $today can take at most 4\.0 more hours\.} ],
    [ '24', $today, 422, '20.0/1', qr{can take at most 4\.0 more hours} ],
    [ '4', $today, 303, '24.0/2' ],
    [ '0.1', $today, 422, '24.0/2', qr{can take at most 0\.0 more hours} ],
    [ '24', $yesterday, 303, '24.0/1' ],
);
for my $s (@steps) {
    my ($hours, $date, $status, $stored, $words) = @$s;
    my $res = $c->submit('/hours', '/hours', { hours => $hours, date => $date, note => '' });
    is $res->{status}, $status, "$hours hours on $date: $status";
    is day($name, $date), $stored, "  $date holds $stored (hours/entries)";
    if ($words) {
        like $res->{content}, qr{<p class="error" id="hours-error">[^<]*$words}, '  with words beside the hours';
        like $res->{content}, qr{value="\Q$hours\E"}, '  keeping what was typed';
    }
}
like $c->get('/hours')->{content}, qr{$today can take 0\.0 more\.}, 'a full day can take 0.0 more';
is psql($env, "SELECT total_hours FROM astro.astronauts WHERE name = :'n'", -v => "n=$name"), '48.0',
    'the total counts what was stored';

# ---- one entry per form ---------------------------------------------
$name = unique_name('Svetlana');
$c = signup_ok($name, 'salyut-7-eva');
my $form = form_fields($c->get('/hours')->{content}, '/hours');
my $res = $c->post('/hours', { %$form, hours => '2', date => $today, note => 'EVA drill' });
is $res->{status}, 303, 'a form logs 2 hours';
$res = $c->post('/hours', { %$form, hours => '2', date => $today, note => 'EVA drill' });
is $res->{status}, 303, 'the same form again, unchanged: logged once, as before';
is day($name, $today), '2.0/1', '  one entry stored';
for my $change ([ hours => '3' ], [ date => $yesterday ], [ note => 'Centrifuge' ]) {
    my %post = (%$form, hours => '2', date => $today, note => 'EVA drill', @$change);
    $res = $c->post('/hours', \%post);
    is $res->{status}, 409, "the same form with another $change->[0]: 409";
    like decode_utf8($res->{content}),
        qr{This form was already used: it logged 2\.0 hours on $today \(note: “EVA drill”\), and nothing else was logged},
        '  saying what that form logged';
    is psql($env, "SELECT count(*) || ' ' || sum(e.hours) FROM astro.hours_entries e JOIN astro.astronauts a"
        . " ON a.id = e.astronaut_id WHERE a.name = :'n'", -v => "n=$name"), '1 2.0', '  and nothing more is stored';
    my $again = form_fields($res->{content}, '/hours');
    isnt $again->{key}, $form->{key}, '  the page holds a new form';
}
$res = $c->post('/hours', { %{ form_fields($res->{content}, '/hours') }, hours => '3', date => $today, note => '' });
is $res->{status}, 303, 'the new form logs the other hours';
is day($name, $today), '5.0/2', '  as a second entry';

# ---- at most 20 new entries in 10 minutes -----------------------------
$name = unique_name('Alexei');
$c = signup_ok($name, 'voskhod-2-eva');
for my $i (1 .. 20) {
    $res = $c->submit('/hours', '/hours', { hours => '0.1', date => $today, note => '' });
    last unless $res->{status} == 303;
}
is $res->{status}, 303, '20 entries in a row are logged';
$res = $c->submit('/hours', '/hours', { hours => '0.1', date => $today, note => 'one more' });
is $res->{status}, 429, 'the 21st within 10 minutes: 429';
like $res->{headers}{'retry-after'} // '', qr/^[1-9][0-9]*$/, '  with Retry-After';
cmp_ok $res->{headers}{'retry-after'} // 0, '<=', 600, '  of at most 10 minutes';
like $res->{content}, qr{You have logged 20 entries in the last 10 minutes}, '  saying why';
like $res->{content}, qr{value="one more"}, '  keeping the form';
is day($name, $today), '2.0/20', '  and nothing more is stored';

done_testing;
