#!/usr/bin/perl
# Logs that scale: with LOG_SAMPLE=0 the sidecar and the pool still write
# every error and every slow request, and no fast success; with
# LOG_SAMPLE=0.5 they write about half of the fast successes, the same
# ones in both layers (chosen by request id). Every line says what
# fraction of its kind it stands for.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use File::Temp ();
use JSON::PP qw(decode_json);
use POSIX ();
use Test::More;

my $SLOW_MS = 300;

# The request lines of one log (the pool's file also holds its messages).
sub lines {
    my ($env, $file) = @_;
    open my $fh, '<', "$env->{ASTRO_DIR}/log/$file" or return ();
    return map { decode_json($_) } grep {/"request_id"/} <$fh>;
}

# The sidecar's line for the request sent with this User-Agent, once
# nginx has flushed it (at most a second later).
sub nginx_line {
    my ($env, $ua) = @_;
    my $line;
    wait_until(sub { ($line) = grep { $_->{user_agent} eq $ua } lines($env, 'nginx-hours.log'); $line });
    return $line;
}

# ---- a rate that is not one is refused by both, before anything starts --
my $bin = "$FindBin::Bin/../build/" . ($ENV{ASTRO_VARIANT} || 'release') . '/astro-hours';
my $out = File::Temp->newdir;
for my $bad ('2', '1.5', '0.12345', '.5', 'half', '-0') {
    my $pool = qx{LOG_SAMPLE='$bad' '$bin' 2>&1};
    is $? >> 8, 2, "LOG_SAMPLE=$bad: the pool refuses to start";
    like $pool, qr/LOG_SAMPLE=\Q$bad\E: expected a fraction from 0 to 1/, '  and says why';
    my $render = qx{SERVICE=hours LOG_SAMPLE='$bad' '$FindBin::Bin/../nginx/render' '$out' 2>&1};
    is $? >> 8, 2, "LOG_SAMPLE=$bad: nginx/render refuses it too";
}

# ---- LOG_SAMPLE=0: errors and slow requests only -----------------------
my $env = private_stack(LOG_SAMPLE => 0, LOG_SLOW_MS => $SLOW_MS);
my $c = signup_ok(unique_name('Sampled'), 'nothing but errors');
my $today = POSIX::strftime('%Y-%m-%d', gmtime);

my @fast = map { $c->get('/hours', { 'User-Agent' => "fast $_" })->{status} } 1 .. 10;
is_deeply \@fast, [ (200) x 10 ], 'ten fast GET /hours, each 200';
my $typo = $c->submit('/hours', '/hours', { hours => '25', date => $today });
is $typo->{status}, 422, 'a field to correct is 422 (an expected error)';
my $forged = $c->post('/hours', { hours => '1', date => $today, csrf => 'forged', key => 'a' x 32 },
    { 'User-Agent' => 'forged form' });
is $forged->{status}, 403, 'a forged form is 403';

# A POST /hours held in the database (by a lock this test takes) for
# longer than LOG_SLOW_MS, then answered 303.
my $form = form_fields($c->get('/hours')->{content}, '/hours');
ok my $lock = hold_hours_lock($env), 'a session holds a lock on hours_entries';
my $pid = fork // die;
if (!$pid) {
    my $res = $c->post('/hours', { %$form, hours => '1', date => $today }, { 'User-Agent' => 'slow post' });
    POSIX::_exit($res->{status} == 303 ? 0 : 1);
}
ok wait_until(sub { psql($env, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    . " AND query LIKE 'INSERT INTO astro.hours_entries%'"
    . " AND now() - query_start > make_interval(secs => $SLOW_MS / 1000.0 + 0.1)") == 1 }),
    "a POST /hours has waited in the database for more than ${SLOW_MS} ms";
release_hours_lock($env, $lock);
waitpid $pid, 0;
is $? >> 8, 0, '  and is answered 303 once the lock goes';

my $n_forged = nginx_line($env, 'forged form');
ok $n_forged, 'the sidecar wrote the 403';
is $n_forged->{sample}, 1, '  as a line that stands for itself (sample 1)';
my $n_slow = nginx_line($env, 'slow post');
ok $n_slow, 'the sidecar wrote the slow 303';
cmp_ok $n_slow->{request_time} * 1000, '>=', $SLOW_MS, "  which took at least ${SLOW_MS} ms";
is $n_slow->{sample}, 1, '  with sample 1';
my @nginx = lines($env, 'nginx-hours.log');
is_deeply [ grep { $_->{user_agent} =~ /^fast / } @nginx ], [], 'no fast 200 in the sidecar\'s log';
is_deeply [ grep { $_->{status} == 422 } @nginx ], [], 'nor the 422';
is_deeply [ grep { !defined $_->{sample} } @nginx ], [], 'every sidecar line carries its sample rate';

my @pool = lines($env, 'pool-hours.log');
my %pool = map { $_->{request_id} => $_ } @pool;
is $pool{ $n_forged->{request_id} }{status}, 403, 'the pool wrote the 403, under the same request id';
is $pool{ $n_slow->{request_id} }{status}, 303, 'and the slow 303';
is_deeply [ grep { $_->{status} < 400 && $_->{duration_ms} < $SLOW_MS } @pool ], [],
    'the pool wrote no fast success';
is_deeply [ grep { $_->{status} == 422 } @pool ], [], 'nor the 422';
is_deeply [ grep { !defined $_->{sample} || $_->{sample} != 1 } @pool ], [],
    'every pool line carries sample 1';

# ---- LOG_SAMPLE=0.5: half of the fast successes, the same in both -------
$env = private_stack(LOG_SAMPLE => '0.5', LOG_SLOW_MS => 60000);
$c = signup_ok(unique_name('Half'), 'half of everything');
my $n = 60;
my @ok = grep { $c->get('/hours', { 'User-Agent' => "half $_" })->{status} == 200 } 1 .. $n;
is scalar @ok, $n, "$n fast GET /hours, each 200";
$c->post('/hours', { hours => '1', date => $today, csrf => 'forged', key => 'b' x 32 },
    { 'User-Agent' => 'last' });
ok nginx_line($env, 'last'), 'the sidecar wrote the 403 sent after them';

my @half = grep { $_->{user_agent} =~ /^half / } lines($env, 'nginx-hours.log');
# Binomial(60, 0.5): outside 5..55 once in 10^11 runs.
cmp_ok scalar @half, '>=', 5, 'the sidecar wrote some of them (' . scalar(@half) . " of $n)";
cmp_ok scalar @half, '<=', $n - 5, '  but not all';
is_deeply [ grep { $_->{sample} != 0.5 } @half ], [], '  each with sample 0.5';
my @pool_half = grep { $_->{route} eq '/hours' && $_->{method} eq 'GET' && $_->{status} == 200 }
    lines($env, 'pool-hours.log');
is_deeply [ sort map { $_->{request_id} } @pool_half ], [ sort map { $_->{request_id} } @half ],
    'the pool wrote the same requests, by request id';
is_deeply [ grep { $_->{sample} != 0.5 } @pool_half ], [], '  each with sample 0.5';

done_testing;
