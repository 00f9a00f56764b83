#!/usr/bin/perl
# The request path: HAProxy's path rules (the ALB's, from
# ecs/contract.json) send each route to its service's sidecar; every
# response carries the security headers; nginx's own errors are pages.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use File::Temp ();
use JSON::PP;
use Test::More;

sub slurp_file { open my $fh, '<', $_[0] or die "$_[0]: $!\n"; local $/; return scalar <$fh> }

my $env = stack();
my $contract = do {
    open my $fh, '<', "$FindBin::Bin/../ecs/contract.json" or die $!;
    local $/;
    decode_json(<$fh>);
};

# Which sidecar logged the request with this User-Agent? (nginx writes
# its access log at least once a second.)
sub served_by {
    my ($agent) = @_;
    for (1 .. 30) {
        for my $s (qw(signup hours board)) {
            open my $fh, '<', "$env->{ASTRO_DIR}/log/nginx-$s.log" or next;
            while (<$fh>) {
                return $s if /"user_agent":"\Q$agent\E"/;
            }
        }
        select undef, undef, undef, 0.1;
    }
    return 'none';
}

my $c = client();
my $n = 0;
my @probes;
for my $service (sort keys %{ $contract->{routes} }) {
    for my $path (@{ $contract->{routes}{$service}{paths} }) {
        push @probes, [ $path, $service ];
        # The ALB's patterns are prefixes (/signup*): so are HAProxy's.
        push @probes, [ "${path}x/y", $service ] unless $path eq '/';
    }
}
push @probes, [ '/anything-else', $contract->{default_service} ], [ '/static/style.css', 'board' ];
my %agent;
for my $p (@probes) {
    my $agent = "route-probe-$$-" . $n++;
    $c->get($p->[0], { 'User-Agent' => $agent });
    $agent{ $p->[0] } = $agent;
}
for my $p (@probes) {
    is served_by($agent{ $p->[0] }), $p->[1], "$p->[0] goes to $p->[1]";
}

# Health checks: each sidecar's /healthz answers through its pool.
for my $s (qw(signup hours board)) {
    my $h = HTTP::Tiny->new->get("http://$env->{uc($s) . '_SIDECAR'}$contract->{sidecar}{health_path}");
    is $h->{status}, 200, "$s sidecar answers $contract->{sidecar}{health_path}";
    is $h->{content}, "ok\n", '  from its pool';
}

# Security headers on every kind of response.
for my $t ([ '/board', 200 ], [ '/signup', 200 ], [ '/no/such/page', 404 ],
           [ '/board?after=x', 400 ], [ '/static/style.css', 200 ]) {
    my ($path, $status) = @$t;
    my $res = $c->get($path);
    is $res->{status}, $status, "GET $path is $status";
    my $h = $res->{headers};
    like $h->{'content-security-policy'}, qr/default-src 'none'/, '  CSP: nothing by default';
    like $h->{'content-security-policy'}, qr/frame-ancestors 'none'/, '  CSP: no framing';
    like $h->{'content-security-policy'}, qr/form-action 'self'/, '  CSP: forms post here only';
    is $h->{'x-content-type-options'}, 'nosniff', '  nosniff';
    is $h->{'x-frame-options'}, 'DENY', '  X-Frame-Options';
    is $h->{server}, 'nginx', '  no version in Server';
}

my $res = $c->get('/no/such/page');
like $res->{content}, qr{<h1>Page not found</h1>}, 'an unknown path gets the 404 page';
like $res->{content}, qr{<link rel="stylesheet" href="/static/style.css">}, '  in the site style';
is $c->get('/static/errors/_top.html')->{status}, 404, 'error page fragments are internal';
$res = $c->get('/static/style.css');
like $res->{headers}{'content-type'}, qr{^text/css}, 'the stylesheet is text/css';
like $res->{headers}{'cache-control'}, qr/max-age=3600/, '  cached for an hour';

# Compression, for clients that ask for it. Responses under 1 kB are
# not worth it, so the board gets enough astronauts to pass that.
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
psql($env, <<'SQL', -v => 'tag=' . unique_name('Gzip'));
INSERT INTO astro.astronauts (name, password_hash)
SELECT :'tag' || ' ' || i, '$s1$0d080a$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA=='
  FROM generate_series(1, 40) AS i;
