#!/usr/bin/perl
# The sidecar's limits (PAGE_CONNS, HASH_WORKERS) count requests at the
# pool and nothing else. A page served from the micro-cache, a response
# still being sent to a slow client and a request whose body is still
# arriving hold no pool worker, so none of them may take a place: the
# limits live in the pool's gate (nginx/snippets/gate.conf), which a
# request reaches only once it is whole and a cached page never does.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use HTTP::Tiny;
use POSIX ();
use Socket qw(PF_INET SOCK_STREAM SOL_SOCKET SO_RCVBUF IPPROTO_TCP TCP_MAXSEG inet_aton
    pack_sockaddr_in);
use Test::More;

my $PLACES = 2;
my $env = private_stack(WORKERS => 2, PAGE_CONNS => $PLACES, HASH_CONCURRENCY => 1,
    DB_TIMEOUT_MS => 6000, BOARD_PAGE_SIZE => 500,
    AUTH_RATE => '60000r/m', AUTH_BURST => 10000);
my $http = HTTP::Tiny->new(timeout => 5);
my $cookie = { Cookie => 'ah_session=' . 'A' x 43 };    # opens nothing, but reaches the pool
my $board = client(base => "http://$env->{BOARD_SIDECAR}");
my $signup = client(base => "http://$env->{SIGNUP_SIDECAR}");

sub busy {
    my ($s) = @_;
    my $m = $http->get('http://' . $env->{ uc($s) . '_METRICS' } . '/metrics')->{content} // '';
    return $m =~ /^astro_workers\{service="$s",state="busy"\} (\d+)$/m ? $1 : -1;
}

# Requests the sidecar is working on (stub_status's Writing; the
# status request itself is one of them).
sub writing {
    my ($s) = @_;
    my $st = $http->get('http://' . $env->{ uc($s) . '_STATUS' } . '/nginx_status')->{content} // '';
    return $st =~ /Writing: (\d+)/ ? $1 : -1;
}

# A client that sends REQUEST and then reads nothing, with a receive
# buffer so small that a large answer stays in the sidecar (and small
# segments: on loopback's 64 kB ones, the sidecar's kernel would take
# a megabyte off its hands at once).
sub stalled_client {
    my ($addr, $request) = @_;
    my ($host, $port) = split /:/, $addr;
    socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, 2048) or die "setsockopt: $!";
    setsockopt($s, IPPROTO_TCP, TCP_MAXSEG, 536) or die "setsockopt: $!";
    connect($s, pack_sockaddr_in($port, inet_aton($host))) or die "connect: $!";
    syswrite $s, $request;
    return $s;
}

# What a stalled client has been sent so far: its status line, if any.
sub first_line {
    my ($s) = @_;
    my $rin = '';
    vec($rin, fileno($s), 1) = 1;
    return '(nothing)' unless select(my $rout = $rin, undef, undef, 0.5);
    sysread($s, my $buf, 512) or return '(closed)';
    return (split /\r\n/, $buf)[0];
}

# A board page of 500 astronauts whose names are all quotes, each
# written as &quot;: far more than the sockets between the sidecar and
# a client that reads nothing can hold.
psql($env, <<'SQL');
INSERT INTO astro.astronauts (name, password_hash)
SELECT repeat('"', 58) || ' ' || i, '$s1$0d080a$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA=='
  FROM generate_series(1, 500) AS i
SQL
ok wait_until(sub { $board->get('/board')->{content} =~ /<table/ }),
    'the board shows them (once the page cached before is a second old)';

# Pool requests fill the limit; pages from the micro-cache are still
# served. Each astronaut's request waits in the database (astro.sessions
# locked), holding a page worker. A cached page lives for a second, so
# the check is tried afresh when the cache expired before it ran: an
# expired page goes to the pool and is refused like any other.
{
    my $lock = hold_table_lock($env, 'sessions', 'ACCESS EXCLUSIVE') or die 'no lock';
    my ($hit, $refused, $full);
    for my $try (1 .. 3) {
        is $board->get('/board')->{status}, 200, "try $try: an anonymous board, now in the micro-cache";
        my @kids;
        for (1 .. $PLACES) {
            my $pid = fork // die;
            if (!$pid) { $board->get('/board', $cookie); POSIX::_exit(0) }
            push @kids, $pid;
        }
        $full = wait_until(sub { busy('board') == $PLACES });
        $hit = $board->get('/board');
        $refused = $board->get('/board', $cookie);
        release_hours_lock($env, $lock);
        waitpid $_, 0 for @kids;
        last if $hit->{status} == 200;
        $lock = hold_table_lock($env, 'sessions', 'ACCESS EXCLUSIVE') or die 'no lock';
    }
    ok $full, "$PLACES astronauts' boards wait in the database, holding the limit";
    is $refused->{status}, 503, '  a further pool request is refused: the limit is full';
    like $refused->{content}, qr/Busy just now/, '  by the sidecar, with its page';
    is $hit->{status}, 200, '  while an anonymous board is served from the micro-cache';
    like $hit->{content}, qr/<table/, '  the whole page';
}

