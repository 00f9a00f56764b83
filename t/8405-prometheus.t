#!/usr/bin/perl
# Prometheus watching the stack (PROMETHEUS=1; `make run` always starts
# it): it scrapes every task's pool and HAProxy, follows the tasks as a
# service scales, and its rules load and evaluate.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use HTTP::Tiny;
use JSON::PP;
use Test::More;

my $top = "$FindBin::Bin/..";
my $env = private_stack(TASKS => 2, PROMETHEUS => 1, HOURS_RATE_MAX => 1000000);
my $prom = $env->{PROMETHEUS_URL};
ok $prom, "stack.env names Prometheus ($prom)";
sub query { prom_query($prom, $_[0]) }
# { "job task" => value } for up.
sub up {
    return { map { ("$_->{metric}{job} " . ($_->{metric}{task} // '-')) => $_->{value}[1] } @{ query('up') } };
}

# Scrapes every 5 s: up to 20 s for the first ones.
sub wait_long { my ($f) = @_; wait_until($f) || wait_until($f) }

ok wait_long(sub { my $u = up(); 7 == grep { $_ == 1 } values %$u }),
    'every pool (6 tasks) and HAProxy are scraped' or diag explain up();
ok wait_long(sub { @{ query('service:haproxy_healthy_tasks:count == 2') } == 3 }),
    '  HAProxy reports two healthy tasks per service';

my $rules = decode_json(HTTP::Tiny->new(timeout => 10)->get("$prom/api/v1/rules")->{content});
my @rules = map { @{ $_->{rules} } } @{ $rules->{data}{groups} };
ok @rules >= 10, scalar(@rules) . ' rules loaded';
is scalar(grep { $_->{health} ne 'ok' } @rules), 0, '  every one evaluates';

system("$top/scripts/stack", 'scale', 'hours', '3', '--dir', $env->{ASTRO_DIR}) == 0 or die 'scale';
ok wait_long(sub { (up()->{'pools hours-3'} // 0) == 1 }), 'a task added by scale is scraped';
ok wait_long(sub { @{ query('service:haproxy_healthy_tasks:count{service="hours"} == 3') } == 1 }),
    '  and HAProxy has three hours tasks in service';

done_testing;
