package AstroFaults;

# The faults of the fault tests (t/86xx) and of `make chaos`, as a table:
# each has a name, what it needs, an inject step (run under load; it
# marks 'fault' when the fault begins and 'fault_end' when it is over:
# the new primary accepts writes, the database is back) and a restore
# step (run after the load stops) that leaves the stack as it was found.

use strict;
use warnings;
use FindBin;
use Time::HiRes qw(time sleep);
use Exporter 'import';

our @EXPORT_OK = qw(faults fault_named);

my $top = "$FindBin::Bin/..";

sub _run {
    my $out = `@_ 2>&1`;
    die "failed: @_\n$out" if $?;
    chomp $out;
    return $out;
}

sub _db { _run("$top/scripts/db", @_) }

# Waits until the monitor names a primary other than OLD that accepts
# writes; returns when it does (or dies after LIMIT seconds).
sub _new_primary {
    my ($db, $old, $limit) = @_;
    my $until = time + ($limit || 120);
    while (time < $until) {
        my $p = `$top/scripts/db primary $db 2>/dev/null`;
        chomp $p;
        return $p if $p && $p ne $old && _writable($db, $p);
        sleep 0.1;
    }
    die "no new primary within ${\($limit || 120)} s\n";
}

sub _writable {
    my ($db, $node) = @_;
    my %n = map { split /=/, $_, 2 } split /\n/, `$top/scripts/db node-env $db $node`;
    local @ENV{qw(PGHOST PGPORT PGUSER PGTARGETSESSIONATTRS)} = (@n{qw(PGHOST PGPORT)}, 'postgres', 'read-write');
    my $out = `psql -XAtq -d postgres -c 'SELECT NOT pg_is_in_recovery()' 2>/dev/null`;
    chomp $out;
    return $out eq 't';
}

# Processes of the stack's tasks, from their pid files (DIR/pids/NAME*.pid).
sub _pid_of {
    my ($env, $prefix) = @_;
    for my $f (sort glob "$env->{ASTRO_DIR}/pids/$prefix*.pid") {
        open my $fh, '<', $f or next;
        my $pid = <$fh>;
        chomp $pid;
        return $pid if $pid && kill 0, $pid;
    }
    die "no running $prefix process\n";
}

