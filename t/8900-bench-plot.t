#!/usr/bin/perl
# bench/plot draws the committed results of make bench as SVG with
# gnuplot, without benchmarking: three well-formed pictures naming every
# endpoint measured; results it cannot draw are refused with a message
# and draw nothing.
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);
use JSON::PP qw(decode_json encode_json);
use Test::More;

my $top = "$FindBin::Bin/..";
my $results = "$top/bench/results/latest.json";
my $data = decode_json(do { local (@ARGV, $/) = $results; <> });
my @endpoints = map { $_->{endpoint} } @{ $data->{results} };
my $out = tempdir('astro-plot-XXXXXX', TMPDIR => 1, CLEANUP => 1);

my $printed = qx{'$top/bench/plot' --out '$out/img' '$results' 2>&1};
is $?, 0, 'bench/plot draws the committed results' or diag $printed;
for my $name (qw(throughput latency cpu)) {
    my $svg = "$out/img/$name.svg";
    ok -s $svg, "$name.svg is written";
    like $printed, qr/^\Q$svg\E$/m, '  and its path printed';
    my $lint = qx{xmllint --noout '$svg' 2>&1};
    is $?, 0, '  it is well-formed XML' or diag $lint;
    my $text = do { local (@ARGV, $/) = $svg; <> } // '';
    like $text, qr/<svg\b[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, '  an SVG document';
    like $text, qr/\Q$data->{machine}{date}\E/, '  saying which run it shows';
}
# An endpoint is drawn, or named as not drawn when its peak run was
# mostly refusals.
my $all = join '', map { do { local (@ARGV, $/) = "$out/img/$_.svg"; <> } } qw(throughput latency);
is_deeply [ grep { index($all, ">$_") < 0 && index($all, "not drawn: ") < 0 } @endpoints ], [],
    'the throughput and latency pictures name every endpoint measured';

{
    my %failed = %$data;
    $failed{results} = [ map { {%$_} } @{ $data->{results} } ];
    $failed{results}[0]{peak_failed} = $failed{results}[0]{peak_rps} * ($data->{options}{duration} || 1);
    my $file = "$out/failed.json";
    open my $fh, '>', $file or die $!;
    print $fh encode_json(\%failed);
    close $fh;
    my $msg = qx{'$top/bench/plot' --out '$out/failed' '$file' 2>&1};
    is $?, 0, 'results with an endpoint whose peak requests failed are drawn' or diag $msg;
    my $svg = do { local (@ARGV, $/) = "$out/failed/throughput.svg"; <> } // '';
    like $svg, qr/not drawn: \Q$endpoints[0]\E \(100% of its peak requests failed\)/,
        '  that endpoint named as not drawn, and why';
}
like do { local (@ARGV, $/) = "$out/img/cpu.svg"; <> }, qr/login_post: \d+ us a request, not drawn/,
    'the CPU picture names the log-in it leaves off the scale';

# Results without what a picture needs: refused, nothing drawn.
for my $case (
    [ 'no results', { machine => $data->{machine}, results => [] }, qr/has no results/ ],
    [ 'an endpoint without latencies',
      { machine => $data->{machine},
        results => [ { %{ $data->{results}[0] }, latency_ms => undef } ] }, qr/has no latency_ms/ ],
) {
    my ($what, $bad, $why) = @$case;
    my $file = "$out/bad.json";
    open my $fh, '>', $file or die $!;
    print $fh encode_json($bad);
    close $fh;
    my $msg = qx{'$top/bench/plot' --out '$out/bad' '$file' 2>&1};
    is $? >> 8, 1, "$what: bench/plot refuses";
    like $msg, $why, '  and says why';
    ok !-e "$out/bad/throughput.svg", '  drawing nothing';
}
my $msg = qx{'$top/bench/plot' --out '$out/bad' '$out/missing.json' 2>&1};
is $? >> 8, 1, 'a missing results file is refused';
like $msg, qr/cannot read/, '  and says so';

done_testing;
