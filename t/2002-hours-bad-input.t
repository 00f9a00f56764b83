#!/usr/bin/perl
# Every way a logged entry can be wrong: the form comes back with a
# message beside the field and the values kept, a 4xx status, and the
# entries and total unchanged.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use POSIX qw(strftime);
use Test::More;

my $env = stack();
my $name = unique_name('Chris');
my $c = signup_ok($name, 'iss-expedition-34');
my $today = strftime('%Y-%m-%d', gmtime);
# Two days ahead in UTC is the future everywhere on Earth.
my $future = strftime('%Y-%m-%d', gmtime(time + 2 * 86400));

my @cases = (
    { why => 'zero hours', hours => '0', field => 'hours', message => qr/more than 0 and at most 24/ },
    { why => 'negative hours', hours => '-3', field => 'hours', message => qr/more than 0 and at most 24/ },
    { why => 'over 24 hours', hours => '24.1', field => 'hours', message => qr/more than 0 and at most 24/ },
    { why => 'huge hours', hours => '1' x 40, field => 'hours', message => qr/more than 0 and at most 24/ },
    { why => 'non-numeric hours', hours => 'lots', field => 'hours', message => qr/Enter a number/ },
    { why => 'NaN hours', hours => 'NaN', field => 'hours', message => qr/Enter a number/ },
    { why => 'Infinity hours', hours => 'Infinity', field => 'hours', message => qr/Enter a number/ },
    { why => 'hours in exponent form', hours => '2e1', field => 'hours', message => qr/Enter a number/ },
    { why => 'hours with two decimals', hours => '1.25', field => 'hours', message => qr/one decimal place/ },
    { why => 'no hours', hours => '', field => 'hours', message => qr/Enter the hours you trained/ },
    { why => 'hours with an embedded NUL and garbage', hours => "5\0garbage", field => 'hours',
      message => qr/Control characters/ },
    { why => 'a date with an embedded NUL and garbage', date => "$today\0x", field => 'date',
      message => qr/Control characters/ },
    { why => 'a note with an embedded NUL', note => "EVA\0drill", field => 'note',
      message => qr/Control characters/ },
    { why => 'a future date', date => $future, field => 'date', message => qr/cannot be in the future/ },
    { why => 'a date that does not exist', date => '2023-02-29', field => 'date', message => qr/real date/ },
    { why => 'a date before 1900', date => '1899-12-31', field => 'date', message => qr/from 1900 on/ },
    { why => 'a date in another format', date => '11/28/2026', field => 'date', message => qr/real date/ },
    { why => 'no date', date => '', field => 'date', message => qr/Enter the date you trained/ },
    { why => 'a 201-character note', note => 'n' x 201, field => 'note', message => qr/200 characters/ },
    { why => 'a control character in the note', note => "bell\a", field => 'note', message => qr/Control characters/ },
    { why => 'no CSRF token', csrf => '', status => 403, message => qr/form had expired/ },
    { why => 'a wrong CSRF token', csrf => 'B' x 43, status => 403, message => qr/form had expired/ },
    { why => 'the sign-up CSRF token of another browser', csrf => 'other', status => 403,
      message => qr/form had expired/ },
    { why => 'no idempotency key', key => '', message => qr/form was damaged/ },
    { why => 'a malformed idempotency key', key => "1' OR '1'='1", message => qr/form was damaged/ },
);

sub state {
    return psql($env, "SELECT total_hours || '/' || (SELECT count(*) FROM astro.hours_entries e"
        . " WHERE e.astronaut_id = a.id) FROM astro.astronauts a WHERE name = :'n'", -v => "n=$name");
}

my $other = form_fields(client()->get('/signup')->{content}, '/signup')->{csrf};
my $before = state();
is $before, '0.0/0', 'the astronaut starts with nothing logged';

for my $t (@cases) {
    my $form = form_fields($c->get('/hours')->{content}, '/hours');
    my %post = (%$form, hours => $t->{hours} // '1.5', date => $t->{date} // $today,
        note => $t->{note} // 'drill');
    $post{csrf} = $t->{csrf} eq 'other' ? $other : $t->{csrf} if exists $t->{csrf};
    $post{key} = $t->{key} if exists $t->{key};
    my $res = $c->post('/hours', \%post);
    my $status = $t->{status} // 422;

    is $res->{status}, $status, "$t->{why}: $status";
    like $res->{content}, $t->{message}, '  with a clear message';
    if (my $f = $t->{field}) {
        like $res->{content}, qr{<p class="error" id="$f-error">[^<]*$t->{message}},
            "  beside the $f field";
        my $kept = $post{$f} =~ s/^\s+|\s+$//gr;
        $kept =~ s/&/&amp;/g;
        like $res->{content}, qr{id="$f" name="$f"[^>]*value="\Q$kept\E"}, '  keeping what was typed'
            unless $t->{why} =~ /control character/;
    }
    like $res->{content}, qr{<form method="post" action="/hours"}, '  the form comes back';
    is state(), $before, '  and nothing is stored';
}

# A corrected form keeps its key: fixing a mistake and sending it again
# logs once, even if the corrected form is sent twice.
my $form = form_fields($c->get('/hours')->{content}, '/hours');
my $res = $c->post('/hours', { %$form, hours => '99', date => $today, note => '' });
is $res->{status}, 422, 'a mistake';
my $again = form_fields($res->{content}, '/hours');
is $again->{key}, $form->{key}, '  the form comes back with the same key';
$c->post('/hours', { %$again, hours => '9', date => $today, note => '' }) for 1 .. 2;
is state(), '9.0/1', '  the corrected form, sent twice, logs once';

# SQL and HTML metacharacters are text like any other.
$form = form_fields($c->get('/hours')->{content}, '/hours');
my $note = q{<script>alert("x")</script> '; DELETE FROM astro.hours_entries;--};
$res = $c->post('/hours', { %$form, hours => '1', date => $today, note => $note });
is $res->{status}, 303, 'a note full of metacharacters is logged';
my $page = $c->get('/hours')->{content};
like $page, qr{\Q&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;; DELETE FROM astro.hours_entries;--\E},
    '  and shown literally, escaped';
unlike $page, qr{<script>}, '  never as markup';
is state(), '10.0/2', '  and nothing else happened';
is psql($env, "SELECT note FROM astro.hours_entries e JOIN astro.astronauts a ON a.id = e.astronaut_id"
        . " WHERE a.name = :'n' AND e.hours = 1", -v => "n=$name"), $note, '  stored as typed';

done_testing;
