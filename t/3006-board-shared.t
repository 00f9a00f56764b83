#!/usr/bin/perl
# Signed-in boards from shared rows: each worker keeps the board's rows
# for at most a second (BOARD_SNAPSHOT_MS) whoever asks, and adds only
# the viewer's own part. A new total shows within that second; each
# viewer sees their own row marked, their own name and log-out form, and
# nothing of another viewer, however their requests interleave.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Test::More;
use Time::HiRes qw(time);

my $env = stack();
my $tag = unique_name('Shared');
my %viewer = (ann => "$tag Ann <a&b>", bea => "$tag Bea 'q\"");
my %client = map { $_ => signup_ok($viewer{$_}, "shared board $_") } keys %viewer;

sub esc {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g;
    $s =~ s/'/&#39;/g;
    return $s;
}

# Totals far above anything else on the board, so both are on its first
# page: Ann 12 000 hours, Bea 11 988 (24 a day, at most, on past days).
sub give_hours {
    my ($name, $entries, $extra) = @_;
    psql($env, <<"SQL", -v => "n=$name");
INSERT INTO astro.hours_entries (astronaut_id, hours, trained_on, idempotency_key)
SELECT a.id, h, DATE '2020-01-01' - k, gen_random_uuid()
  FROM astro.astronauts a,
       (SELECT 24.0 AS h, k FROM generate_series(1, $entries) AS k
        UNION ALL SELECT $extra, 0 WHERE $extra > 0) AS e
 WHERE a.name = :'n';
SQL
}
give_hours($viewer{ann}, 500, 0);
give_hours($viewer{bea}, 499, 12);

my $both = sub {
    my $page = $client{ann}->get('/board')->{content};
    return index($page, esc($viewer{ann})) >= 0 && index($page, esc($viewer{bea})) >= 0;
};
ok wait_until($both), 'both viewers are on the first page of the board';

# Interleaved requests of two viewers and an anonymous visitor: each page
# carries its own viewer's part and nothing of the other's.
my (%csrf, %pages);
for my $round (1 .. 6) {
    for my $who ('ann', 'bea') {
        my $other = $who eq 'ann' ? 'bea' : 'ann';
        my ($me, $them) = (esc($viewer{$who}), esc($viewer{$other}));
        my $res = $client{$who}->get('/board');
        my $page = $res->{content};
        push @{ $pages{$who} }, $page;
        my ($token) = $page =~ m{name="csrf" value="([^"]+)"};
        $csrf{$who}{ $token // '' } = 1;
        is $res->{status}, 200, "$who, round $round";
        like $res->{headers}{'cache-control'}, qr/private, no-store/, '  never cached';
        like $page, qr{Signed in as <strong>\Q$me\E</strong>}, '  signed in as themselves';
        unlike $page, qr{Signed in as <strong>\Q$them\E</strong>}, '  not as the other';
        my @mine = $page =~ m{<tr class="me[^"]*">(.*?)</tr>}g;
        is scalar @mine, 1, '  exactly one row marked as theirs';
        like $mine[0] // '', qr{<td class="name">\Q$me\E <span class="you">you</span></td>}, '  and it is their own';
        like $page, qr{<tr class="(?!me)[^"]*"><td class="num rank">\d+</td><td class="name">\Q$them\E</td>},
            '  the other viewer\'s row is there, unmarked';
    }
    my $anon = client()->get('/board.json');
    is $anon->{status}, 200, "an anonymous visitor in between, round $round" if $round == 1;
}
for my $who ('ann', 'bea') {
    my $other = $who eq 'ann' ? 'bea' : 'ann';
    my ($me, $them) = (esc($viewer{$who}), esc($viewer{$other}));
    my @tokens = keys %{ $csrf{$who} };
    is scalar @tokens, 1, "$who: one log-out token on every page";
    my $leaks = grep {
        my $p = $_;
        index($p, "Signed in as <strong>$them<") >= 0
            || index($p, "$them <span class=\"you\">") >= 0
            || grep { index($p, $_) >= 0 } keys %{ $csrf{$other} }
    } @{ $pages{$who} };
    is $leaks, 0, "$who: none of " . scalar @{ $pages{$who} } . " pages holds anything of $other";
    is scalar(grep { /\Q$me\E <span class="you">you<\/span>/ } @{ $pages{$who} }), scalar @{ $pages{$who} },
        "$who: every page marks their own row";
}
my $anon = client()->get('/board')->{content};
unlike $anon, qr{Signed in as|class="me|<span class="you">}, 'the anonymous board has no viewer\'s part';
ok !(grep { index($anon, $_) >= 0 } map { keys %$_ } values %csrf), '  and no viewer\'s token';

# A new total reaches signed-in boards within the snapshot's second.
my $newcomer = "$tag Cal";
psql($env, <<'SQL', -v => "n=$newcomer");
INSERT INTO astro.astronauts (name, password_hash)
VALUES (:'n', '$s1$0d080a$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA==');
SQL
give_hours($newcomer, 501, 0);
my $t0 = time;
my $seen = sub { index($client{ann}->get('/board')->{content}, esc($newcomer)) >= 0 };
ok wait_until($seen), 'a new total appears on a signed-in board';
cmp_ok time - $t0, '<', 5, '  within seconds, not never (the snapshot is kept for 1 s)';
# Every worker's snapshot is at most a second old: past it, no view
# anyone gets, on any worker, is without the new total.
select undef, undef, undef, 1.5 - (time - $t0) if time - $t0 < 1.5;
my $stale = 0;
for my $i (1 .. 12) {
    my $who = $i % 2 ? 'ann' : 'bea';
    $stale++ if index($client{$who}->get('/board')->{content}, esc($newcomer)) < 0;
}
is $stale, 0, '  and a second later no view is without it';

done_testing;
