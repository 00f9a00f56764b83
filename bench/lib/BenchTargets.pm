package BenchTargets;

# Issue 12's targets, as make bench states them at its end: each with its
# measured value, the target, and whether it was met, every ratio taken
# within one run (each repeat's two sides measured in that repeat) and
# the median of the repeats' ratios.
#
#   my @t = BenchTargets::evaluate(results => \@results,
#       instructions => $n_or_undef, instructions_how => 'bench/profile 100',
#       cost => $dollars_or_undef, why_not => { board_instructions => '...' });
#   print BenchTargets::table(\@t);
#
# results are bench/bench's per-endpoint results (runs => { peak, limit,
# paced_postgres_cpu_us, ratio }).
# PostgreSQL's CPU per signed-in board is compared with its CPU per
# session lookup when pgbench runs them at the rate the board's peak
# reached in the same repeat (paced): flat out, a backend that is never
# idle spends less per statement than one woken for each. A target whose inputs this run did
# not measure is "not measured", with the reason, never met or missed.
use strict;
use warnings;

sub median {
    my @v = sort { $a <=> $b } grep {defined} @_;
    return undef unless @v;
    return $v[$#v / 2] if @v % 2;
    return ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

sub ratios {
    my ($num, $den) = @_;
    return [ map { defined $num->[$_] && $den->[$_] ? $num->[$_] / $den->[$_] : undef } 0 .. $#$num ];
}

sub evaluate {
    my (%a) = @_;
    my %r = map { $_->{endpoint} => $_ } @{ $a{results} || [] };
    my %why = %{ $a{why_not} || {} };
    my @t;
    my $add = sub {
        my ($t, $measured, $why, %more) = @_;
        $t->{measured} = $measured;
        $t->{met} = defined $measured
            ? ($t->{compare} eq '<=' ? $measured <= $t->{target} : $measured >= $t->{target})
                ? JSON::PP::true() : JSON::PP::false()
            : undef;
        $t->{not_measured} = $why // 'not measured in this run' unless defined $measured;
        @$t{ keys %more } = values %more;
        push @t, $t;
    };
    require JSON::PP;

    $add->({ name => 'board_instructions', compare => '<=', target => 100_000,
        what => 'uncached board: instructions per request in the pool',
        how => $a{instructions_how} // 'bench/profile' },
        $a{instructions}, $why{board_instructions});

    {
        my $s = $r{board_signed_in};
        my $t = { name => 'signed_in_postgres_cpu', compare => '<=', target => 1.2,
            what => "signed-in board: PostgreSQL CPU per request over pgbench's, the session lookup alone",
            how => 'CPU of the postmaster and its backends per request at peak / per pgbench transaction at that rate' };
        my ($runs, $why);
        if (!$s) {
            $why = 'board_signed_in not measured in this run';
        } elsif (!$s->{runs}{paced_postgres_cpu_us}) {
            $why = 'board_signed_in has no pgbench run at its peak rate with PostgreSQL CPU';
        } else {
            $runs = ratios([ map { $_->{cpu_us}{postgres} } @{ $s->{runs}{peak} } ],
                $s->{runs}{paced_postgres_cpu_us});
        }
        $add->($t, $runs ? median(@$runs) : undef, $why, $runs ? (runs => $runs,
            service_us => median(map { $_->{cpu_us}{postgres} } @{ $s->{runs}{peak} }),
            pgbench_us => median(@{ $s->{runs}{paced_postgres_cpu_us} })) : ());
    }

    {
        my ($s, $b) = @r{qw(board_signed_in board)};
        my $t = { name => 'signed_in_peak', compare => '>=', target => 1,
            what => "signed-in board's peak over the uncached anonymous board's",
            how => 'wrk peaks, run k of each endpoint paired' };
        my $runs = $s && $b
            ? ratios([ map { $_->{rps} } @{ $s->{runs}{peak} } ], [ map { $_->{rps} } @{ $b->{runs}{peak} } ])
            : undef;
        $add->($t, $runs ? median(@$runs) : undef,
            ($s && $b) ? undef : 'board and board_signed_in are not both measured in this run',
            $runs ? (runs => $runs) : ());
    }

    {
        my $h = $r{hours_post};
        my $t = { name => 'hours_post', compare => '>=', target => 0.8,
            what => 'POST /hours peak over pgbench running the same statements',
            how => 'wrk peak / pgbench bench/sql/hours_post.sql, in the same run' };
        my $runs = $h ? $h->{runs}{ratio} : undef;
        $add->($t, $runs ? median(@$runs) : undef, $h ? undef : 'hours_post not measured in this run',
            $runs ? (runs => $runs) : ());
    }

    $add->({ name => 'monthly_cost', compare => '<=', target => 20_000,
        what => 'modelled monthly cost at one million users, US dollars',
        how => 'bench/capacity on these results' }, $a{cost}, $why{monthly_cost});
    return @t;
}

sub number {
    my ($v) = @_;
    return abs($v) >= 1000 ? sprintf('%.0f', $v) : sprintf('%.2f', $v);
}

sub table {
    my ($targets) = @_;
    my $out = "\ntargets (issue 12; ratios within each run, medians of the runs):\n";
    my $fmt = "%-86s %10s %10s  %s\n";
    $out .= sprintf $fmt, 'target', 'measured', 'target', 'result';
    for my $t (@$targets) {
        $out .= sprintf $fmt, $t->{what}, defined $t->{measured} ? number($t->{measured}) : '-',
            $t->{compare} . number($t->{target}),
            defined $t->{met} ? ($t->{met} ? 'met' : 'missed') : "not measured: $t->{not_measured}";
    }
    return $out;
}

1;
