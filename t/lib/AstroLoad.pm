package AstroLoad;

# Steady signed-in load and what it proves about a fault: astronauts each
# posting entries with fresh idempotency keys, resending a refused entry
# with its own key (as the 503 page invites) until it is answered 303,
# and the database checks that follow (every acknowledged key stored
# exactly once, totals equal to the entries, the standby equal to the
# primary after replay). With reads => 1 each astronaut also reads the
# board and the log-in page after each entry, so that a fault in the
# board or sign-up service shows in the figures too. Used by the fault
# tests (t/86xx) and by `make chaos` (bench/chaos).
#
#   my $load = AstroLoad->start($env, clients => 4, reads => 1);
#   $load->mark('fault');  ...  $load->mark('fault_end');
#   my $r = $load->stop;          # figures: sent, acked, failed, ...
#   my $db = AstroLoad::check_db($env, $load);

use strict;
use warnings;
use File::Temp qw(tempdir);
use FindBin;
use Time::HiRes qw(time sleep);
use List::Util ();
use POSIX ();
use AstroTest;

# Every loop is bounded: a client stops posting new entries when asked or
# after MAX_SECONDS, and stops resending a refused one RESEND_SECONDS
# after that (start's resend option).
my $MAX_SECONDS = 600;
my $RESEND_SECONDS = 30;
my $HOURS = '0.5';

# A fresh key from the kernel: seeding rand from a pid and the clock
# gives two clients forked together the same keys.
sub _random_key {
    open my $fh, '<:raw', '/dev/urandom' or die "/dev/urandom: $!\n";
    read($fh, my $bytes, 16) == 16 or die "/dev/urandom: short read\n";
    return unpack 'H*', $bytes;
}

sub _signup {
    my ($env, $name) = @_;
    my $c = client(stack => $env);
    for (1 .. 50) {
        my $res = $c->submit('/signup', '/signup',
            { name => $name, password => 'steady load', confirm => 'steady load' });
        return $c if $res->{status} == 303;
        sleep 0.2;
    }
    die "could not sign up $name\n";
}

# The date of an astronaut's Nth entry: a day of its own for each, back
# from 2026-01-01, so no date reaches the cap of 24 hours, and an entry
# sent again with its key is the same entry.
sub _date {
    my ($n) = @_;
    return POSIX::strftime('%Y-%m-%d', gmtime(1767225600 - 86400 * ($n % 20000)));
}

# Signs CLIENTS astronauts up and starts one process each.
sub start {
    my ($class, $env, %opt) = @_;
    my $n = $opt{clients} || 4;
    my $self = bless {
        env => $env, dir => tempdir('astro-load-XXXXXX', TMPDIR => 1, CLEANUP => 1),
        names => [], pids => [], marks => {}, pause => $opt{pause} // 0.02,
        resend => $opt{resend} // $RESEND_SECONDS, reads => $opt{reads},
    }, $class;
    my @clients;
    for my $i (1 .. $n) {
        my $name = unique_name("Load $i");
        push @{ $self->{names} }, $name;
        push @clients, _signup($env, $name);
    }
    $self->{started} = $self->{marks}{begin} = time;
    for my $i (0 .. $#clients) {
        my $pid = fork // die "fork: $!\n";
        if (!$pid) {
            _client_loop($self, $clients[$i], "$self->{dir}/client$i.log");
            POSIX::_exit(0);    # not exit: the test's END blocks are the parent's
        }
        push @{ $self->{pids} }, $pid;
    }
    return $self;
}

sub _stopping { -e "$_[0]{dir}/stop" }

