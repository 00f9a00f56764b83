#!/usr/bin/perl
# Internal metrics: each pool serves Prometheus text on its metrics port
# and nginx its stub_status on another; neither is reachable through the
# load balancer.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use HTTP::Tiny;
use Test::More;

my $env = stack();
my $http = HTTP::Tiny->new(timeout => 10);

sub scrape {
    my ($svc) = @_;
    my $res = $http->get("http://$env->{uc($svc) . '_METRICS'}/metrics");
    my %m;
    for (split /\n/, $res->{content} // '') {
        next if /^#/;
        my ($k, $v) = /^(\S+) (\S+)$/ or next;
        $m{$k} = $v;
    }
    return ($res, \%m);
}

my ($res, $before) = scrape('board');
is $res->{status}, 200, 'the board pool serves /metrics';
like $res->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4}, '  in Prometheus text format';
like $res->{content}, qr/^# TYPE astro_request_duration_seconds histogram$/m, '  with a latency histogram';

# With a session cookie every request reaches the pool (anonymous ones
# may be answered by the sidecar's micro-cache).
my $c = client();
my $cookie = { Cookie => 'ah_session=' . 'A' x 43 };
$c->get('/board', $cookie) for 1 .. 3;
$c->get('/board?after=broken', $cookie);
my (undef, $after) = scrape('board');
my $k = 'astro_requests_total{service="board",route="/board",status="200"}';
is $after->{$k} - ($before->{$k} // 0), 3, 'requests are counted by route and status';
$k = 'astro_requests_total{service="board",route="/board",status="400"}';
is $after->{$k} - ($before->{$k} // 0), 1, '  errors too';
$k = 'astro_request_duration_seconds_count{service="board",route="/board"}';
is $after->{$k} - ($before->{$k} // 0), 4, 'each request is in the latency histogram';
ok $after->{'astro_request_duration_seconds_bucket{service="board",route="/board",le="+Inf"}'}
    == $after->{$k}, '  whose +Inf bucket is the count';
is $after->{'astro_workers{service="board",state="busy"}'}
    + $after->{'astro_workers{service="board",state="idle"}'}, 4,
    'busy and idle workers add up to WORKERS';
ok $after->{'astro_db_connections_total{service="board"}'} >= 1, 'database connections are counted';
ok exists $after->{'astro_db_unavailable_total{service="board"}'}, 'so are database outages';

my (undef, $s0) = scrape('signup');
signup_ok(unique_name('Metric'), 'counted hashes');
my (undef, $s1) = scrape('signup');
$k = 'astro_password_hash_seconds_count{service="signup"}';
is $s1->{$k} - ($s0->{$k} // 0), 1, 'a sign-up records one password hash';
ok $s1->{'astro_password_hash_seconds_sum{service="signup"}'}
    > ($s0->{'astro_password_hash_seconds_sum{service="signup"}'} // 0), '  and its time';

is $http->get("http://$env->{BOARD_METRICS}/")->{status}, 404, 'the metrics port serves nothing else';
my $status = $http->get("http://$env->{BOARD_STATUS}/nginx_status");
is $status->{status}, 200, "nginx's stub_status answers on its own port";
like $status->{content}, qr/^Active connections: [0-9]+/, '  with connection counts';

# Through the load balancer, neither exists.
for my $path ('/metrics', '/nginx_status', '/healthz/../metrics') {
    my $r = $c->get($path);
    is $r->{status}, 404, "GET $path through the load balancer is 404";
    unlike $r->{content}, qr/astro_requests_total|Active connections/, '  and shows no metrics';
}

done_testing;