SQL
sleep 1.2;    # past the anonymous board's 1 s cache
for my $path ('/board', '/board.json', '/static/style.css') {
    my $plain = $c->get($path);
    my $zipped = $c->get($path, { 'Accept-Encoding' => 'gzip' });
    is $zipped->{headers}{'content-encoding'}, 'gzip', "$path is gzipped when asked";
    ok !$plain->{headers}{'content-encoding'}, '  and not otherwise';
    my $out;
    gunzip(\$zipped->{content} => \$out) or diag $GunzipError;
    ok length($out // '') > 0 && length($zipped->{content}) < length($out),
        sprintf '  smaller (%d of %d bytes)', length($zipped->{content}), length($out // '');
}

# Brotli for clients that accept it, as browsers do, where nginx has the
# filter (scripts/deps installs Debian's; another nginx serves gzip
# only, nginx/render). Decoded with Debian's brotli tool.
SKIP: {
    skip 'no brotli filter for this nginx (gzip only)', 9
        unless -f '/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so';
    for my $path ('/board', '/board.json', '/static/style.css') {
        my $gz = $c->get($path, { 'Accept-Encoding' => 'gzip' });
        my $br = $c->get($path, { 'Accept-Encoding' => 'gzip, deflate, br' });
        is $br->{headers}{'content-encoding'}, 'br', "$path is brotli-encoded when br is accepted";
        my $file = "/tmp/astro-br-$$";
        open my $fh, '>:raw', $file or die "$file: $!\n";
        print $fh $br->{content};
        close $fh;
        my $out = `brotli -dc $file`;
        unlink $file;
        my $gunzipped;
        gunzip(\$gz->{content} => \$gunzipped) or diag $GunzipError;
        is $out, $gunzipped, '  the same body as gzip\'s, decoded';
        ok length($br->{content}) < length($gz->{content}),
            sprintf '  smaller than gzip (%d against %d bytes)', length($br->{content}), length($gz->{content});
    }
}

# Without the module (another nginx, or BROTLI_MODULE empty) the
# sidecar's configuration still loads, gzip only; a value nginx would
# misread is refused.
{
    my $render = "$FindBin::Bin/../nginx/render";
    my $out = File::Temp::tempdir('astro-render-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $msg = qx{BROTLI_MODULE= SERVICE=board '$render' '$out' 2>&1};
    is $?, 0, 'nginx/render without the brotli module' or diag $msg;
    unlike slurp_file("$out/modules.conf") . slurp_file("$out/brotli.conf"), qr/^\s*(load_module|brotli)\b/m,
        '  loads no module and sets no brotli directive';
    $msg = qx{nginx -t -p '$out' -c '$out/nginx.conf' 2>&1};
    is $?, 0, '  and nginx accepts the configuration' or diag $msg;
    qx{BROTLI_MODULE='/x;y' SERVICE=board '$render' '$out' 2>&1};
    is $? >> 8, 2, '  a BROTLI_MODULE with ";" is refused';
    unlike join('', map { slurp_file($_) } glob("$out/*.conf $out/*/*.conf")), qr/@[A-Z_]*@/,
        '  every placeholder of every file is filled';
    # A template naming a placeholder render does not know: refused, with
    # the file and line.
    my $copy = File::Temp::tempdir('astro-render-src-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    system('cp', '-R', "$FindBin::Bin/../nginx/.", $copy) == 0 or die "cp nginx/: $?\n";
    open my $fh, '>', "$copy/snippets/unknown.conf" or die "$copy: $!\n";
    print $fh "# a comment\nset \$x \@NO_SUCH_VALUE\@;\n";
    close $fh;
    $msg = qx{SERVICE=board '$copy/render' '$out' 2>&1};
    is $? >> 8, 2, 'a template with an unknown placeholder is refused';
    like $msg, qr{snippets/unknown\.conf:2:.*unfilled placeholder}s, '  naming its file and line' or diag $msg;
}

$res = $c->request('DELETE', '/hours');
is $res->{status}, 405, 'DELETE /hours is 405';
is $res->{headers}{allow}, 'GET, HEAD, POST', '  with Allow';
$res = $c->post('/board', 'x=1');
is $res->{status}, 405, 'POST /board is 405';
is $res->{headers}{allow}, 'GET, HEAD', '  with Allow';
like $res->{content}, qr{<h1>Method not allowed</h1>}, '  and a page';

# Bodies past the limit never reach a worker.
$res = $c->post('/signup', 'name=' . ('x' x 20000));
is $res->{status}, 413, 'a 20 kB body is refused';
like $res->{content}, qr{<h1>Too large</h1>}, '  with a page that says so';

# The sidecar sees the client's address (the one the load balancer saw,
# from X-Forwarded-For), and its log line and the pool's share one
# request id. (/hours: the board might come from the sidecar's cache and
# never reach the pool.)
my $ip = '127.77.' . int(rand 250) . '.9';
my $agent = "xff-probe-$$";
client(ip => $ip)->get('/hours', { 'User-Agent' => $agent });
my $line;
for (1 .. 30) {
    open my $fh, '<', "$env->{ASTRO_DIR}/log/nginx-hours.log" or die $!;
    ($line) = grep {/"user_agent":"\Q$agent\E"/} <$fh>;
    last if $line;
    select undef, undef, undef, 0.1;
}
ok $line, 'the sidecar logged the request';
my $log = decode_json($line);
is $log->{client}, $ip, '  with the client address from X-Forwarded-For';
like $log->{request_time}, qr/^[0-9.]+$/, '  request_time';
like $log->{upstream_response_time}, qr/^[0-9.]+$/, '  upstream_response_time';
open my $fh, '<', "$env->{ASTRO_DIR}/log/pool-hours.log" or die $!;
my ($pool) = map { decode_json($_) } grep {/"request_id":"$log->{request_id}"/} <$fh>;
ok $pool, "the pool logged the same request id ($log->{request_id})";
is $pool->{route}, '/hours', '  with its route';
is $pool->{status}, 303, '  its status';
ok defined $pool->{duration_ms} && $pool->{duration_ms} =~ /^[0-9.]+$/,
    "  its duration in ms ($pool->{duration_ms})";
ok defined $pool->{db_ms} && $pool->{db_ms} =~ /^[0-9.]+$/ && $pool->{db_ms} <= $pool->{duration_ms},
    "  and the part of it spent waiting for the database ($pool->{db_ms})";

done_testing;