sub _client_loop {
    my ($self, $c, $log) = @_;
    open my $fh, '>', $log or die "$log: $!\n";
    select((select($fh), $| = 1)[0]);
    my $deadline = time + $MAX_SECONDS;
    my $form = {};
    until (defined $form->{csrf} || _stopping($self) || time > $deadline) {
        $form = AstroTest::form_fields($c->get('/hours')->{content}, '/hours');
        sleep 0.1 unless defined $form->{csrf};
    }
    my $n = 0;
    while (!_stopping($self) && time < $deadline) {
        my $key = _random_key();
        my $give_up;
        while (1) {
            my $t0 = time;
            my $res = $c->post('/hours', { csrf => $form->{csrf}, key => $key,
                hours => $HOURS, date => _date($n), note => "load $n" });
            printf $fh "%.4f %.4f %d %s\n", $t0, time, $res->{status}, $key;
            last if $res->{status} == 303;
            $give_up //= time + $MAX_SECONDS;
            $give_up = time + $self->{resend} if _stopping($self) && $give_up > time + $self->{resend};
            last if time > $give_up;
            sleep 0.1;
        }
        $n++;
        if ($self->{reads}) {
            for my $path ('/board', '/login') {
                my $t0 = time;
                my $res = $c->get($path);
                printf $fh "%.4f %.4f %d GET%s\n", $t0, time, $res->{status}, $path;
            }
        }
        sleep $self->{pause} if $self->{pause};
    }
    close $fh;
}

# Records the time of NAME (e.g. 'fault', 'fault_end').
sub mark { $_[0]{marks}{ $_[1] } = time }

# When the first request sent after the mark NAME (or after a time in
# seconds since the epoch) was answered 303, or undef.
sub acked_since {
    my ($self, $name) = @_;
    my $since = $name =~ /^[0-9.]+$/ ? $name : $self->{marks}{$name} // return undef;
    for my $line (_lines($self)) {
        return $line->[1] if $line->[2] == 303 && $line->[0] >= $since && !_read($line);
    }
    return undef;
}

# A line of the reads (GET/board, GET/login) rather than of the entries.
sub _read { $_[0][3] =~ m{^GET/} }

sub _lines {
    my ($self) = @_;
    my @lines;
    for my $f (glob "$self->{dir}/client*.log") {
        open my $fh, '<', $f or next;
        while (<$fh>) {
            my @l = split;
            push @lines, \@l if @l == 4;
        }
    }
    return sort { $a->[0] <=> $b->[0] } @lines;
}

# Stops the clients (they finish resending what is refused) and returns
# the figures: sent (requests), acked (keys answered 303), pending (keys
# never answered 303), failed ({status => count}), unavailable_s (the
# longest time in which no request was acknowledged, from the mark
# 'fault' to the end of the last request), recovery_s (from the mark 'fault_end' to the end of the
# last failed request), keys ({key => 1 acked / 0 not}); with reads,
# reads (requests sent) and reads_failed ({status => count} of the reads
# not answered 200).
sub stop {
    my ($self) = @_;
    open my $fh, '>', "$self->{dir}/stop" or die $!;
    close $fh;
    waitpid $_, 0 for @{ $self->{pids} };
    $self->{pids} = [];
    my @all = _lines($self);
    my @lines = grep { !_read($_) } @all;
    my @reads = grep { _read($_) } @all;
    my %reads_failed;
    $reads_failed{ $_->[2] }++ for grep { $_->[2] != 200 } @reads;
    my (%keys, %failed, @acks, $last_fail);
    for my $l (@lines) {
        my ($t0, $t1, $status, $key) = @$l;
        $keys{$key} ||= 0;
        if ($status == 303) {
            $keys{$key} = 1;
            push @acks, $t1;
        } else {
            $failed{$status}++;
            $last_fail = $t1 if !defined $last_fail || $t1 > $last_fail;
        }
    }
    @acks = sort { $a <=> $b } @acks;
    my $from = $self->{marks}{fault} // $self->{started};
    # The last request's end closes the last gap: no acknowledgement
    # after the fault at all is unavailability until the load stopped.
    my $last = List::Util::max(map { $_->[1] } @lines) // $from;
    my ($gap, $prev) = (0, $from);
    for my $t ((grep { $_ >= $from } @acks), $last) {
        $gap = $t - $prev if $t - $prev > $gap;
        $prev = $t;
    }
    my $end = $self->{marks}{fault_end};
    my $recovery = defined $end && defined $last_fail && $last_fail > $end ? $last_fail - $end : 0;
    return $self->{result} = {
        sent => scalar @lines,
        acked => scalar(grep { $_ } values %keys),
        pending => scalar(grep { !$_ } values %keys),
        failed => \%failed,
        failed_total => scalar(grep { $_->[2] != 303 } @lines),
        unavailable_s => sprintf('%.2f', $gap) + 0,
        recovery_s => sprintf('%.2f', $recovery) + 0,
        keys => \%keys,
        ($self->{reads} ? (reads => scalar @reads, reads_failed => \%reads_failed,
            reads_failed_total => scalar(grep { $_->[2] != 200 } @reads)) : ()),
    };
}

