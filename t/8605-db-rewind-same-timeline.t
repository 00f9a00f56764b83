#!/usr/bin/perl
# The pg_rewind the keepers run (scripts/db-pg-rewind, from the
# formation's bin folder) sends an old primary that shares its
# successor's timeline to a base backup, and rewinds as before one that
# forked on an older timeline. Two small clusters, no stack:
#  - A, and B made from A's base backup and started as a primary without
#    a new timeline (as pg_auto_failover's fast_forward promotes), each
#    writing its own row: PostgreSQL's pg_rewind finds "the same
#    timeline" and exits 0 having done nothing; ours exits 1.
#  - C, a standby of B, promoted (timeline 2) while B writes on: ours
#    rewinds B and exits 0, and B then follows C.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroSmallPg;
use Test::More;

my $top = "$FindBin::Bin/..";
my $pgbin = $AstroSmallPg::PGBIN;
my $pg = AstroSmallPg->new('astro-rewind');
my $dir = $pg->{dir};
sub run { $pg->run(@_) }
sub ok_run { $pg->ok_run(@_) }
sub sql { $pg->sql(@_) }
sub source { $pg->source(@_) }
sub start { is $pg->start($_[0]), 0, "$_[0] started" }
sub stop { $pg->stop($_[0]) }
my $settings = "wal_log_hints = on\nwal_keep_size = 64\n";
sub conf { $pg->conf($_[0], $settings) }

# The formation's bin folder, as scripts/db builds it.
mkdir "$dir/bin";
symlink "$pgbin/$_", "$dir/bin/$_" for qw(pg_ctl postgres initdb);
for my $f (qw(pg_rewind pg_basebackup)) {
    system('cp', "$top/scripts/db-pg-" . ($f =~ s/^pg_//r), "$dir/bin/$f") == 0 or die "cp $f\n";
}
chmod 0755, "$dir/bin/pg_rewind", "$dir/bin/pg_basebackup";

$pg->initdb('a', $settings);
start('a');
sql('a', 'CREATE TABLE t (who text)');
ok_run("$dir/bin/pg_basebackup", '-D', "$dir/b", '-h', $dir, '-p', $pg->{port}{a}, '-U', 'postgres');
conf('b');
start('b');
is sql('b', 'SELECT timeline_id FROM pg_control_checkpoint()'), 1, 'B took over on timeline 1';
sql($_, "INSERT INTO t VALUES ('$_')") for qw(a b);
stop('a');

my ($rc, $out) = run("$pgbin/pg_rewind", '--dry-run', '--target-pgdata', "$dir/a", '--source-server', source('b'));
is $rc, 0, "PostgreSQL's pg_rewind sees nothing to do" or diag $out;
like $out, qr/same timeline/, '  as both are on the same timeline';
($rc, $out) = run("$dir/bin/pg_rewind", '--target-pgdata', "$dir/a", '--source-server', source('b'));
is $rc, 1, "the keepers' pg_rewind fails, so the keeper makes a base backup" or diag $out;
like $out, qr/same timeline.*\n.*base backup is needed/s, '  and says why';

# A fork on an older timeline is rewound as before.
ok_run("$dir/bin/pg_basebackup", '-D', "$dir/c", '-h', $dir, '-p', $pg->{port}{b}, '-U', 'postgres', '-R');
conf('c');
start('c');
ok_run("$pgbin/pg_ctl", '-D', "$dir/c", '-w', 'promote');
sql('c', 'CHECKPOINT');
is sql('c', 'SELECT timeline_id FROM pg_control_checkpoint()'), 2, 'C promoted onto timeline 2';
sql('b', "INSERT INTO t VALUES ('b after the fork')");
stop('b');
($rc, $out) = run("$dir/bin/pg_rewind", '--target-pgdata', "$dir/b", '--source-server', source('c'));
is $rc, 0, "the keepers' pg_rewind rewinds a node that forked on an older timeline" or diag $out;
like $out, qr/servers diverged at WAL location .* on timeline 1/, '  as pg_rewind does';
open my $sig, '>', "$dir/b/standby.signal" or die "$!\n";
close $sig;
# pg_rewind copied C's settings: B's own port again, and C upstream.
open my $fh, '>>', "$dir/b/postgresql.auto.conf" or die "$!\n";
print $fh "port = $pg->{port}{b}\nprimary_conninfo = '" . source('c') . "'\n";
close $fh;
start('b');
sql('c', "INSERT INTO t VALUES ('c')");
is $pg->sql_until('b', q{SELECT string_agg(who, ',' ORDER BY who) FROM t}, 'b,c'), 'b,c',
    '  and it follows C, without its row written after the fork';

done_testing;
