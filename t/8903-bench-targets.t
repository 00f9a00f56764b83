#!/usr/bin/perl
# The targets section of make bench (bench/lib/BenchTargets.pm), on
# results made up here: each ratio is taken within a run and the median
# of the runs' ratios is compared with the target; a target whose inputs
# the run did not measure is said to be not measured, never met.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../bench/lib";
use BenchTargets;
use Test::More;

sub ep {
    my ($name, %runs) = @_;
    return { endpoint => $name, runs => \%runs };
}
my @peaks = map { { rps => $_->[0], cpu_us => { postgres => $_->[1] } } }
    [ 1000, 50 ], [ 3000, 40 ], [ 1200, 45 ];
my @results = (
    # The anonymous board: 900, 3300, 1000 a second.
    ep('board', peak => [ map { { rps => $_ } } 900, 3300, 1000 ]),
    # Signed in: 1000, 3000, 1200; PostgreSQL 50, 40, 45 µs a request
    # against pgbench's 40, 40, 40 at the same rates.
    ep('board_signed_in', peak => \@peaks, paced_postgres_cpu_us => [ 40, 40, 40 ]),
    ep('hours_post', ratio => [ 0.7, 0.9, 0.85 ]),
);
my %t = map { $_->{name} => $_ } BenchTargets::evaluate(results => \@results,
    instructions => 139_375, instructions_how => 'bench/profile 100', cost => 19_442);

is $t{board_instructions}{measured}, 139_375, 'instructions as bench/profile counted them';
ok !$t{board_instructions}{met}, '  over 100 000: missed';
is $t{board_instructions}{how}, 'bench/profile 100', '  naming the command';

is_deeply $t{signed_in_postgres_cpu}{runs}, [ 1.25, 1, 1.125 ], 'PostgreSQL CPU: each run against its own pgbench';
is $t{signed_in_postgres_cpu}{measured}, 1.125, '  the median of the runs';
ok $t{signed_in_postgres_cpu}{met}, '  <= 1.2: met';

# Paired by run: 1000/900, 3000/3300, 1200/1000. The ratio of the
# medians (1200/1000) would say 1.2; the runs' median says 1.11.
is sprintf('%.3f', $t{signed_in_peak}{measured}), '1.111', 'signed-in peak over the board peak, run by run';
ok $t{signed_in_peak}{met}, '  >= 1: met';

is $t{hours_post}{measured}, 0.85, "POST /hours: the median of the runs' ratios";
ok $t{hours_post}{met}, '  >= 0.8: met';

is $t{monthly_cost}{measured}, 19_442, 'the modelled cost';
ok $t{monthly_cost}{met}, '  <= 20 000: met';

my $table = BenchTargets::table([ BenchTargets::evaluate(results => \@results,
    instructions => 139_375, cost => 19_442) ]);
like $table, qr/^targets \(issue 12/m, 'the table is headed';
like $table, qr/instructions per request.*139375\s+<=100000\s+missed$/m, '  a missed target reads "missed"';
like $table, qr/PostgreSQL CPU.*1\.12\s+<=1\.20\s+met$/m, '  a met one "met"';

# A run of some endpoints only: the others' targets are not measured.
my %part = map { $_->{name} => $_ } BenchTargets::evaluate(results => [ $results[0] ],
    why_not => { board_instructions => 'skipped (--profile 0)' });
for my $name (qw(board_instructions signed_in_postgres_cpu signed_in_peak hours_post monthly_cost)) {
    ok !defined $part{$name}{met}, "$name: neither met nor missed when not measured";
    ok $part{$name}{not_measured}, '  and says why';
}
is $part{board_instructions}{not_measured}, 'skipped (--profile 0)', '  the reason given';
like BenchTargets::table([ values %part ]), qr/not measured: board_signed_in not measured/,
    '  and the table says it';

# Without pgbench at the peak's rate the CPU is not compared.
my %nocpu = map { $_->{name} => $_ } BenchTargets::evaluate(results => [
    ep('board_signed_in', peak => \@peaks) ]);
like $nocpu{signed_in_postgres_cpu}{not_measured}, qr/no pgbench run at its peak rate/,
    'no pgbench at the peak rate: the CPU is not compared';

done_testing;
