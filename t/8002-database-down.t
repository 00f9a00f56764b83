#!/usr/bin/perl
# The database goes away: pages that need it answer 503 with Retry-After
# at once (never a hang), nothing else breaks, and the services find the
# database again by themselves when it comes back.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Test::More;

my $env = private_stack(DB_TIMEOUT_MS => 1000);
my $top = "$FindBin::Bin/..";
my $c = signup_ok(unique_name('Outage'), 'through the outage');
my $form = form_fields($c->get('/hours')->{content}, '/hours');
is $c->get('/board')->{status}, 200, 'the board works';

system("$top/scripts/pg", 'stop', "$env->{ASTRO_DIR}/pg") == 0 or die 'pg stop';

my $res = $c->get('/board');
is $res->{status}, 503, 'database stopped: the board is 503';
like $res->{headers}{'retry-after'}, qr/^[1-9][0-9]*$/, '  with Retry-After';
like $res->{content}, qr{<h1>Temporarily unavailable</h1>.*Nothing was saved}s,
    '  and a page from the pool saying so (not a gateway error)';
$res = $c->post('/hours', { %$form, hours => '1', date => '2026-01-01', note => '' });
is $res->{status}, 503, '  logging hours is 503';
$res = client()->submit('/signup', '/signup', { name => unique_name('Down'),
    password => 'longenough', confirm => 'longenough' });
is $res->{status}, 503, '  signing up is 503';
is client()->get('/signup')->{status}, 200, 'the sign-up form itself needs no database';
for my $s (qw(signup hours board)) {
    my $health = HTTP::Tiny->new->get("http://$env->{uc($s) . '_SIDECAR'}/healthz");
    is $health->{status}, 200,
        "$s stays healthy for the load balancer (a database outage is not a task failure)";
}

system("$top/scripts/pg", 'start', "$env->{ASTRO_DIR}/pg") == 0 or die 'pg start';
my $back = 0;
for (1 .. 100) {
    last if ($back = $c->get('/board')->{status}) == 200;
    select undef, undef, undef, 0.2;
}
is $back, 200, 'database back: the board recovers without a restart';
# Each worker reconnects on its own backoff, so the hours worker that
# takes the form may still be waiting: send it again, as a visitor would
# after Retry-After (the form's key makes that safe).
for (1 .. 100) {
    $res = $c->post('/hours', { %$form, hours => '1', date => '2026-01-01', note => '' });
    last if $res->{status} != 503;
    select undef, undef, undef, 0.2;
}
is $res->{status}, 303, '  and the form logged during the outage can be sent again';
like $c->get('/hours')->{content}, qr{<span class="figure">1\.0</span> hours in 1 entry<},
    '  logging it once';

open my $fh, '<', "$env->{ASTRO_DIR}/log/pool-board.log" or die $!;
ok scalar(grep {/"level":"error".*database/} <$fh>), 'the pool logged the outage';

done_testing;
