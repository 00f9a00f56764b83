#!/usr/bin/perl
# A PGHOST list whose first host accepts connections and never answers
# (a frozen primary): each host has its own share of the request's
# database deadline, so the next one is tried in time and pages answer.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use File::Temp qw(tempdir);
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(time);
use Test::More;

# The frozen host: a socket folder whose server never says a word.
my $frozen = tempdir('astro-frozen-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $frozen;
my $listener = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => "$frozen/.s.PGSQL.5432",
    Listen => 128) or die "listen: $!";
chmod 0777, "$frozen/.s.PGSQL.5432";

my $dir = tempdir('astro-stack-XXXXXX', TMPDIR => 1, CLEANUP => 0);
my $env = AstroTest::_start_in($dir, env => {
    POOL_PGHOST => "$frozen,$dir/pg", PGTARGETSESSIONATTRS => 'read-write',
    DB_TIMEOUT_MS => 2000 });
my $side = client(base => "http://$env->{BOARD_SIDECAR}");
my %nocache = (Cookie => 'ah_session=' . 'A' x 43);
my $t0 = time;
my @st = map { $side->get('/board.json', \%nocache)->{status} } 1 .. 4;
is_deeply \@st, [(200) x 4], 'with the first host frozen, the board answers from the second';
ok time - $t0 < 4 * 2, sprintf('  within the deadline (%.1f s for 4)', time - $t0);

done_testing;
