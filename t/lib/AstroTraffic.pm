package AstroTraffic;

# Steady traffic for the task tests: a child process sends requests
# through the load balancer one after another — a signed-in astronaut's
# GET /hours, a POST /hours with the form's fresh idempotency key, a
# GET /board and a GET /login (the sign-up service) — until it is told to stop or a bound is reached (it stops
# by itself). Counts answers by status; every acknowledged key is kept
# so the test can look for it in the database.

use strict;
use warnings;
use AstroTest;
use File::Temp ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(time);

# start(CLIENT, MAX_SECONDS): CLIENT is a signed-in AstroTest client.
sub start {
    my ($class, $c, $max) = @_;
    my $self = bless { stop => File::Temp->new, out => File::Temp->new }, $class;
    unlink $self->{stop}->filename;
    my $stop = $self->{stop}->filename;
    my $out = $self->{out}->filename;
    $self->{pid} = fork // die "fork: $!";
    return $self if $self->{pid};
    my (%status, @keys, @bad);
    my $end = time + ($max // 120);
    my $n = 0;
    my $note = sub {
        my ($what, $res) = @_;
        $status{ $res->{status} }++;
        push @bad, "$what $res->{status}" if $res->{status} >= 500 && @bad < 20;
    };
    while (!-e $stop && time < $end) {
        my $page = $c->get('/hours');
        $note->('GET /hours', $page);
        if ($page->{status} == 200) {
            my $form = AstroTest::form_fields($page->{content}, '/hours');
            my $res = $c->post('/hours', { %$form, hours => '0.5',
                date => POSIX::strftime('%Y-%m-%d', gmtime(1767225600 - 86400 * ($n % 20000))),
                note => 'steady ' . $n++ });
            $note->('POST /hours', $res);
            push @keys, $form->{key} if $res->{status} == 303;
        }
        $note->('GET /board', $c->get('/board'));
        $note->('GET /login', $c->get('/login'));
    }
    open my $fh, '>', $out or POSIX::_exit(2);
    print $fh JSON::PP->new->encode({ status => \%status, keys => \@keys, bad => \@bad });
    close $fh;
    # _exit: the stack belongs to the parent; END blocks must not run here.
    POSIX::_exit(0);
}

# stop: tell the child to stop, wait for it; returns { status => {code
# => count}, keys => [acknowledged keys], bad => [first 5xx answers] }.
sub stop {
    my ($self) = @_;
    open my $fh, '>', $self->{stop}->filename or die $!;
    close $fh;
    waitpid $self->{pid}, 0;
    open $fh, '<', $self->{out}->filename or die $!;
    local $/;
    return JSON::PP->new->decode(<$fh>);
}

# The number of answers in RESULT, and those that were not 200 or 303.
sub total { my $n = 0; $n += $_ for values %{ $_[1]{status} }; $n }
sub failed {
    my ($class, $r) = @_;
    my $n = 0;
    $n += $r->{status}{$_} for grep { $_ ne '200' && $_ ne '303' } keys %{ $r->{status} };
    return $n;
}

1;