# Slow clients holding responses (cached or not) take no place: with
# more of them than the limit, the pool still gets requests.
{
    # The astronauts' requests above may still hold the pool on a loaded
    # machine: start from an idle pool.
    ok wait_until(sub { busy('board') == 0 }), 'the board pool is idle again';
    # One after another: three at once, when the cached page has just
    # expired, are three pool requests, and the third finds the limit
    # full (503). Each holds its answer, not the pool, once it is written.
    my @slow;
    for my $n (1 .. $PLACES + 1) {
        push @slow, stalled_client($env->{BOARD_SIDECAR},
            "GET /board HTTP/1.1\r\nHost: astro\r\nAccept: text/html\r\n\r\n");
        wait_until(sub { writing('board') >= $n + 1 && busy('board') == 0 });
    }
    ok wait_until(sub { writing('board') >= $PLACES + 2 }),
        ($PLACES + 1) . ' clients read nothing of their large boards'
        or diag 'requests in the sidecar: ' . writing('board') . '; the clients were answered: '
        . join(' | ', map { first_line($_) } @slow);
    my $res = $board->get('/board', $cookie);
    is $res->{status}, 200, '  a board from the pool is still served';
    is $board->get('/board.json', $cookie)->{status}, 200, '  and another';
    close $_ for @slow;
}

# Log-ins whose bodies are still arriving take no hashing place: with
# more of them than the hashing workers, a whole log-in is checked.
{
    my $name = unique_name('Limit');
    signup_ok($name, 'the right one');
    my $form = form_fields($signup->get('/login')->{content}, '/login');
    my @trickle = map { stalled_client($env->{SIGNUP_SIDECAR},
        "POST /login HTTP/1.1\r\nHost: astro\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        . "Content-Length: 200\r\n\r\nname=") } 1 .. 3;
    ok wait_until(sub { writing('signup') >= 4 }), '3 log-ins send their bodies a byte at a time';
    my $res = $signup->post('/login', { %$form, name => $name, password => 'wrong' });
    is $res->{status}, 403, '  a whole log-in is checked (a wrong password), not refused';
    close $_ for @trickle;
}

# A log-in the hashing workers cannot answer in time (both stopped
# here, as a task with no CPU left for hashing would leave them) is
# answered 503 with Retry-After, as one refused at once, never 504.
{
    my $workers = pool_workers($env, 'signup');
    my @hashing = grep { $workers->{$_}{nice} > 0 } keys %$workers;    # HASH_NICE
    is scalar(@hashing), 2, 'the 2 hashing workers, stopped';
    kill 'STOP', @hashing;
    my $form = form_fields($signup->get('/login')->{content}, '/login');
    my $res = $signup->post('/login', { %$form, name => 'Nobody', password => 'whatever' });
    kill 'CONT', @hashing;
    is $res->{status}, 503, '  a log-in they never answer gets 503';
    ok $res->{headers}{'retry-after'}, '  with Retry-After';
    like $res->{content}, qr/Busy just now/, '  and the page that says to try again';
}

# The micro-cache sits in front of the gate: a page it keeps is stored
# plain and compressed for each client that asks, never handed
# compressed to one that did not.
{
    my $gz = $board->get('/board.json', { 'Accept-Encoding' => 'gzip' });
    is $gz->{headers}{'content-encoding'} // '', 'gzip', 'a client that asks gets the board compressed';
    my $plain = $board->get('/board.json');
    ok !defined $plain->{headers}{'content-encoding'}, '  the next, who did not ask, gets it plain';
    like $plain->{content}, qr/^\{"astronauts"/, '  as JSON';
}

done_testing;
