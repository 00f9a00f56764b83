package BenchProgress;

# What a long make bench says as it goes: which endpoint and run it is
# in, the phase, and about how long the whole run has left.
#
#   my $p = BenchProgress->new(duration => 8, repeat => 3,
#       endpoints => [ { name => 'board' }, { name => 'board_cached', also => 1 } ]);
#   $p->phase($endpoint, $index, $run, 'peak');      # the line, also printed
#   $p->finish;                                      # the last line
#
# Each phase's nominal length is the tools' --duration (the constant-rate
# run one second more, for its warm-up). The time left is the nominal
# seconds not yet run, scaled by how long the phases so far took against
# theirs: seeding, reloads and start-up make a run longer than its
# nominal seconds, and the scale follows them as they happen.
#
# clock (a sub returning seconds, Time::HiRes::time by default) and out
# (a sub given each line, printing to stderr by default) let a test run
# it against a clock of its own.
use strict;
use warnings;
use List::Util qw(sum0);
use Time::HiRes ();

sub new {
    my ($class, %a) = @_;
    for my $k (qw(duration repeat endpoints)) {
        die "BenchProgress: $k is required\n" unless defined $a{$k};
    }
    die "BenchProgress: duration and repeat must be at least 1\n"
        unless $a{duration} >= 1 && $a{repeat} >= 1;
    my $self = bless {
        duration => $a{duration}, repeat => $a{repeat},
        count => scalar @{ $a{endpoints} },
        clock => $a{clock} || \&Time::HiRes::time,
        out => $a{out} || sub { print STDERR "bench: $_[0]\n" },
        done => 0, last => undef,
    }, $class;
    $self->{total} = $a{repeat} * sum0(map { sum0(values %{ $self->phases($_) }) } @{ $a{endpoints} });
    $self->{started} = $self->{clock}->();
    return $self;
}

# The phases of one run of endpoint E and their nominal seconds: the peak,
# the latency at half of it, the limit and, for an endpoint with a
# second limit (also), that one, and for one whose limit runs again at
# the peak's rate (paced), that run.
sub phases {
    my ($self, $e) = @_;
    my $d = $self->{duration};
    my %p = (peak => $d, latency => $d + 1, limit => $d);
    $p{also} = $d if $e->{also};
    $p{paced} = $d if $e->{paced};
    return \%p;
}

# Nominal seconds of the whole run.
sub total { $_[0]{total} }

# Seconds the run has left, as estimated now.
sub left {
    my ($self) = @_;
    my $done = $self->{done};
    my $speed = $done > 0 ? ($self->{clock}->() - $self->{started}) / $done : 1;
    my $left = ($self->{total} - $done) * $speed;
    return $left > 0 ? $left : 0;
}

sub clock_text {
    my ($s) = @_;
    $s = int($s + 0.5);
    return sprintf '%dm%02ds', $s / 60, $s % 60;
}

# Announces phase KIND (peak, latency, limit, also, paced) of run RUN of the
# INDEXth endpoint E, described as TEXT (KIND when omitted), and counts
# the previous phase as done. Returns the line it printed.
sub phase {
    my ($self, $e, $index, $run, $kind, $text) = @_;
    my $nominal = $self->phases($e)->{$kind};
    die "BenchProgress: $e->{name} has no phase $kind\n" unless defined $nominal;
    $self->{done} += $self->{last} // 0;
    $self->{last} = $nominal;
    my $line = sprintf '%s (%d of %d), run %d of %d: %s; about %s left', $e->{name}, $index,
        $self->{count}, $run, $self->{repeat}, $text // $kind, clock_text($self->left);
    $self->{out}->($line);
    return $line;
}

# The last line: every phase done, and how long they took.
sub finish {
    my ($self) = @_;
    $self->{done} += $self->{last} // 0;
    $self->{last} = undef;
    my $line = sprintf 'all %d endpoints measured, %d run%s each, in %s', $self->{count},
        $self->{repeat}, $self->{repeat} == 1 ? '' : 's',
        clock_text($self->{clock}->() - $self->{started});
    $self->{out}->($line);
    return $line;
}

1;
