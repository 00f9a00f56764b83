#!/usr/bin/perl
# Tasks as the unit, as in ECS: each service runs as TASKS tasks, each
# its own pool and sidecar with its own socket, ports, logs and pid
# files, running from the stack's own copy of the build, every one
# registered with HAProxy and taking a share of the requests.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use File::Temp ();
use HTTP::Tiny;
use Test::More;

my $top = "$FindBin::Bin/..";
my $env = private_stack(TASKS => 2, HOURS_RATE_MAX => 1000000);
my $dir = $env->{ASTRO_DIR};
my $http = HTTP::Tiny->new(timeout => 10);

sub pid_of { open my $fh, '<', "$dir/pids/$_[0].pid" or return; my $p = <$fh>; chomp $p; $p }

# `show stat` from HAProxy's runtime API: {backend}{server} = status.
sub servers {
    my $out = `. '$top/scripts/lib.sh'; haproxy_api '$env->{HAPROXY_SOCKET}' 'show stat'`;
    my (%s, @col);
    for (split /\n/, $out) {
        if (s/^# //) { @col = split /,/; next }
        my %r; @r{@col} = split /,/;
        $s{ $r{pxname} }{ $r{svname} } = $r{status} if $r{svname} && $r{svname} =~ /-\d+$/;
    }
    return \%s;
}

my %seen;
for my $s (qw(signup hours board)) {
    my @tasks = split ' ', $env->{ uc($s) . '_TASKS' };
    is_deeply \@tasks, [ "$s-1", "$s-2" ], "$s runs two tasks";
    for my $k (1, 2) {
        my $t = "$s-$k";
        my $sidecar = $env->{ uc($s) . "_${k}_SIDECAR" };
        my $metrics = $env->{ uc($s) . "_${k}_METRICS" };
        my $fcgi = $env->{ uc($s) . "_${k}_FCGI" };
        is $http->get("http://$sidecar/healthz")->{status}, 200, "  $t: its sidecar answers /healthz";
        is $http->get("http://$metrics/healthz")->{status}, 200, "  $t: its pool answers /healthz";
        ok -S $fcgi, "  $t: its own socket ($fcgi)";
        $seen{$_}++ for $sidecar, $metrics, $fcgi;
        ok -s "$dir/log/pool-$t.log", "  $t: its own pool log";
        ok -e "$dir/log/nginx-$t.log", "  $t: its own sidecar log";
        my $pool = pid_of("pool-$t");
        ok $pool && kill(0, $pool), "  $t: its pool's pid file";
        ok pid_of("nginx-$t") && kill(0, pid_of("nginx-$t")), "  $t: its sidecar's pid file";
        like readlink("/proc/$pool/exe"), qr{^\Q$dir\E/images/[0-9]+/bin/astro-$s$},
            "  $t: runs from the stack's own copy of the build";
    }
    is $env->{ uc($s) . '_SIDECAR' }, $env->{ uc($s) . '_1_SIDECAR' },
        "  stack.env names $s-1 under the single-task names";
}
is scalar(grep { $_ > 1 } values %seen), 0, 'no two tasks share a socket or a port';

my $lb = servers();
for my $s (qw(signup hours board)) {
    like $lb->{$s}{"$s-$_"}, qr/^UP/, "HAProxy has $s-$_ in service" for 1, 2;
    is scalar(grep { $_ eq 'MAINT' } values %{ $lb->{$s} }), 14, "  the other $s slots are free";
}

# Requests spread over both tasks (with a session cookie, every request
# reaches a pool instead of the board's micro-cache).
sub count {
    my ($m) = @_;
    my $body = $http->get("http://$m/metrics")->{content} // '';
    my ($n) = $body =~ /^astro_requests_total\{service="board",route="\/board",status="200"\} (\d+)$/m;
    return $n // 0;
}
my @before = map { count($env->{"BOARD_${_}_METRICS"}) } 1, 2;
my $c = client();
my @ok = grep { $c->get('/board', { Cookie => 'ah_session=' . 'A' x 43 })->{status} == 200 } 1 .. 20;
is scalar @ok, 20, '20 requests through the load balancer answered';
my @after = map { count($env->{"BOARD_${_}_METRICS"}) } 1, 2;
my @share = map { $after[$_] - $before[$_] } 0, 1;
is $share[0] + $share[1], 20, '  all of them by the board tasks';
ok $share[0] >= 5 && $share[1] >= 5, "  shared between the two ($share[0] and $share[1])";

# Bad input: a clear error, and nothing changes.
for my $bad ([ 'hours', '0' ], [ 'hours', '9' ], [ 'hours', 'two' ], [ 'nope', '2' ]) {
    my $out = `'$top/scripts/stack' scale @$bad --dir '$dir' 2>&1`;
    isnt $?, 0, "scale @$bad is refused";
    like $out, qr/tasks|no service/, "  saying why: $out" =~ s/\n//r;
}
my $none = File::Temp->newdir;
my $out = `'$top/scripts/stack' scale hours 3 --dir '$none' 2>&1`;
isnt $?, 0, 'scale where no stack runs is refused';
like $out, qr/no stack running/, '  saying so';
my $list = `'$top/scripts/stack' tasks --dir '$dir'`;
is scalar(() = $list =~ /^\s+(?:signup|hours|board)-\d+\s.*UP/mg), 6, 'scripts/stack tasks lists the six, in service';

done_testing;
