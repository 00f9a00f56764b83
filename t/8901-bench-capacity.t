#!/usr/bin/perl
# bench/capacity on the committed results of make bench: it prints every
# assumption before the arithmetic, reads the log sampling rate the ECS
# task definitions set, prices storage IOPS, traffic between zones and
# the loss of a zone, and refuses options it cannot model.
use strict;
use warnings;
use FindBin;
use JSON::PP ();
use Test::More;

my $top = "$FindBin::Bin/..";

sub capacity {
    my $out = qx{'$top/bench/capacity' @_ 2>&1};
    return ($? >> 8, $out);
}

# The bill's lines, by item.
sub bill {
    my ($out) = @_;
    my ($table) = $out =~ /^monthly cost.*?\n(.*)/ms or return {};
    return { map { /^(.*?)\s+(\d+)$/ ? ($1, $2) : () } split /\n/, $table };
}

my ($rc, $out) = capacity();
is $rc, 0, 'bench/capacity runs on the committed results' or diag $out;
my ($assumptions) = $out =~ /^Assumptions.*?\n(.*?)\n\n/ms;
ok $assumptions, 'it prints its assumptions first';
for my $a ('concurrent users', 'think time', 'CPU target of the tasks', 'Availability Zones',
    'database round trip', 'Multi-AZ commit wait', 'LOG_SAMPLE', 'requests always logged',
    'HTTP/2 header bytes', 'database bytes a request', 'ALB cross-zone traffic billed',
    'gp3 baseline IOPS', 'entry indexes led by astronaut_id', 'prices') {
    like $assumptions // '', qr/^  \Q$a\E/m, "  $a";
}

my ($deployed) = map { /Value: "([0-9.]+)"/ ? $1 : () }
    grep {/Name: LOG_SAMPLE/} do { open my $fh, '<', "$top/ecs/service.yaml" or die $!; <$fh> };
ok defined $deployed, "ecs/service.yaml sets LOG_SAMPLE ($deployed)";
like $out, qr/^  LOG_SAMPLE\s+\Q$deployed\E \(ecs\/service\.yaml\)$/m, '  and the model reads that rate';
like $out, qr/^Storage IOPS: .* write IOPS against gp3's \d+ baseline/m, 'it sizes the storage IOPS';
like $out, qr/^Between zones \(3 zones, 67% of traffic crosses\)/m,
    'and the traffic between zones (three by default: two thirds cross)';
like $out, qr/^2 +50% +120% .* overloaded$/m,
    'two zones at a 60% target: half the capacity left, the survivors overloaded';
like $out, qr/^3 +67% +90% /m, 'three zones: two thirds left, the survivors at 90%';

my $bill = bill($out);
my ($logs) = grep {/^CloudWatch Logs/} keys %$bill;
ok $logs, 'the bill has the logs, sampled';
ok exists $bill->{'data transfer between zones'}, '  the traffic between zones';
ok scalar(grep {/^RDS IOPS above/} keys %$bill), '  the IOPS above the baseline';
my $sum = 0;
$sum += $bill->{$_} for grep { $_ ne 'total' && !/^  / } keys %$bill;
cmp_ok abs($sum - $bill->{total}), '<=', 10, 'the total is the sum of the items';

# Another rate: only the logs change.
my (undef, $none) = capacity('--log-sample', 0);
my $bill0 = bill($none);
cmp_ok $bill0->{'CloudWatch Logs, 1.00% of requests'} // 0, '>', 0,
    'with LOG_SAMPLE 0 the errors and slow requests are still logged';
cmp_ok $bill0->{total}, '<', $bill->{total}, '  and the total is lower';
my (undef, $all) = capacity('--log-sample', 1);
ok bill($all)->{'CloudWatch Logs, 100.00% of requests'}, 'with LOG_SAMPLE 1 every request is logged';
is bill($all)->{total}, bill($all)->{'  if every request were logged'}, '  the whole bill of logging everything';

my (undef, $two) = capacity('--zones', 2);
like $two, qr/^Between zones \(2 zones, 50% of traffic crosses\)/m, '--zones 2: half crosses';
cmp_ok bill($two)->{'data transfer between zones'}, '<', $bill->{'data transfer between zones'},
    '  and costs less';

# The web ACL ecs/cluster.yaml puts on the load balancer inspects, and
# AWS WAF bills, every request: the bill prices it, with its rules as the
# template has them, and --no-web-acl takes exactly that line away.
my ($waf_line) = grep {/^AWS WAF web ACL/} keys %$bill;
ok $waf_line, 'the bill has the web ACL';
my $yaml = do { local (@ARGV, $/) = "$top/ecs/cluster.yaml"; <> };
my ($acl) = $yaml =~ /^  WebAcl:\n(.*?)^  \S/ms;
my $rules = () = ($acl // '') =~ /^        - Name: /mg;
like $out, qr/^  web ACL on the load balancer\s+yes, \Q$rules\E rules/m,
    "  with the template's $rules rules";
my $prices = JSON::PP::decode_json(do { local (@ARGV, $/) = "$top/ecs/prices.json"; <> })->{waf};
my ($rps) = $out =~ /^Workload: .*?(\d+) requests\/s/m;
my $want = $prices->{web_acl_month} + $rules * $prices->{rule_month}
    + $rps * 3600 * 730 / 1e6 * $prices->{million_requests};
cmp_ok abs(($bill->{$waf_line // ''} // 0) - $want), '<=', 1, "  \$$prices->{million_requests} a million of $rps requests a second";
my (undef, $noacl) = capacity('--no-web-acl');
ok !grep({/^AWS WAF/} keys %{ bill($noacl) }), '--no-web-acl: no web ACL line';
cmp_ok abs(bill($noacl)->{total} - ($bill->{total} - ($bill->{$waf_line // ''} // 0))), '<=', 1,
    '  and the total is the rest';
is bill($noacl)->{total}, $bill->{'  without the web ACL (--no-web-acl)'}, '  as the full bill says';

for my $bad ([ '--zones', 4 ], [ '--log-sample', 2 ], [ '--log-sample', 'half' ]) {
    my ($code, $msg) = capacity(@$bad);
    isnt $code, 0, "@$bad is refused";
    unlike $msg, qr/monthly cost/, '  before any arithmetic';
}

done_testing;
