#!/usr/bin/perl
# A client that asked for JSON reads every error as JSON, whichever layer
# refused the request (the sidecar, or the pool's dispatch, form reader
# or handler), and a browser still gets the HTML page for the same
# error.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use JSON::PP;
use Test::More;

stack();
my $c = client();
my $json = { Accept => 'application/json' };
my $html = { Accept => 'text/html,application/xhtml+xml,*/*;q=0.8' };

# [what, method, path, headers, status, JSON or HTML]
my @cases = (
    [ 'a POST to the JSON board',          'POST', '/board.json',            $json, 405, 'json' ],
    [ 'a POST to it without any Accept',   'POST', '/board.json',            {},    405, 'json' ],
    [ 'a POST to /board asking for JSON',  'POST', '/board',                 $json, 405, 'json' ],
    [ 'a page link that was not made here', 'GET', '/board.json?after=1,2,3', $json, 400, 'json' ],
    [ 'a POST to /board from a browser',   'POST', '/board',                 $html, 405, 'html' ],
);

for my $case (@cases) {
    my ($what, $method, $path, $headers, $status, $kind) = @$case;
    my $res = $method eq 'POST'
        ? $c->post($path, 'x=1', $headers)
        : $c->get($path, $headers);
    is $res->{status}, $status, "$what: $status";
    if ($kind eq 'json') {
        like $res->{headers}{'content-type'} // '', qr{^application/json}, '  as JSON';
        my $body = eval { decode_json($res->{content}) };
        is ref $body, 'HASH', '  which parses' or diag $res->{content};
        is $body->{status}, $status, '  and names its status';
        ok length($body->{error} // ''), '  and says what went wrong in words';
    } else {
        like $res->{headers}{'content-type'} // '', qr{^text/html}, '  as an HTML page';
        like $res->{content}, qr/<html/i, '  in the layout';
    }
}

# What the sidecar answers itself (here 413: a body larger than nginx
# takes) is JSON on a JSON address too, and HTML elsewhere.
for my $case ([ '/board.json', 'json' ], [ '/board', 'html' ]) {
    my ($path, $kind) = @$case;
    my $res = $c->post($path, 'x=' . ('a' x 20000), $kind eq 'json' ? $json : $html);
    is $res->{status}, 413, "a 20 kB body to $path: 413 from the sidecar";
    if ($kind eq 'json') {
        like $res->{headers}{'content-type'} // '', qr{^application/json}, '  as JSON';
        my $body = eval { decode_json($res->{content}) };
        ok length($body->{error} // ''), '  which parses and says what went wrong'
            or diag $res->{content};
    } else {
        like $res->{headers}{'content-type'} // '', qr{^text/html}, '  as an HTML page';
    }
}

done_testing;
