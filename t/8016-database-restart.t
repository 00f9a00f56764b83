#!/usr/bin/perl
# The database restarts (every connection closed with 57P01): the first
# request of each worker still succeeds, because a statement safe to
# send again is sent again once on a fresh connection. A statement that
# is not safe to resend, cut off in the middle, is answered 503 with
# Retry-After and a page that says it may have been saved and that
# sending the form again is safe, never a wrong answer; a statement
# that is safe to resend (the form's key) goes through.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use POSIX ();
use Time::HiRes ();
use Test::More;

# One worker of each kind, so the test knows which connection a request
# uses (and that its statements are prepared before a lock is taken:
# preparing an INSERT waits on the table's lock too).
my $env = private_stack(WORKERS => 1, HASH_CONCURRENCY => 1, HASH_WAITERS => 0,
    DB_TIMEOUT_MS => 5000);
my $top = "$FindBin::Bin/..";
my $c = signup_ok(unique_name('Restart'), 'through the restart');
my $side = client(base => "http://$env->{BOARD_SIDECAR}");
my %nocache = (Cookie => 'ah_session=' . 'A' x 43);
# Every board worker has its connection.
is scalar(grep { $side->get('/board.json', \%nocache)->{status} == 200 } 1 .. 12), 12,
    'the board answers';

system("$top/scripts/pg", 'stop', "$env->{ASTRO_DIR}/pg") == 0 or die 'pg stop';
system("$top/scripts/pg", 'start', "$env->{ASTRO_DIR}/pg") == 0 or die 'pg start';
my @after = map { $side->get('/board.json', \%nocache)->{status} } 1 .. 3;
is_deeply \@after, [(200) x 3], 'after a restart, the worker answers its first request (no 503)';
is $c->get('/hours')->{status}, 200, '  and so does the hours service';
my $wrong = client();
is $wrong->submit('/login', '/login', { name => 'nobody here', password => 'whatever' })->{status},
    403, '  and the sign-up service\'s hashing worker';

# Cut off in the middle: the statement waits on a lock, and its
# connection is terminated.
sub terminate_waiting {
    my ($like) = @_;
    return wait_until(sub {
        psql($env, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            . " WHERE wait_event_type = 'Lock' AND query LIKE '$like%'") >= 1 });
}

sub in_child {
    my ($code) = @_;
    pipe my $r, my $w or die $!;
    my $pid = fork // die;
    if (!$pid) {
        close $r;
        my $res = $code->();
        print $w join("\n", $res->{status}, $res->{headers}{'retry-after'} // '', $res->{content});
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    return sub { my @l = split /\n/, do { local $/; <$r> }, 3; waitpid $pid, 0; @l };
}

# Sign-up's insert is not safe to send twice.
local $ENV{PGHOST} = $env->{PGHOST};
open my $lock, '|-', 'sh', '-c', 'exec psql -XAtq -U postgres -d astronaut_hours 2>/dev/null' or die $!;
select((select($lock), $| = 1)[0]);
print $lock "BEGIN; LOCK TABLE astro.astronauts IN EXCLUSIVE MODE; SELECT pg_sleep(600);\n";
ok wait_until(sub { psql($env, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
    . " WHERE c.relname = 'astronauts' AND l.mode = 'ExclusiveLock' AND l.granted") == 1 }),
    'a session locks the astronauts';
my $name = unique_name('Unknown');
my $joiner = client();
my $signup_form = form_fields($joiner->get('/signup')->{content}, '/signup');
my $done = in_child(sub { $joiner->post('/signup',
    { %$signup_form, name => $name, password => 'longenough', confirm => 'longenough' }) });
ok terminate_waiting('WITH a AS (INSERT INTO astro.astronauts'), 'the sign-up insert waits, and its connection is cut';
my ($status, $retry, $page) = $done->();
is $status, 503, 'a sign-up cut off mid-statement is 503';
like $retry, qr/^[1-9][0-9]*$/, '  with Retry-After';
like $page, qr/may have been saved.*again is safe/s, '  saying it may have been saved and that sending again is safe'
    or diag grep {/"error"/} do { open my $l, '<', "$env->{ASTRO_DIR}/log/pool-signup.log"; <$l> };
psql($env, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()");
close $lock;
is psql($env, "SELECT count(*) FROM astro.astronauts WHERE name = :'n'", -v => "n=$name"), 0,
    '  (it was not: the statement was rolled back)';

# Logging hours is safe to resend (the form's key): sent again on a
# fresh connection, it goes through once.
my $form = form_fields($c->get('/hours')->{content}, '/hours');
ok $lock = hold_hours_lock($env), 'a session locks hours_entries';
$done = in_child(sub { $c->post('/hours', { %$form, hours => '2', date => '2026-01-03', note => 'resent' }) });
ok terminate_waiting('INSERT INTO astro.hours_entries'), 'the hours insert waits, and its connection is cut';
ok wait_until(sub { psql($env, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    . " AND query LIKE 'INSERT INTO astro.hours_entries%'") == 1 }), '  it is sent again on a fresh connection';
release_hours_lock($env, $lock);
($status) = $done->();
is $status, 303, '  and succeeds once the lock goes';
like $c->get('/hours')->{content}, qr{<td>resent</td>|resent}, '  logged';
is psql($env, "SELECT count(*) FROM astro.hours_entries WHERE note = 'resent'"), 1, '  once';

# Back after an outage: the workers find it within about a second (their
# back-off is at most 1 s, and the first to connect tells the others),
# not after a back-off of several seconds each.
system("$top/scripts/pg", 'stop', "$env->{ASTRO_DIR}/pg") == 0 or die 'pg stop';
my $down = 0;
for (1 .. 12) {
    $down++ if $side->get('/board.json', \%nocache)->{status} == 503;
    select undef, undef, undef, 0.25;
}
ok $down >= 10, "during the outage the board is 503 ($down of 12)";
system("$top/scripts/pg", 'start', "$env->{ASTRO_DIR}/pg") == 0 or die 'pg start';
my $t0 = Time::HiRes::time();
ok wait_until(sub { $side->get('/board.json', \%nocache)->{status} == 200 }), 'the database is back';
my $took = Time::HiRes::time() - $t0;
ok $took < 3, sprintf('  and found within 3 s (%.1f s)', $took);

done_testing;