sub failed_text {
    my ($r) = @_;
    my $f = $r->{failed};
    return join(', ', map {"$f->{$_} x $_"} sort keys %$f) || 'none';
}

sub DESTROY {
    my ($self) = @_;
    kill 'TERM', @{ $self->{pids} } if $self->{pids} && @{ $self->{pids} };
}

# The database's side, after stop(): on the primary, the load's entries
# by key; lost (acknowledged, not stored), doubled (stored more than
# once), stray (stored, never sent), totals_off (astronauts whose total is
# not the sum of their entries); then the same sums on the standby once it
# has replayed everything the primary wrote (standby_equal, or undef
# without a standby). Waits for a writable primary first.
sub check_db {
    my ($env, $self) = @_;
    my $names = join ',', map { my $n = $_; $n =~ s/'/''/g; "'$n'" } @{ $self->{names} };
    my $ids = "SELECT id FROM astro.astronauts WHERE name IN ($names)";
    my %stored;
    AstroTest::wait_until(sub { eval { psql($env, 'SELECT 1') } });
    for my $row (split /\n/, psql($env, "SELECT replace(idempotency_key::text, '-', ''), count(*)"
        . " FROM astro.hours_entries WHERE astronaut_id IN ($ids) GROUP BY 1")) {
        my ($k, $n) = split /\|/, $row;
        $stored{$k} = $n;
    }
    my $keys = $self->{result}{keys};
    my %r = (
        stored => scalar keys %stored,
        lost => scalar(grep { $keys->{$_} && !$stored{$_} } keys %$keys),
        doubled => scalar(grep { $stored{$_} > 1 } keys %stored),
        stray => scalar(grep { !exists $keys->{$_} } keys %stored),
    );
    my $sums = "SELECT count(*) || ' ' || coalesce(sum(h.hours), 0) || ' '"
        . " || (SELECT sum(total_hours) FROM astro.astronauts WHERE id IN ($ids))"
        . " FROM astro.hours_entries h WHERE h.astronaut_id IN ($ids)";
    $r{primary_sums} = psql($env, $sums);
    $r{totals_off} = psql($env, "SELECT count(*) FROM astro.astronauts a WHERE a.id IN ($ids)"
        . " AND a.total_hours <> (SELECT coalesce(sum(hours), 0) FROM astro.hours_entries"
        . " WHERE astronaut_id = a.id)");
    if (my $db = $env->{DB_DIR}) {
        my $top = "$FindBin::Bin/..";
        my $standby = `$top/scripts/db standby $db`;
        chomp $standby;
        if ($standby) {
            my %n = map { split /=/, $_, 2 } split /\n/, `$top/scripts/db node-env $db $standby`;
            my $senv = { %$env, %n, PGTARGETSESSIONATTRS => 'any' };
            my $lsn = psql($env, 'SELECT pg_current_wal_lsn()');
            AstroTest::wait_until(sub {
                psql($senv, "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn") eq 't' });
            $r{standby_sums} = psql($senv, $sums);
            $r{standby_equal} = $r{standby_sums} eq $r{primary_sums} ? 1 : 0;
        }
    }
    return \%r;
}

1;
