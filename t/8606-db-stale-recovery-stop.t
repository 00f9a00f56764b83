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
use File::Temp qw(tempdir);
use Test::More;

my $top = "$FindBin::Bin/..";
my $pgbin = '/usr/lib/postgresql/15/bin';
my $user = $> == 0 ? ($ENV{STACK_USER} || 'nobody') : getpwuid($>);
my $dir = tempdir('astro-stop-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my (undef, undef, $uid, $gid) = getpwnam($user);
chown $uid, $gid, $dir;
chmod 0755, $dir;

# CMD as the stack user: its exit code and output.
sub run {
    my @as = $> == 0 ? ('setpriv', "--reuid=$uid", "--regid=$gid", '--clear-groups', '--') : ();
    my $pid = open(my $ph, '-|') // die "fork: $!\n";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die "$!\n";
        chdir '/';
        exec @as, @_ or die "$_[0]: $!\n";
    }
    my $out = do { local $/; <$ph> } // '';
    close $ph;
    return ($? >> 8, $out);
}
sub ok_run { my ($rc, $out) = run(@_); is $rc, 0, "ran: $_[0] $_[1]" or diag $out; return $out }

# The formation's layout, as scripts/db makes it: bin (links, and our
# postgres), run (the sockets), ports (the monitor's first).
run('mkdir', "$dir/bin", "$dir/run");
symlink "$pgbin/$_", "$dir/bin/$_" for qw(pg_ctl psql);
system('cp', "$top/scripts/db-postgres", "$dir/bin/postgres") == 0 or die "cp\n";
chmod 0755, "$dir/bin/postgres";

my %port;
sub free_port { my $p = `$top/scripts/free-port`; chomp $p; return $p }
sub conf {
    my ($name) = @_;
    $port{$name} = free_port();
    open my $fh, '>>', "$dir/$name/postgresql.auto.conf" or die "$name: $!\n";
    print $fh "port = $port{$name}\nlisten_addresses = ''\nunix_socket_directories = '$dir/run'\n"
        . "logging_collector = off\n";
}
# Started as the keeper starts it: the postgres in bin (pg_ctl -p), or
# PostgreSQL's own. Returns pg_ctl's exit code.
sub start {
    my ($name, $postgres) = @_;
    my ($rc) = run("$pgbin/pg_ctl", '-D', "$dir/$name", '-l', "$dir/$name.log", '-p', $postgres,
        '-t', 30, '-w', 'start');
    return $rc;
}
sub sql {
    my ($name, $q, $db) = @_;
    my ($rc, $out) = run("$pgbin/psql", '-XAtq', '-h', "$dir/run", '-p', $port{$name}, '-U', 'postgres',
        '-d', $db // 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', $q);
    die "$name: $q: $out" if $rc;
    chomp $out;
    return $out;
}
sub slurp { open my $fh, '<', $_[0] or return ''; local $/; <$fh> }

# The stand-in monitor.
ok_run("$pgbin/initdb", '-D', "$dir/monitor", '-U', 'postgres', '--auth=trust');
conf('monitor');
is start('monitor', "$pgbin/postgres"), 0, 'the stand-in monitor runs';
sql('monitor', 'CREATE DATABASE pg_auto_failover');
sql('monitor', "CREATE SCHEMA pgautofailover; CREATE TABLE pgautofailover.node (nodename text, goalstate text);"
    . " INSERT INTO pgautofailover.node VALUES ('node1', 'fast_forward')", 'pg_auto_failover');
run('sh', '-c', "echo '$port{monitor}' >'$dir/ports'");

ok_run("$pgbin/initdb", '-D', "$dir/primary", '-U', 'postgres', '--auth=trust');
conf('primary');
is start('primary', "$pgbin/postgres"), 0, 'the primary runs';
sql('primary', 'CREATE TABLE t (n int)');
my $old = sql('primary', 'SELECT pg_current_wal_lsn()');
sql('primary', 'INSERT INTO t VALUES (1); SELECT pg_switch_wal()');
ok_run("$pgbin/pg_basebackup", '-D', "$dir/node1", '-h', "$dir/run", '-p', $port{primary}, '-U', 'postgres');
conf('node1');
my $standby = "$dir/node1/postgresql-auto-failover-standby.conf";
my $setup = "primary_conninfo = 'host=$dir/run port=$port{primary} user=postgres'\n"
    . "recovery_target_timeline = 'latest'\nrecovery_target_lsn = '$old'\n"
    . "recovery_target_inclusive = 'true'\nrecovery_target_action = 'pause'\n";
run('sh', '-c', "printf \"%s\" \"\$1\" >'$standby' && touch '$dir/node1/standby.signal'"
    . " && echo \"include 'postgresql-auto-failover-standby.conf'\" >>'$dir/node1/postgresql.conf'", 'sh', $setup);

isnt start('node1', "$pgbin/postgres"), 0, "PostgreSQL's postgres refuses the stale stop";
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
my $seen = '';
for (1 .. 100) {
    $seen = sql('node1', 'SELECT string_agg(n::text, \',\' ORDER BY n) FROM t');
    last if $seen eq '1,2';
    select undef, undef, undef, 0.1;
}
is $seen, '1,2', '  and follows the primary';

done_testing;

# Every cluster stopped, whatever happened above.
END {
    my $rc = $?;
    for my $n (qw(node1 primary monitor)) {
        run("$pgbin/pg_ctl", '-D', "$dir/$n", '-w', '-m', 'immediate', 'stop') if -e "$dir/$n/postmaster.pid";
    }
    $? = $rc;
}
