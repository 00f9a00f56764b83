package AstroSmallPg;

# Small PostgreSQL clusters for the tests of the formation's wrappers
# (t/8605, t/8606): no stack, no pg_auto_failover; each cluster a folder
# of one private directory, run as the stack user as scripts/db runs
# them, and stopped at the end whatever happens.
#
#   my $pg = AstroSmallPg->new('astro-rewind');
#   $pg->initdb('a');                     # port, sockets in $pg->{sockets}
#   $pg->start('a');  $pg->sql('a', 'SELECT 1');
#   my ($rc, $out) = $pg->run(CMD...);    # as the stack user

use strict;
use warnings;
use File::Temp qw(tempdir);
use FindBin;
use Test::More;

our $PGBIN = '/usr/lib/postgresql/15/bin';
my $top = "$FindBin::Bin/..";
my @all;

# A folder of its own (PREFIX-XXXXXX under TMPDIR), owned by the stack
# user; sockets in SOCKETS (default: the folder itself).
sub new {
    my ($class, $prefix, %opt) = @_;
    my $user = $> == 0 ? ($ENV{STACK_USER} || 'nobody') : getpwuid($>);
    my $dir = tempdir("$prefix-XXXXXX", TMPDIR => 1, CLEANUP => 1);
    my (undef, undef, $uid, $gid) = getpwnam($user);
    chown $uid, $gid, $dir;
    chmod 0755, $dir;
    my $self = bless { dir => $dir, uid => $uid, gid => $gid, port => {}, clusters => [] }, $class;
    $self->{sockets} = $opt{sockets} ? "$dir/$opt{sockets}" : $dir;
    $self->run('mkdir', '-p', $self->{sockets});
    push @all, $self;
    return $self;
}

# CMD as the stack user: its exit code and output (standard error too).
sub run {
    my ($self, @cmd) = @_;
    my @as = $> == 0 ? ('setpriv', "--reuid=$self->{uid}", "--regid=$self->{gid}", '--clear-groups', '--') : ();
    my $pid = open(my $ph, '-|') // die "fork: $!\n";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die "$!\n";
        chdir '/';
        exec @as, @cmd or die "$cmd[0]: $!\n";
    }
    my $out = do { local $/; <$ph> } // '';
    close $ph;
    return ($? >> 8, $out);
}

sub ok_run {
    my ($self, @cmd) = @_;
    my ($rc, $out) = $self->run(@cmd);
    is $rc, 0, "ran: $cmd[0] $cmd[1]" or diag $out;
    return $out;
}

# NAME's settings: a free port, no TCP, sockets in the shared folder,
# and EXTRA lines. Called for a new cluster and for one copied from
# another (a base backup carries the source's settings).
sub conf {
    my ($self, $name, $extra) = @_;
    my $p = `$top/scripts/free-port`;
    chomp $p;
    $self->{port}{$name} = $p;
    open my $fh, '>>', "$self->{dir}/$name/postgresql.auto.conf" or die "$name: $!\n";
    print $fh "port = $p\nlisten_addresses = ''\nunix_socket_directories = '$self->{sockets}'\n"
        . "logging_collector = off\n" . ($extra // '');
    close $fh;
    push @{ $self->{clusters} }, $name;
}

sub initdb {
    my ($self, $name, $extra) = @_;
    $self->ok_run("$PGBIN/initdb", '-D', "$self->{dir}/$name", '-U', 'postgres', '--auth=trust');
    $self->conf($name, $extra);
}

# pg_ctl start, with the postgres program POSTGRES (PostgreSQL's own by
# default); its exit code. The server's output goes to DIR/NAME.log.
sub start {
    my ($self, $name, $postgres) = @_;
    my ($rc) = $self->run("$PGBIN/pg_ctl", '-D', "$self->{dir}/$name", '-l', "$self->{dir}/$name.log",
        '-p', $postgres // "$PGBIN/postgres", '-t', 30, '-w', 'start');
    return $rc;
}

sub stop { $_[0]->ok_run("$PGBIN/pg_ctl", '-D', "$_[0]{dir}/$_[1]", '-w', '-m', 'fast', 'stop') }

# One statement on NAME (database DB, default postgres); its output.
sub sql {
    my ($self, $name, $q, $db) = @_;
    my ($rc, $out) = $self->run("$PGBIN/psql", '-XAtq', '-h', $self->{sockets}, '-p', $self->{port}{$name},
        '-U', 'postgres', '-d', $db // 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', $q);
    die "$name: $q: $out" if $rc;
    chomp $out;
    return $out;
}

# Runs Q on NAME every 0.1 s until it answers WANT (10 s at most, a
# standby replaying); returns the last answer.
sub sql_until {
    my ($self, $name, $q, $want) = @_;
    my $seen = '';
    for (1 .. 100) {
        $seen = $self->sql($name, $q);
        last if $seen eq $want;
        select undef, undef, undef, 0.1;
    }
    return $seen;
}

# A libpq connection string reaching NAME.
sub source { "host=$_[0]{sockets} port=$_[0]{port}{$_[1]} user=postgres dbname=postgres" }

# Every cluster stopped, whatever happened.
END {
    my $rc = $?;
    for my $self (@all) {
        for my $n (@{ $self->{clusters} }) {
            $self->run("$PGBIN/pg_ctl", '-D', "$self->{dir}/$n", '-w', '-m', 'immediate', 'stop')
                if -e "$self->{dir}/$n/postmaster.pid";
        }
    }
    $? = $rc;
}

1;
