#!/usr/bin/perl
# The monolith shape (scripts/stack --shape monolith, or SHAPE=monolith
# in its environment, as here): the three services' routes in one pool
# behind one sidecar. The whole journey works there as in the split
# stack: sign up, log out, log in, log hours, see them on the board. Each
# route's own rules still hold (expired forms, hashing workers for
# log-ins, the sign-in redirect), and the pool's every connection logs in
# as the one role with the union of the services' privileges.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use File::Temp ();
use HTTP::Tiny;
use JSON::PP ();
use POSIX qw(strftime);
use Test::More;

my $top = "$FindBin::Bin/..";

# A shape that does not exist is refused before anything starts.
my $bad = File::Temp::tempdir('astro-shape-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $out = `'$top/scripts/stack' start --port 0 --dir '$bad' --shape micro 2>&1`;
isnt $?, 0, 'scripts/stack start --shape micro fails';
like $out, qr/--shape micro: not split or monolith/, '  and says why';
ok !-e "$bad/stack.env", '  having started nothing';

my $env = private_stack(SHAPE => 'monolith');
is $env->{MONOLITH_TASKS}, 'monolith-1', 'the monolith stack runs one task';
ok !grep({ /^(SIGNUP|HOURS|BOARD)_/ } keys %$env), '  and no task of any service';
$out = `'$top/scripts/stack' scale board 2 --dir '$env->{ASTRO_DIR}' 2>&1`;
isnt $?, 0, 'scaling the board service of a monolith stack fails';
like $out, qr/runs no 'board' \(it runs: monolith\)/, '  and says why';
is `'$top/scripts/stack' tasks --dir '$env->{ASTRO_DIR}'` =~ tr/\n//, 2, '  leaving its one task';

# ---- the journey ---------------------------------------------------

my $anon = client();
my $res = $anon->get('/');
is $res->{status}, 302, 'GET / (the board site)';
is $res->{headers}{location}, '/board', '  sends you to the board';
$res = $anon->get('/hours');
is $res->{status}, 303, 'GET /hours signed out (the hours site)';
is $res->{headers}{location}, '/login', '  sends you to log in';
is $anon->get('/nowhere')->{status}, 404, 'a path no service serves: 404';

my $name = unique_name('Valentina');
my $pw = 'vostok six 1963';
my $c = signup_ok($name, $pw);
like $c->get('/hours')->{content}, qr{Signed in as <strong>\Q$name\E</strong>},
    'signed up and signed in (the signup site)';

my $logout = form_fields($c->get('/board')->{content}, '/logout');
$res = $c->post('/logout', $logout);
is $res->{status}, 303, 'logging out';
is $c->get('/hours')->{status}, 303, '  and /hours is closed again';

$res = $c->submit('/login', '/login', { name => $name, password => 'not the password' });
is $res->{status}, 403, 'a wrong password: 403';
like $res->{content}, qr{Wrong name or password\.}, '  with the one generic message';
is $c->cookie('ah_session'), undef, '  and no session';

$res = $c->submit('/login', '/login', { name => $name, password => $pw });
is $res->{status}, 303, 'logging in (a hashing worker of the monolith)';
is $res->{headers}{location}, '/hours', '  goes to /hours';

my $today = strftime('%Y-%m-%d', gmtime);
$res = $c->submit('/hours', '/hours', { hours => '30', date => $today, note => '' });
is $res->{status}, 422, 'logging 30 hours in a day is refused';
like $c->get('/hours')->{content}, qr{<span class="figure">0\.0</span> hours in 0 entries},
    '  and nothing is stored';
my $form = form_fields($c->get('/hours')->{content}, '/hours');
$res = $c->post('/hours', { %$form, hours => '3.5', date => $today, note => 'Vostok' });
is $res->{status}, 303, 'logging 3.5 hours';
$res = $c->post('/hours', { %$form, hours => '3.5', date => $today, note => 'Vostok' });
is $res->{status}, 303, '  the same form again';
like $c->get('/hours')->{content}, qr{<span class="figure">3\.5</span> hours in 1 entry<},
    '  is logged once (the hours site)';

my $row = board_find($name);
ok $row, 'the board lists the astronaut (the board site, as JSON)';
is $row && $row->{hours}, '3.5', '  with the hours logged';
like board_page_with($c, $name) // '', qr{<td class="name">\Q$name\E <span class="you">you</span>},
    '  and the HTML board marks the viewer\'s own row';

# A form whose CSRF token is wrong comes back through its own route's
# expired page, run with its own service's statements.
$res = $c->post('/hours', { %$form, csrf => 'A' x 43, hours => '1', date => $today });
is $res->{status}, 403, 'an /hours form with a wrong CSRF token: 403';
like $res->{content}, qr/This form had expired, so nothing was logged/,
    '  the hours form says it had expired';

# ---- one pool, one role --------------------------------------------

my %routes;
open my $log, '<', "$env->{ASTRO_DIR}/log/pool-monolith.log" or die $!;
while (<$log>) {
    next unless /^\{/;
    my $j = eval { JSON::PP::decode_json($_) } or next;
    $routes{ $j->{route} }{ $j->{service} } = 1 if $j->{route};
}
for my $r (qw(/signup /login /logout /hours /board /board.json)) {
    is_deeply [ sort keys %{ $routes{$r} || {} } ], ['monolith'], "$r was served by the monolith's pool";
}

my $metrics = HTTP::Tiny->new->get("http://$env->{MONOLITH_METRICS}/metrics")->{content};
my $workers = 0;
$workers += $1 while $metrics =~ /^astro_workers\{[^}]*\} ([0-9]+)$/mg;
ok $workers > 0, "the pool runs $workers workers";
my $conns = sub {
    psql($env, "SELECT usename || ' ' || count(*) FROM pg_stat_activity"
        . " WHERE application_name = 'monolith' GROUP BY usename");
};
ok wait_until(sub { $conns->() eq "astro_monolith_login $workers" }),
    "  one connection each, all as astro_monolith_login" or diag $conns->();
is psql($env, "SELECT string_agg(g.rolname, ' ' ORDER BY g.rolname) FROM pg_auth_members m"
        . " JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member"
        . " WHERE r.rolname = 'astro_monolith_login'"),
    'astro_board astro_hours astro_signup', '  a member of the three services\' roles';

done_testing;
