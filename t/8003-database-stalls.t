#!/usr/bin/perl
# The database stops answering without closing anything (a network
# partition, a hung server): requests still end, as 503 with Retry-After
# after DB_TIMEOUT_MS, instead of holding workers until the proxy gives up.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::UNIX;
use POSIX ();
use Test::More;

# A unix-socket proxy in front of PostgreSQL's socket, in a process
# group of its own so the whole of it can be frozen with SIGSTOP.
my $proxy_dir = tempdir('astro-proxy-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $proxy_dir;
my ($real, $proxy_pid);

sub proxy {
    POSIX::setpgid(0, 0);
    umask 0;
    my $l = IO::Socket::UNIX->new(Local => "$proxy_dir/.s.PGSQL.5432", Listen => 64)
        or die "proxy: $!";
    $SIG{CHLD} = 'IGNORE';
    while (my $in = $l->accept) {
        next if fork;
        my $out = IO::Socket::UNIX->new(Peer => "$real/.s.PGSQL.5432") or exit 1;
        my $sel = IO::Select->new($in, $out);
        while (my @ready = $sel->can_read) {
            for my $fh (@ready) {
                my $n = sysread $fh, my $buf, 65536;
                exit 0 unless $n;
                syswrite($fh == $in ? $out : $in, $buf) or exit 0;
            }
        }
        exit 0;
    }
}

# The stack's cluster lives in its own folder; start the proxy once its
# socket exists, and point the pools at the proxy.
my $dir = tempdir('astro-stack-XXXXXX', TMPDIR => 1, CLEANUP => 0);
chmod 0755, $dir;
$real = "$dir/pg";
system("$FindBin::Bin/../scripts/pg", 'start', $real) == 0 or die 'pg start';
defined($proxy_pid = fork) or die "fork: $!";
if (!$proxy_pid) { proxy(); exit 0 }
for (1 .. 50) { last if -S "$proxy_dir/.s.PGSQL.5432"; select undef, undef, undef, 0.1 }
END { kill 'CONT', -$proxy_pid; kill 'KILL', -$proxy_pid if $proxy_pid }

my $env = AstroTest::_start_in($dir, env => { POOL_PGHOST => $proxy_dir, DB_TIMEOUT_MS => 1000 });
# A session cookie (even one that opens nothing) makes every request
# reach the pool: the sidecar's micro-cache is for cookie-less visitors.
my $c = client(stack => $env);
my $cookie = { Cookie => 'ah_session=' . 'A' x 43 };
is $c->get('/board', $cookie)->{status}, 200, 'the board works through the proxy';

kill 'STOP', -$proxy_pid;
my $res = $c->get('/board', $cookie);
is $res->{status}, 503, 'database frozen: the board is 503';
like $res->{headers}{'retry-after'}, qr/^[1-9][0-9]*$/, '  with Retry-After';
like $res->{content}, qr{<h1>Temporarily unavailable</h1>}, '  a page from the pool, not a gateway timeout';
# nginx would give up after fastcgi_read_timeout (10 s) with a 504; a
# 503 page from the pool means the worker stopped waiting by itself.
open my $fh, '<', "$env->{ASTRO_DIR}/log/pool-board.log" or die $!;
ok scalar(grep {/statement timed out|connection failed/} <$fh>),
    'the pool logged that the database did not answer in time';

kill 'CONT', -$proxy_pid;
my $back = 0;
for (1 .. 100) {
    last if ($back = $c->get('/board', $cookie)->{status}) == 200;
    select undef, undef, undef, 0.2;
}
is $back, 200, 'database answering again: the board recovers';

done_testing;