# The children of PID (a pool's supervisor: its workers), each as
# [pid, CPU ticks used] from /proc/CHILD/stat.
sub _children {
    my ($pid) = @_;
    my @kids;
    opendir my $d, '/proc' or die "/proc: $!\n";
    for my $p (grep {/^[0-9]+$/} readdir $d) {
        open my $fh, '<', "/proc/$p/stat" or next;
        # After the command's closing parenthesis: state, ppid, ...;
        # utime and stime are the 12th and 13th fields from there.
        my @f = split ' ', ((<$fh> // '') =~ s/^.*\) //sr);
        push @kids, [$p, $f[11] + $f[12]] if @f > 12 && $f[1] == $pid;
    }
    return @kids;
}

# True when SERVICE runs as many tasks as the stack wants of it, each
# with its pool and sidecar alive (DIR/tasks: SERVICE.desired, one
# TASK.env per task, TASK.stopped once the watcher has seen it die).
sub _tasks_whole {
    my ($env, $service) = @_;
    my $dir = $env->{ASTRO_DIR};
    open my $fh, '<', "$dir/tasks/$service.desired" or return 0;
    chomp(my $want = <$fh> // 0);
    my $alive = sub {
        open my $p, '<', "$dir/pids/$_[0].pid" or return 0;
        chomp(my $pid = <$p> // '');
        return $pid && kill 0, $pid;
    };
    my @whole = grep { !-e "$dir/tasks/$_.stopped" && $alive->("pool-$_") && $alive->("nginx-$_") }
        map { m{/([^/]+)\.env$} } glob "$dir/tasks/$service-*.env";
    return @whole >= $want;
}

# A dead hours task replaced: waits until the stack has replaced it
# (its back-off grows to 30 s while tasks keep dying within a minute, so
# the next fault must not find one task where two should be); if it
# never does, restarts the whole stack in its folder (the data stays)
# and points ENV at it.
sub _replaced_or_restart {
    my ($env, $prefix) = @_;
    my $until = time + 90;
    sleep 0.2 while time < $until && !_tasks_whole($env, 'hours');
    return if _tasks_whole($env, 'hours') && eval { _pid_of($env, $prefix); 1 };
    my $dir = $env->{ASTRO_DIR};
    _run("$top/scripts/stack", 'stop', '--dir', $dir);
    local $ENV{DB_HA} = $env->{DB_DIR} ? 1 : 0;
    _run("$top/scripts/stack", 'start', '--port', 0, '--dir', $dir,
        '--variant', $env->{ASTRO_VARIANT} || 'release');
    open my $fh, '<', "$dir/stack.env" or die "$dir/stack.env: $!\n";
    %$env = ();
    while (<$fh>) {
        chomp;
        my ($k, $v) = split /=/, $_, 2;
        $env->{$k} = $v if defined $v;
    }
}

sub _stack_has { my ($cmd) = @_; return `grep -c 'scripts/stack $cmd' $top/scripts/stack` > 0 }

my @FAULTS = (
    {
        name => 'planned switchover',
        needs => 'db_ha',
        inject => sub {
            my ($env, $load) = @_;
            $load->mark('fault');
            _run("$top/scripts/stack", 'failover', '--dir', $env->{ASTRO_DIR});
            $load->mark('fault_end');
        },
    },
    {
        name => 'primary killed',
        needs => 'db_ha',
        inject => sub {
            my ($env, $load, $state) = @_;
            my $db = $env->{DB_DIR};
            $state->{node} = _db('primary', $db);
            $load->mark('fault');
            _db('kill', $db, $state->{node});
            _new_primary($db, $state->{node});
            $load->mark('fault_end');
        },
        restore => sub {
            my ($env, $state) = @_;
            _db('start-node', $env->{DB_DIR}, $state->{node});
            _db('wait', $env->{DB_DIR}, 120);
        },
    },
    {
        name => 'primary frozen',
        needs => 'db_ha',
        inject => sub {
            my ($env, $load, $state) = @_;
            my $db = $env->{DB_DIR};
            $state->{node} = _db('primary', $db);
            $load->mark('fault');
            _db('freeze', $db, $state->{node});
            $state->{frozen} = 1;
            _new_primary($db, $state->{node});
            $load->mark('fault_end');
            # The old primary stays frozen while the load goes on, as a
            # hung host would: nobody's request may wait for it.
        },
        restore => sub {
            my ($env, $state) = @_;
            _db('thaw', $env->{DB_DIR}, $state->{node}) if $state->{frozen};
            _db('wait', $env->{DB_DIR}, 120);
        },
    },
    {
        name => 'database stopped and started',
        needs => 'db_ha',
        inject => sub {
            my ($env, $load) = @_;
            my $db = $env->{DB_DIR};
            $load->mark('fault');
            _db('stop', $db);
            # How long the database stays down is the fault itself.
            sleep 5;
            _db('start', $db);
            $load->mark('fault_end');
        },
    },
    {
        # One worker of one hours task: the one that has used the most
        # CPU, under load a page worker with a request in hand (not an
        # idle hashing worker). Over once the supervisor has replaced it.
        name => 'one hours worker killed',
        needs => 'task',
        inject => sub {
            my ($env, $load) = @_;
            my $pool = _pid_of($env, 'pool-hours');
            my @before = sort { $b->[1] <=> $a->[1] } _children($pool);
            @before or die "pool $pool has no workers\n";
            $load->mark('fault');
            kill 'KILL', $before[0][0];
            my $until = time + 30;
            my $replaced = sub {
                my @now = _children($pool);
                return @now >= @before && !grep { $_->[0] == $before[0][0] } @now;
            };
            sleep 0.02 while time < $until && !$replaced->();
            die "pool $pool did not replace its worker\n" if time >= $until;
            $load->mark('fault_end');
        },
    },
    {
        name => 'hours pool killed',
        needs => 'task',
        inject => sub {
            my ($env, $load) = @_;
            my $pid = _pid_of($env, 'pool-hours');
            $load->mark('fault');
            kill 'KILL', $pid;
            $load->mark('fault_end');
        },
        restore => sub { _replaced_or_restart($_[0], 'pool-hours') },
    },
    {
        name => 'hours sidecar killed',
        needs => 'task',
        inject => sub {
            my ($env, $load) = @_;
            my $pid = _pid_of($env, 'nginx-hours');
            # The whole sidecar: nginx's workers outlive a killed master
            # and go on serving.
            my @workers = split ' ', `ps -o pid= --ppid $pid`;
            $load->mark('fault');
            kill 'KILL', $pid, @workers;
            $load->mark('fault_end');
        },
        restore => sub { _replaced_or_restart($_[0], 'nginx-hours') },
    },
    # Each service in turn: the entries go through hours, the load's
    # reads (reads => 1) through board and sign-up.
    (map {
        my $s = $_;
        {
            name => "rolling restart of $s",
            needs => 'roll',
            inject => sub {
                my ($env, $load) = @_;
                $load->mark('fault');
                _run("$top/scripts/stack", 'roll', $s, '--dir', $env->{ASTRO_DIR});
                $load->mark('fault_end');
            },
        }
    } qw(hours board signup)),
    {
        name => 'hours scaled 2 -> 4 -> 2',
        needs => 'scale',
        inject => sub {
            my ($env, $load) = @_;
            $load->mark('fault');
            _run("$top/scripts/stack", 'scale', 'hours', 4, '--dir', $env->{ASTRO_DIR});
            sleep 2;
            _run("$top/scripts/stack", 'scale', 'hours', 2, '--dir', $env->{ASTRO_DIR});
            $load->mark('fault_end');
        },
    },
);

# The faults, each with 'missing' set to why it cannot be driven here
# (undef when it can).
sub faults {
    for my $f (@FAULTS) {
        $f->{missing} = $f->{needs} eq 'roll' && !_stack_has('roll') ? 'scripts/stack has no roll'
            : $f->{needs} eq 'scale' && !_stack_has('scale') ? 'scripts/stack has no scale'
            : undef;
    }
    return @FAULTS;
}

sub fault_named {
    my ($name) = @_;
    my ($f) = grep { $_->{name} eq $name } faults();
    $f or die "no fault named '$name'\n";
    return $f;
}

1;
