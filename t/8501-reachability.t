#!/usr/bin/perl
# The network boundary holds, tried for real. A stack in network
# namespaces (NET=netns, two tasks a service, Prometheus) is started, and
# from each namespace (the internet's client, the load balancer, the
# monitoring, the database, a board task, an hours task) a TCP
# connection is opened to every listener: the load
# balancer's :80 and metrics, two board tasks' sidecar, pool metrics and
# stub_status, PostgreSQL, Prometheus and a listener on the internet.
# What ecs/contract.json's local flows allow must connect and answer
# (HTTP 200, or PostgreSQL's reply to an SSL request); every other pair
# must be refused or dropped. The pairs the design names are asserted on
# their own too, so a contract that opened one of them fails here. On
# failure the whole matrix is printed. The host reaches the site through
# the published port, and holds no address, link or route of the stack.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use JSON::PP;
use HTTP::Tiny;

my $top = "$FindBin::Bin/..";
my $why = `'$top/scripts/net' probe 2>&1`;
if ($? != 0) {
    chomp $why;
    plan skip_all => "no network namespaces here ($why): the stack falls back to plain"
        . ' processes on 127.0.0.1 (NET=loopback), where there is no boundary to try';
}

my $env = private_stack(NET => 'netns', TASKS => 2, PROMETHEUS => 1);
is $env->{NET}, 'netns', 'the stack runs in network namespaces';

my $contract = decode_json(do { local (@ARGV, $/) = ("$top/ecs/contract.json"); <> });
my @flows = grep { grep { $_ eq 'local' } @{ $_->{where} } } @{ $contract->{flows}{allow} };

# ---- the namespaces and the listeners ----------------------------------

my %source = (
    internet => { ns => $env->{NETNS_INTERNET}, group => 'internet' },
    lb => { ns => $env->{NETNS_LB}, group => 'alb' },
    monitoring => { ns => $env->{NETNS_MON}, group => 'monitoring' },
    database => { ns => $env->{NETNS_DB}, group => 'database' },
    'board-1' => { ns => $env->{BOARD_1_NETNS}, group => 'task' },
    'hours-1' => { ns => $env->{HOURS_1_NETNS}, group => 'task' },
);
my @sources = qw(internet lb monitoring database board-1 hours-1);

my $inet_port = 8000;
# name => [address, port, group, owner namespace, how to talk to it]
my @listeners = (
    [ 'lb:80', $env->{NET_LB}, 80, 'alb', 'lb', 'GET /board' ],
    [ 'lb:8405', $env->{NET_LB}, 8405, 'alb', 'lb', 'GET /metrics' ],
    (map {
        my $k = $_;
        my ($a) = split /:/, $env->{"BOARD_${k}_SIDECAR"};
        ([ "board-$k:8080", $a, 8080, 'task', "board-$k", 'GET /healthz' ],
         [ "board-$k:9100", $a, 9100, 'task', "board-$k", 'GET /metrics' ],
         [ "board-$k:9101", $a, 9101, 'task', "board-$k", 'GET /nginx_status' ])
    } 1, 2),
    [ 'db:5432', $env->{NET_DB}, 5432, 'database', 'database', 'PG' ],
    [ 'mon:9090', $env->{NET_MON}, 9090, 'monitoring', 'monitoring', 'GET /-/ready' ],
    [ 'internet:8000', $env->{NET_INTERNET}, $inet_port, 'internet', 'internet', 'CONNECT' ],
);

# ---- what the contract allows ----------------------------------------------

sub in_vpc { my ($g) = @_; return $g ne 'internet' }

sub flow_ok {
    my ($side, $me, $peer, $port) = @_;
    for my $f (@flows) {
        next unless grep { $_ == $port } @{ $f->{ports} };
        my ($mine, $theirs) = $side eq 'ingress' ? ($f->{to}, $f->{from}) : ($f->{from}, $f->{to});
        next unless $mine eq $me;
        return 1 if $theirs eq $peer || $theirs eq 'internet'
            || ($theirs eq 'vpc' && in_vpc($peer));
    }
    return 0;
}

