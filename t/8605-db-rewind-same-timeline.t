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
use File::Temp qw(tempdir);
use Test::More;

my $top = "$FindBin::Bin/..";
my $pgbin = '/usr/lib/postgresql/15/bin';
my $user = $> == 0 ? ($ENV{STACK_USER} || 'nobody') : getpwuid($>);
my $dir = tempdir('astro-rewind-XXXXXX', TMPDIR => 1, CLEANUP => 1);
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

# The formation's bin folder, as scripts/db builds it.
mkdir "$dir/bin";
symlink "$pgbin/$_", "$dir/bin/$_" for qw(pg_ctl postgres initdb);
for my $f (qw(pg_rewind pg_basebackup)) {
    system('cp', "$top/scripts/db-pg-" . ($f =~ s/^pg_//r), "$dir/bin/$f") == 0 or die "cp $f\n";
}
chmod 0755, "$dir/bin/pg_rewind", "$dir/bin/pg_basebackup";

my %port;
sub free_port { my $p = `$top/scripts/free-port`; chomp $p; return $p }
sub conf {
    my ($name) = @_;
    $port{$name} = free_port();
    open my $fh, '>>', "$dir/$name/postgresql.auto.conf" or die "$name: $!\n";
    print $fh "port = $port{$name}\nlisten_addresses = ''\nunix_socket_directories = '$dir'\n"
        . "wal_log_hints = on\nwal_keep_size = 64\nlogging_collector = off\n";
}
sub start { ok_run("$pgbin/pg_ctl", '-D', "$dir/$_[0]", '-l', "$dir/$_[0].log", '-w', 'start') }
sub stop { ok_run("$pgbin/pg_ctl", '-D', "$dir/$_[0]", '-w', '-m', 'fast', 'stop') }
sub sql {
    my ($name, $q) = @_;
    my ($rc, $out) = run('psql', '-XAtq', '-h', $dir, '-p', $port{$name}, '-U', 'postgres', '-d', 'postgres',
        '-v', 'ON_ERROR_STOP=1', '-c', $q);
    die "$name: $q: $out" if $rc;
    chomp $out;
    return $out;
}
sub source { "host=$dir port=$port{$_[0]} user=postgres dbname=postgres" }

ok_run("$pgbin/initdb", '-D', "$dir/a", '-U', 'postgres', '--auth=trust');
conf('a');
start('a');
sql('a', 'CREATE TABLE t (who text)');
ok_run("$dir/bin/pg_basebackup", '-D', "$dir/b", '-h', $dir, '-p', $port{a}, '-U', 'postgres');
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
ok_run("$dir/bin/pg_basebackup", '-D', "$dir/c", '-h', $dir, '-p', $port{b}, '-U', 'postgres', '-R');
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
print $fh "port = $port{b}\nprimary_conninfo = '" . source('c') . "'\n";
close $fh;
start('b');
sql('c', "INSERT INTO t VALUES ('c')");
my $seen = '';
for (1 .. 100) {
    $seen = sql('b', 'SELECT string_agg(who, \',\' ORDER BY who) FROM t');
    last if $seen eq 'b,c';
    select undef, undef, undef, 0.1;
}
is $seen, 'b,c', '  and it follows C, without its row written after the fork';

done_testing;

# Every cluster stopped, whatever happened above.
END {
    my $rc = $?;
    for my $n (qw(a b c)) {
        run("$pgbin/pg_ctl", '-D', "$dir/$n", '-w', '-m', 'immediate', 'stop') if -e "$dir/$n/postmaster.pid";
    }
    $? = $rc;
}
