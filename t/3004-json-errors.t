#!/usr/bin/perl
# A client that asked for JSON reads every error as JSON, whichever layer
# of the pool refused the request (dispatch, the form reader or the
# handler), and a browser still gets the HTML page for the same error.
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

done_testing;
