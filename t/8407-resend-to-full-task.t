#!/usr/bin/perl
# A request resent from a dead task waits for a live one, even when the
# live one is full. HAProxy runs with the stack's own `defaults`
# (nginx/haproxy.cfg.in) in front of two tasks that no health check
# takes out: one that answers every request with 502 at once, as a
# sidecar whose pool has died does, and one that takes two requests at
# a time. Least outstanding requests ranks the dead task first; every
# request it fails is resent to the live one, and must wait in that
# task's queue rather than go back to the dead task and fail. Without
# `maxqueue` in the defaults most of them fail: the second half of the
# test shows it, so that the first half cannot pass by accident.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX ();
use Test::More;

my $top = "$FindBin::Bin/..";
my $tmp = tempdir('astro-resend-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my @pids;

sub port { my $p = `$top/scripts/free-port`; chomp $p; return $p }

# A task: answers STATUS after DELAY seconds, one process a connection.
sub task {
    my ($status, $delay) = @_;
    my $port = port();
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port, Listen => 64, ReuseAddr => 1)
        or die "listen $port: $!\n";
    my $pid = fork // die "fork: $!\n";
    if (!$pid) {
        $SIG{CHLD} = 'IGNORE';
        while (my $c = $l->accept) {
            next if fork;
            local $/ = "\r\n\r\n";
            while (defined(my $req = <$c>)) {
                select undef, undef, undef, $delay if $delay;
                print $c "HTTP/1.1 $status X\r\nContent-Length: 2\r\n\r\nok";
            }
            POSIX::_exit(0);
        }
        POSIX::_exit(0);
    }
    close $l;
    push @pids, $pid;
    return $port;
}

open my $fh, '<', "$top/nginx/haproxy.cfg.in" or die "haproxy.cfg.in: $!\n";
my $cfg = do { local $/; <$fh> };
my ($defaults) = $cfg =~ /^(defaults\n.*?)^frontend /ms or die "no defaults section\n";
like $defaults, qr/^\s*default-server .*\bmaxqueue \d+/m, "the stack's defaults give each task a queue (maxqueue)";
like $defaults, qr/^\s*retry-on .*\b502\b/m, '  and resend a 502 to another task';

my $dead = task(502, 0);
# The live task answers in 0.02 s, two at a time: the 40 requests below
# drain its queue in about 0.4 s, well inside the defaults' `timeout
# queue` of 2 s even on a loaded machine. (At 0.1 s they took 2 s, the
# whole timeout, and the last ones in the queue could get a 503.)
my $live = task(200, 0.02);

# 40 requests, 20 at a time, through HAProxy with DEFAULTS: their
# statuses, counted.
sub through {
    my ($defaults) = @_;
    my $port = port();
    my $conf = "$tmp/haproxy-$port.cfg";
    open my $out, '>', $conf or die "$conf: $!\n";
    print $out "global\n    maxconn 200\n\n$defaults\n",
        "frontend f\n    bind 127.0.0.1:$port\n    default_backend tasks\n\n",
        "backend tasks\n    server dead 127.0.0.1:$dead maxconn 8\n    server live 127.0.0.1:$live maxconn 2\n";
    close $out;
    my $hp = fork // die "fork: $!\n";
    if (!$hp) {
        open STDERR, '>', "$conf.log" or die "$conf.log: $!\n";
        exec 'haproxy', '-db', '-f', $conf;
        die "haproxy: $!\n";
    }
    ok wait_until(sub { IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") }), '  HAProxy is up';
    my @kids;
    for (1 .. 20) {
        pipe my $r, my $w or die "pipe: $!\n";
        my $pid = fork // die "fork: $!\n";
        if (!$pid) {
            close $r;
            my $ua = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
            print $w $ua->get("http://127.0.0.1:$port/board")->{status}, "\n" for 1 .. 2;
            close $w;
            POSIX::_exit(0);
        }
        close $w;
        push @kids, [$pid, $r];
    }
    my %n;
    for (@kids) {
        my ($pid, $r) = @$_;
        $n{$_}++ for map { chomp; $_ } <$r>;
        waitpid $pid, 0;
    }
    kill 'TERM', $hp;
    waitpid $hp, 0;
    return \%n;
}

my $n = through($defaults);
is_deeply $n, { 200 => 40 }, 'every request the dead task failed was resent to the full live task, and answered'
    or diag explain $n;

(my $without = $defaults) =~ s/ maxqueue \d+//;
$n = through($without);
cmp_ok $n->{502} // 0, '>', 0, 'without maxqueue some are resent to the dead task and fail'
    or diag explain $n;

END { local $?; kill 'TERM', @pids if @pids; waitpid $_, 0 for @pids }
done_testing;
