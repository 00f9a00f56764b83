#!/usr/bin/perl
# make bench's progress lines (bench/lib/BenchProgress.pm), run against a
# clock of the test's own: each names the endpoint, its place, the run and
# the phase, and the time left is the nominal seconds not yet run scaled
# by how long the phases so far took. bench/bench refuses an endpoint it
# does not measure before it starts anything.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../bench/lib";
use BenchProgress;
use Test::More;

my $top = "$FindBin::Bin/..";
my $now = 1000;
my @lines;
my @endpoints = ({ name => 'board' }, { name => 'board_cached', also => 1 });
my $p = BenchProgress->new(duration => 2, repeat => 2, endpoints => \@endpoints,
    clock => sub {$now}, out => sub { push @lines, $_[0] });

# Per run: board peak 2, latency 3, limit 2; board_cached the same and
# its second limit 2. Two runs each.
is $p->total, 2 * (7 + 9), 'the nominal seconds: every phase of every run';
is_deeply $p->phases({ name => 'board_signed_in', paced => sub { } }),
    { peak => 2, latency => 3, limit => 2, paced => 2 }, 'a limit run again at the peak rate is a phase too';

is $p->phase($endpoints[0], 1, 1, 'peak'), 'board (1 of 2), run 1 of 2: peak; about 0m32s left',
    'the first line: nothing run yet, the nominal seconds left';
is $lines[-1], 'board (1 of 2), run 1 of 2: peak; about 0m32s left', '  and it is printed';

# Every phase takes twice its nominal seconds: once the first is done the
# estimate is twice what is left.
$now += 4;
like $p->phase($endpoints[0], 1, 1, 'latency', 'latency at 1200/s'),
    qr/^board \(1 of 2\), run 1 of 2: latency at 1200\/s; about 1m00s left$/,
    'the phase as described, the time left scaled by the phases so far';

my @left = (60);
my $nominal = 3;
for my $step ([ 0, 1, 'limit' ], [ 0, 2, 'peak' ], [ 0, 2, 'latency' ], [ 0, 2, 'limit' ],
              map { my $r = $_; map { [ 1, $r, $_ ] } qw(peak latency limit also) } 1, 2) {
    my ($i, $run, $kind) = @$step;
    $now += 2 * $nominal;
    my $line = $p->phase($endpoints[$i], $i + 1, $run, $kind);
    like $line, qr/^\Q$endpoints[$i]{name}\E \(@{[ $i + 1 ]} of 2\), run $run of 2: $kind; about (\d+)m(\d\d)s left$/,
        "$endpoints[$i]{name} run $run $kind: named, with its place and run";
    my ($m, $s) = $line =~ /about (\d+)m(\d\d)s left/;
    push @left, $m * 60 + $s;
    $nominal = $p->phases($endpoints[$i])->{$kind};
}
is_deeply [ grep { $left[$_] >= $left[ $_ - 1 ] } 1 .. $#left ], [], 'the time left only goes down';
is $left[-1], 2 * 2, '  and before the last phase it is that phase, at the pace so far';

$now += 2 * $nominal;
is $p->finish, 'all 2 endpoints measured, 2 runs each, in 1m04s', 'the last line: how long it all took';
is $p->left, 0, '  nothing is left';

# A pace that changes: the estimate follows what the phases took.
{
    my $t = 0;
    my $q = BenchProgress->new(duration => 10, repeat => 1, endpoints => [ { name => 'x' } ],
        clock => sub {$t}, out => sub { });
    $q->phase({ name => 'x' }, 1, 1, 'peak');
    $t += 10;
    like $q->phase({ name => 'x' }, 1, 1, 'latency'), qr/about 0m21s left/, 'at the nominal pace, the nominal seconds';
    $t += 33;
    like $q->phase({ name => 'x' }, 1, 1, 'limit'), qr/about 0m20s left/, 'slower: more seconds than nominal';
}

# Bad use is refused with the reason.
ok !eval { $p->phase($endpoints[0], 1, 1, 'also'); 1 }, 'an endpoint without a second limit has no "also" phase';
like $@, qr/board has no phase also/, '  and says so';
ok !eval { BenchProgress->new(repeat => 1, endpoints => []); 1 }, 'the duration is required';
ok !eval { BenchProgress->new(duration => 0, repeat => 1, endpoints => []); 1 }, 'a duration of 0 is refused';

# bench/bench: an endpoint it does not measure is refused at once,
# before a stack is started or anything seeded.
my $out = qx{'$top/bench/bench' --only board,nosuch --out /nonexistent/x.json 2>&1};
isnt $? >> 8, 0, 'bench/bench --only with an unknown endpoint fails';
like $out, qr/unknown endpoint.*nosuch/, '  naming it';
like $out, qr/board_signed_in/, '  and listing the endpoints it measures';
unlike $out, qr/starting the stack|seeding/, '  before starting anything';

done_testing;
