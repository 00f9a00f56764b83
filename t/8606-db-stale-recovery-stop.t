#!/usr/bin/perl
# The postgres the keepers start (scripts/db-postgres, from the
# formation's bin folder) takes a stale recovery stop out of a rejoining
# node's standby setup, and keeps the one a fast_forward needs. Small
# clusters, no stack:
#  - A primary, and node1 made from its base backup with the standby
#    setup a keeper writes after a fast_forward long ago: follow A, but
#    stop at an LSN from before the backup.
#  - PostgreSQL's own postgres refuses to start it ("requested recovery
#    stop point is before consistent recovery point"): the node would
#    stay in catchingup.
#  - A stand-in monitor (pgautofailover.node with its nodename and
#    goalstate) says node1's goal: fast_forward leaves the file as it is;
#    catchingup has the stop removed, node1 start and follow A.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroSmallPg;
use Test::More;

my $top = "$FindBin::Bin/..";
my $pgbin = $AstroSmallPg::PGBIN;
my $pg = AstroSmallPg->new('astro-stop', sockets => 'run');
my $dir = $pg->{dir};
sub run { $pg->run(@_) }
sub ok_run { $pg->ok_run(@_) }
sub sql { $pg->sql(@_) }
sub start { $pg->start(@_) }
sub slurp { open my $fh, '<', $_[0] or return ''; local $/; <$fh> }

# The formation's layout, as scripts/db makes it: bin (links, and our
# postgres), run (the sockets), ports (the monitor's first).
run('mkdir', "$dir/bin");
symlink "$pgbin/$_", "$dir/bin/$_" for qw(pg_ctl psql);
system('cp', "$top/scripts/db-postgres", "$dir/bin/postgres") == 0 or die "cp\n";
chmod 0755, "$dir/bin/postgres";

# The stand-in monitor.
$pg->initdb('monitor');
is start('monitor'), 0, 'the stand-in monitor runs';
sql('monitor', 'CREATE DATABASE pg_auto_failover');
sql('monitor', "CREATE SCHEMA pgautofailover; CREATE TABLE pgautofailover.node (nodename text, goalstate text);"
    . " INSERT INTO pgautofailover.node VALUES ('node1', 'fast_forward')", 'pg_auto_failover');
run('sh', '-c', "echo '$pg->{port}{monitor}' >'$dir/ports'");

$pg->initdb('primary');
is start('primary'), 0, 'the primary runs';
sql('primary', 'CREATE TABLE t (n int)');
my $old = sql('primary', 'SELECT pg_current_wal_lsn()');
sql('primary', 'INSERT INTO t VALUES (1); SELECT pg_switch_wal()');
ok_run("$pgbin/pg_basebackup", '-D', "$dir/node1", '-h', "$dir/run", '-p', $pg->{port}{primary}, '-U', 'postgres');
$pg->conf('node1');
my $standby = "$dir/node1/postgresql-auto-failover-standby.conf";
my $setup = "primary_conninfo = 'host=$dir/run port=$pg->{port}{primary} user=postgres'\n"
    . "recovery_target_timeline = 'latest'\nrecovery_target_lsn = '$old'\n"
    . "recovery_target_inclusive = 'true'\nrecovery_target_action = 'pause'\n";
run('sh', '-c', "printf \"%s\" \"\$1\" >'$standby' && touch '$dir/node1/standby.signal'"
    . " && echo \"include 'postgresql-auto-failover-standby.conf'\" >>'$dir/node1/postgresql.conf'", 'sh', $setup);

isnt start('node1'), 0, "PostgreSQL's postgres refuses the stale stop";
like slurp("$dir/node1.log"), qr/requested recovery stop point is before consistent recovery point/,
    '  as before the consistent point';

isnt start('node1', "$dir/bin/postgres"), 0, "ours keeps the stop while the monitor has node1 in fast_forward";
like slurp($standby), qr/^recovery_target_lsn = '\Q$old\E'$/m, '  the file as the keeper wrote it';

sql('monitor', "UPDATE pgautofailover.node SET goalstate = 'catchingup'", 'pg_auto_failover');
is start('node1', "$dir/bin/postgres"), 0, 'ours starts node1 once its goal is catchingup';
unlike slurp($standby), qr/^recovery_target_(lsn|inclusive|action) /m, '  with the stop taken out';
like slurp($standby), qr/^primary_conninfo = .*\nrecovery_target_timeline = 'latest'$/m, '  and the rest kept';
like slurp("$dir/node1.log"), qr/db-postgres: node1 is going to catchingup.*stale recovery stop at '\Q$old\E'/,
    '  and says so in the log';
sql('primary', 'INSERT INTO t VALUES (2)');
is $pg->sql_until('node1', q{SELECT string_agg(n::text, ',' ORDER BY n) FROM t}, '1,2'), '1,2',
    '  and follows the primary';

done_testing;
