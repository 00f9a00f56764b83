package AstroFcgi;

# A raw FastCGI client, standing in for the sidecar where a test needs
# to misbehave as nginx never would: stall, keep a connection, cut a
# body short.

use strict;
use warnings;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Exporter 'import';

our @EXPORT_OK = qw(fcgi_connect fcgi_begin fcgi_params fcgi_stdin fcgi_request fcgi_response
    fcgi_records);

sub _record {
    my ($type, $content) = @_;
    return pack('CCnnCC', 1, $type, 1, length $content, 0, 0) . $content;
}

sub _len { my $n = length $_[0]; $n < 128 ? pack('C', $n) : pack('N', $n | 0x80000000) }

# Connects to the pool's unix socket; undef (and $!) when refused.
sub fcgi_connect {
    my ($path) = @_;
    return IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path);
}

# The records of a request's head: FCGI_BEGIN_REQUEST (keep: the
# connection stays open after the answer) and FCGI_PARAMS.
sub fcgi_begin { _record(1, pack('nCx5', 1, $_[0] ? 1 : 0)) }

sub fcgi_params {
    my (%p) = @_;
    my $body = join '', map { _len($_) . _len($p{$_}) . $_ . $p{$_} } sort keys %p;
    return _record(4, $body) . _record(4, '');
}

# FCGI_STDIN with data; an empty one ends stdin.
sub fcgi_stdin { _record(5, $_[0] // '') }

# A whole request: method, path, body (or undef), content type, keep.
sub fcgi_request {
    my (%o) = @_;
    my $body = $o{body} // '';
    my %p = (REQUEST_METHOD => $o{method}, DOCUMENT_URI => $o{path},
        QUERY_STRING => '', CONTENT_LENGTH => $o{length} // length $body,
        CONTENT_TYPE => $o{type} // '');
    return fcgi_begin($o{keep}) . fcgi_params(%p)
        . (length $body ? fcgi_stdin($body) : '') . ($o{cut} ? '' : fcgi_stdin(''));
}

# Parses what a peer read: returns its stdout and whether the response
# ended (FCGI_END_REQUEST came).
sub fcgi_records {
    my ($buf) = @_;
    my ($out, $ended) = ('', 0);
    while (length $buf >= 8) {
        my ($v, $type, $id, $len, $pad) = unpack 'CCnnC', $buf;
        last if length $buf < 8 + $len + $pad;
        $out .= substr $buf, 8, $len if $type == 6;
        $ended = 1 if $type == 3;
        substr($buf, 0, 8 + $len + $pad) = '';
    }
    return ($out, $ended);
}

# Reads one response: its stdout until FCGI_END_REQUEST. Returns the
# status and the whole stdout, or () when the connection ended first.
sub fcgi_response {
    my ($sock, $timeout) = @_;
    my ($buf, $out) = ('', '');
    my $end = time + ($timeout // 10);
    while (time < $end) {
        while (length $buf >= 8) {
            my ($v, $type, $id, $len, $pad) = unpack 'CCnnC', $buf;
            last if length $buf < 8 + $len + $pad;
            my $content = substr $buf, 8, $len;
            substr($buf, 0, 8 + $len + $pad) = '';
            $out .= $content if $type == 6;
            if ($type == 3) {
                my ($status) = $out =~ /^Status: (\d+)/m;
                return ($status, $out);
            }
        }
        my $rin = '';
        vec($rin, fileno $sock, 1) = 1;
        select(my $rout = $rin, undef, undef, 0.5) > 0 or next;
        my $n = sysread $sock, my $chunk, 65536;
        return () unless $n;
        $buf .= $chunk;
    }
    return ();
}

1;