# Whether SOURCE may open a connection to LISTENER: the router's routes
# (the internet reaches the public tier only, nothing reaches the
# internet) and both ends' security groups.
sub expected {
    my ($src, $l) = @_;
    my ($sg, $dg, $port) = ($source{$src}{group}, $l->[3], $l->[2]);
    return 0 if $sg eq 'internet' && $dg ne 'alb';
    return 0 if $dg eq 'internet' && $sg ne 'internet';
    my $in = $dg eq 'internet' || flow_ok('ingress', $dg, $sg, $port);
    my $out = $sg eq 'internet' || flow_ok('egress', $sg, $dg, $port);
    return $in && $out;
}

# ---- trying every pair ----------------------------------------------------------

# Runs in each namespace: opens every connection at once, then talks to
# each one that connected; prints "NAME RESULT DETAIL" lines.
my $probe = <<'PERL';
use strict; use warnings; use Socket; use IO::Select; use Errno qw(EINPROGRESS);
use Fcntl; use Time::HiRes qw(time);
my (%sock, %state, %detail);
my $sel = IO::Select->new;
for (@ARGV) {
    my ($name, $addr, $port, $how) = split /\|/;
    socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
    fcntl($s, F_SETFL, fcntl($s, F_GETFL, 0) | O_NONBLOCK);
    my $ok = connect($s, sockaddr_in($port, inet_aton($addr)));
    if (!$ok && $! != EINPROGRESS) { $state{$name} = $!{ECONNREFUSED} ? 'refused' : 'unreachable'; $detail{$name} = "$!"; next }
    $sock{$name} = [$s, $how];
    $state{$name} = 'dropped';
}
my $end = time + 3;
my %pending = map { $_ => 1 } keys %sock;
while (%pending && time < $end) {
    my $w = ''; vec($w, fileno($sock{$_}[0]), 1) = 1 for keys %pending;
    select(undef, my $wout = $w, undef, $end - time) > 0 or last;
    for my $n (keys %pending) {
        next unless vec($wout, fileno($sock{$n}[0]), 1);
        delete $pending{$n};
        my $err = getsockopt($sock{$n}[0], SOL_SOCKET, SO_ERROR);
        $err = unpack('i', $err);
        if ($err) { local $! = $err; $state{$n} = $!{ECONNREFUSED} ? 'refused' : 'unreachable'; $detail{$n} = "$!"; next }
        $state{$n} = 'open';
        # Asked at once: a listener may drop a connection that stays
        # silent (the pools' metrics endpoint allows 2 s for it all).
        my $how = $sock{$n}[1];
        syswrite $sock{$n}[0], $how =~ /^GET (\S+)/ ? "GET $1 HTTP/1.0\r\nHost: probe\r\n\r\n"
            : $how eq 'PG' ? pack('NN', 8, 80877103) : '';
    }
}
for my $n (sort keys %state) {
    if ($state{$n} eq 'open') {
        my ($s, $how) = @{ $sock{$n} };
        fcntl($s, F_SETFL, fcntl($s, F_GETFL, 0) & ~O_NONBLOCK);
        setsockopt($s, SOL_SOCKET, SO_RCVTIMEO, pack('l!l!', 10, 0));
        if ($how =~ /^GET /) {
            my $line = '';
            1 while $line !~ /\n/ && sysread $s, $line, 64, length $line;
            $detail{$n} = $line =~ m{^HTTP/1\.\d (\d+)} ? "HTTP $1" : 'no HTTP answer';
        } elsif ($how eq 'PG') {
            my $b = ''; sysread $s, $b, 1;
            $detail{$n} = $b =~ /^[NS]$/ ? "PostgreSQL $b" : 'no PostgreSQL answer';
        } else {
            $detail{$n} = 'connected';
        }
    }
    print "$n $state{$n} ", ($detail{$n} // ''), "\n";
}
PERL

# A listener on the internet, that nothing inside may reach.
my $inet_pid = fork // die "fork: $!";
if (!$inet_pid) {
    exec 'ip', 'netns', 'exec', $env->{NETNS_INTERNET}, 'perl', '-MIO::Socket::IP', '-e',
        'my $s = IO::Socket::IP->new(LocalHost => $ARGV[0], LocalPort => $ARGV[1], Listen => 64, ReuseAddr => 1) or die "$!"; '
        . 'alarm 300; 1 while $s->accept', $env->{NET_INTERNET}, $inet_port;
    exit 127;
}
END { kill 'TERM', $inet_pid if $inet_pid }
ok wait_until(sub { system('ip', 'netns', 'exec', $env->{NETNS_INTERNET}, 'perl', '-MIO::Socket::IP', '-e',
    'exit !IO::Socket::IP->new(PeerHost => $ARGV[0], PeerPort => $ARGV[1])', $env->{NET_INTERNET}, $inet_port) == 0 }),
    'a listener runs on the internet';

# Prometheus has scraped every task once the targets are all up.
my $prom = HTTP::Tiny->new(timeout => 5);
ok wait_until(sub {
    my $r = $prom->get("$env->{PROMETHEUS_URL}/api/v1/targets");
    return 0 unless $r->{success};
    my $t = decode_json($r->{content})->{data}{activeTargets};
    my @pools = grep { $_->{labels}{job} ne 'haproxy' } @$t;
    return @pools == 6 && !grep { $_->{health} ne 'up' } @$t;
}), 'Prometheus, in the monitoring tier, scrapes all six tasks and HAProxy through the rules'
    or diag $prom->get("$env->{PROMETHEUS_URL}/api/v1/targets")->{content};

my %got;
for my $src (@sources) {
    my @targets = map { join '|', $_->[0], $_->[1], $_->[2], $_->[5] }
        grep { $_->[4] ne $src } @listeners;
    my @cmd = ('ip', 'netns', 'exec', $source{$src}{ns}, 'perl', '-e', $probe, @targets);
    open my $fh, '-|', @cmd or die "probe: $!";
    while (<$fh>) {
        chomp;
        my ($name, $state, $detail) = split / /, $_, 3;
        $got{$src}{$name} = { state => $state, detail => $detail // '' };
    }
    close $fh;
}

# ---- asserting the matrix ----------------------------------------------------

my $failed = 0;
my %want;
for my $src (@sources) {
    for my $l (@listeners) {
        next if $l->[4] eq $src;
        my $allowed = expected($src, $l);
        $want{$src}{ $l->[0] } = $allowed;
        my $g = $got{$src}{ $l->[0] } or do { $failed++; fail "$src -> $l->[0]: not tried"; next };
        if ($allowed) {
            my $good = $l->[5] eq 'PG' ? qr/^PostgreSQL/ : $l->[5] eq 'CONNECT' ? qr/^connected/ : qr/^HTTP 200$/;
            ok($g->{state} eq 'open' && $g->{detail} =~ $good, "$src -> $l->[0]: allowed, answers ($g->{state} $g->{detail})")
                or $failed++;
        } else {
            ok($g->{state} ne 'open', "$src -> $l->[0]: blocked ($g->{state})") or $failed++;
        }
    }
}

# The pairs the design names, whatever the contract says.
my @must = (
    [ 1, 'internet', 'lb:80', 'a client reaches the load balancer' ],
    [ 1, 'lb', 'board-1:8080', 'the load balancer reaches a sidecar' ],
    [ 1, 'board-1', 'db:5432', 'a task reaches the database' ],
    [ 1, 'monitoring', 'board-2:9100', 'monitoring reaches a pool\'s metrics' ],
    [ 0, 'internet', 'board-1:8080', 'a client cannot reach a sidecar directly' ],
    [ 0, 'internet', 'board-1:9100', 'a client cannot reach the metrics' ],
    [ 0, 'internet', 'db:5432', 'a client cannot reach the database' ],
    [ 0, 'board-1', 'board-2:8080', 'task A cannot reach task B\'s sidecar' ],
    [ 0, 'board-1', 'board-2:9100', 'task A cannot reach task B\'s pool' ],
    [ 0, 'hours-1', 'board-1:8080', 'a task of another service cannot reach a sidecar' ],
    [ 0, 'lb', 'db:5432', 'the load balancer cannot reach the database' ],
    [ 0, 'database', 'lb:80', 'the database opens nothing: not the load balancer' ],
    [ 0, 'database', 'board-1:8080', 'not a task' ],
    [ 0, 'database', 'internet:8000', 'not the internet' ],
    [ 0, 'board-1', 'internet:8000', 'a task cannot reach the internet' ],
);
for my $m (@must) {
    my ($allow, $src, $l, $what) = @$m;
    my $g = $got{$src}{$l} // { state => 'not tried', detail => '' };
    ok(($g->{state} eq 'open') == $allow, "$what ($src -> $l: $g->{state})") or $failed++;
}

if ($failed) {
    my @cols = map { $_->[0] } @listeners;
    my $out = sprintf "%-11s", 'from \\ to';
    $out .= sprintf " %-13s", $_ for @cols;
    $out .= "\n";
    for my $src (@sources) {
        $out .= sprintf "%-11s", $src;
        for my $c (@cols) {
            my $g = $got{$src}{$c};
            my $cell = !$g ? '-' : $g->{state} eq 'open' ? ($g->{detail} =~ /(\d{3})$/ ? "open $1" : 'open') : $g->{state};
            $cell .= !$g ? '' : ($g->{state} eq 'open') == ($want{$src}{$c} // 0) ? '' : ' !';
            $out .= sprintf " %-13s", $cell;
        }
        $out .= "\n";
    }
    diag "reachability (! = not what ecs/contract.json's flows say):\n$out";
}

# The host is not part of the network: it reaches the site through the
# published port only, and none of its interfaces or routes is the stack's.
is(HTTP::Tiny->new(timeout => 10)->get("$env->{ASTRO_URL}/board")->{status}, 200,
    'the host reaches the site through the published port');
my $host_addrs = `ip -o addr show`;
unlike $host_addrs, qr/\Q$env->{NET_BASE}.\E|198\.51\.100\./, 'no interface of the host carries an address of the stack';
unlike `ip -o link show`, qr/\b(br-public|br-private|v-lb|v-board-1)\b/, '  nor is one of its links';
unlike `ip -4 route show`, qr/^\Q$env->{NET_BASE}.\E/m, '  nor one of its routes';

# ---- the rules themselves ------------------------------------------------------------

sub net_check {
    my $out = `'$top/scripts/net' check '$env->{ASTRO_DIR}' 2>&1`;
    return ($? == 0, $out);
}
my ($ok, $out) = net_check();
ok $ok, 'scripts/net check: every namespace holds its flows\' rules, no other' or diag $out;

# A rule no flow names is found.
my $ns = $env->{BOARD_1_NETNS};
system('ip', 'netns', 'exec', $ns, 'nft', 'add', 'rule', 'inet', 'sg', 'egress', 'ip', 'daddr',
    $env->{NET_PRIVATE}, 'tcp', 'dport', '8080', 'accept', 'comment', '"sideways"') == 0
    or die 'nft add rule failed';
($ok, $out) = net_check();
ok !$ok, 'a rule added by hand fails scripts/net check';
like $out, qr/\Q$ns\E \(task\).*got:  egress sideways/s, '  and the check names it';
my ($handle) = `ip netns exec $ns nft -a list chain inet sg egress` =~ /"sideways" # handle (\d+)/;
system('ip', 'netns', 'exec', $ns, 'nft', 'delete', 'rule', 'inet', 'sg', 'egress', 'handle', $handle) == 0
    or die 'nft delete rule failed';
($ok) = net_check();
ok $ok, '  and passes again once it is gone';

# ---- tasks come and go with their namespaces ---------------------------------------

sub netns_of { my %n = map { (split ' ')[0] => 1 } `ip netns list`; return \%n }
my $stack = "$top/scripts/stack";
system($stack, 'scale', 'board', '3', '--dir', $env->{ASTRO_DIR}) == 0 or die 'scale failed';
my $env3 = AstroTest::_read_env("$env->{ASTRO_DIR}/stack.env");
ok netns_of()->{ $env3->{BOARD_3_NETNS} // '' }, 'a new task gets a namespace of its own';
is system('ip', 'netns', 'exec', $env->{NETNS_LB}, 'curl', '-fsS', '-o', '/dev/null', '--max-time', '3',
    "http://$env3->{BOARD_3_SIDECAR}/healthz"), 0, '  which the load balancer reaches';
($ok, $out) = net_check();
ok $ok, '  with the task group\'s rules' or diag $out;
system($stack, 'scale', 'board', '2', '--dir', $env->{ASTRO_DIR}) == 0 or die 'scale failed';
ok !netns_of()->{ $env3->{BOARD_3_NETNS} }, 'a removed task takes its namespace with it';

# ---- stop leaves nothing behind -----------------------------------------------------

system($stack, 'stop', '--dir', $env->{ASTRO_DIR}) == 0 or die 'stop failed';
my @left = grep { index($_, "$env->{NET_PREFIX}-") == 0 } keys %{ netns_of() };
is_deeply \@left, [], 'scripts/stack stop deletes every namespace of the stack';
ok !-e "/run/astro-net/$env->{NET_PREFIX}", '  and its claim on the address range';

done_testing();
