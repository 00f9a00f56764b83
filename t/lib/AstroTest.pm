package AstroTest;

# The helpers every HTTP test shares: a running stack, clients with
# their own cookies and client address, and the forms' hidden fields.
#
# A test uses the stack named by ASTRO_STACK (a stack.env written by
# scripts/stack start), which `make test` starts once for the suite. Run
# alone (`prove t/2001-hours.t`), a test starts a private stack on free
# ports and stops it when it ends; tests that stop parts of the stack
# ask for a private one with private_stack().

use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use MIME::Base64 ();
use Digest::SHA ();
use FindBin;
use HTTP::Tiny;
use JSON::PP ();
use Test::More;

our @EXPORT = qw(stack private_stack client unique_name form_fields psql
    html_unescape signup_ok token_hash board_find board_page_with
    wait_until hold_hours_lock hold_table_lock release_hours_lock pool_workers prom_query);

my $top = "$FindBin::Bin/..";
my ($shared, @owned);

# Whatever ends a test, its stacks are stopped: END blocks run on exit
# and die, but not when a signal kills the process, so a signal is turned
# into an exit, and a closed output (prove gone) is not fatal.
$SIG{TERM} = $SIG{INT} = $SIG{HUP} = sub { exit 1 };
$SIG{PIPE} = 'IGNORE';

sub _read_env {
    my ($file) = @_;
    open my $fh, '<', $file or die "cannot read $file: $!\n";
    my %env;
    while (<$fh>) {
        chomp;
        my ($k, $v) = split /=/, $_, 2;
        $env{$k} = $v if defined $v;
    }
    return \%env;
}

sub _start {
    my (%opt) = @_;
    my $dir = tempdir('astro-stack-XXXXXX', TMPDIR => 1, CLEANUP => 0);
    return _start_in($dir, %opt);
}

# Starts a stack on free ports in DIR (which may already hold a running
# cluster); it is stopped and DIR removed when the test ends.
sub _start_in {
    my ($dir, %opt) = @_;
    chmod 0755, $dir;
    my @cmd = ("$top/scripts/stack", 'start', '--port', '0', '--dir', $dir,
        '--variant', $ENV{ASTRO_VARIANT} || 'release');
    # One task per service unless the test asks for more (TASKS): a test
    # follows its requests into the task's logs and metrics through
    # stack.env's first-task names.
    local $ENV{TASKS} = 1;
    local @ENV{keys %{ $opt{env} || {} }} = values %{ $opt{env} || {} };
    push @owned, $dir;
    system(@cmd) == 0 or BAIL_OUT("could not start a stack in $dir");
    return $shared = _read_env("$dir/stack.env");
}

# The suite's stack (from ASTRO_STACK), or a private one for this file.
sub stack {
    return $shared if $shared;
    if (my $file = $ENV{ASTRO_STACK}) {
        return $shared = _read_env($file);
    }
    return $shared = _start();
}

# A stack of this test's own, for tests that stop or kill parts of it;
# from then on it is the stack clients of this test use. Environment
# settings for the services (WORKERS, DB_TIMEOUT_MS, ...) may be given.
sub private_stack {
    my (%env) = @_;
    return $shared = _start(env => \%env);
}

# A private stack's sanitizer reports fail the file that started it: a
# pool that aborted on one may not have failed any request the test made.
END {
    my $rc = $?;
    for my $dir (@owned) {
        system("$top/scripts/stack", 'stop', '--dir', $dir);
        for my $report (glob "$dir/log/sanitizer*") {
            open my $fh, '<', $report or next;
            print STDERR "sanitizer report $report:\n", <$fh>;
            $rc ||= 1;
        }
        system('rm', '-rf', $dir);
    }
    $? = $rc;
}

my $seq = 0;

# A name no other test run has used: PREFIX, then a random tail.
sub unique_name {
    my ($prefix) = @_;
    $seq++;
    return sprintf '%s %d%d%04x', $prefix // 'Astro', $$, $seq, int rand 65536;
}

# The result of the PromQL query Q on the Prometheus at URL (its list of
# series); an empty list when Prometheus does not answer.
sub prom_query {
    my ($url, $q) = @_;
    my $http = HTTP::Tiny->new(timeout => 10);
    my $res = $http->get("$url/api/v1/query?" . $http->www_form_urlencode({ query => $q }));
    return [] unless $res->{success};
    return JSON::PP::decode_json($res->{content})->{data}{result};
}

# True once CODE returns true, polled for up to SECONDS (ten unless
# given) of pauses between the polls: every 0.1 s for the first second,
# then every 0.5 s. Most waits end within a second; a long one polls a
# database or a process table twice a second, not ten times (each poll
# is a psql or a scan of /proc, and on two cores what it costs is taken
# from what is being waited for).
sub wait_until {
    my ($what, $seconds) = @_;
    my $left = $seconds // 10;
    for (my $try = 1; ; $try++) {
        return 1 if $what->();
        return 0 if $left <= 0;
        my $pause = $try <= 10 ? 0.1 : 0.5;
        select undef, undef, undef, $pause;
        $left -= $pause;
    }
}

# Holds an exclusive lock on astro.hours_entries from a session of its
# own, so that every POST /hours waits in the database. Returns the
# session's handle once the lock is granted, or undef. (Its "canceling
# statement" error at the release is expected: kept quiet.)
sub hold_hours_lock {
    my ($env) = @_;
    return hold_table_lock($env, 'hours_entries', 'EXCLUSIVE');
}

# Holds a lock of MODE ('EXCLUSIVE', 'ACCESS EXCLUSIVE') on astro.TABLE,
# as hold_hours_lock does; release_hours_lock releases it.
sub hold_table_lock {
    my ($env, $table, $mode) = @_;
    my $lockmode = join('', map { ucfirst lc } split / /, $mode) . 'Lock';
    local @ENV{_pg_vars($env)} = @{$env}{_pg_vars($env)};
    open my $lock, '|-', 'sh', '-c', 'exec psql -XAtq -U postgres -d astronaut_hours 2>/dev/null'
        or die $!;
    select((select($lock), $| = 1)[0]);
    print $lock "BEGIN; LOCK TABLE astro.$table IN $mode MODE; SELECT pg_sleep(600);\n";
    return wait_until(sub { psql($env, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        . " WHERE c.relname = '$table' AND l.mode = '$lockmode' AND l.granted") == 1 })
        ? $lock : undef;
}

sub release_hours_lock {
    my ($env, $lock) = @_;
    psql($env, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%'"
        . " AND pid <> pg_backend_pid()");
    close $lock;
}

# The workers of SERVICE's pool (its first task): pid => { policy, nice }
# (fields 41 and 19 of /proc/PID/stat; policy 0 normal, 5 SCHED_IDLE).
sub pool_workers {
    my ($env, $service) = @_;
    open my $fh, '<', "$env->{ASTRO_DIR}/pids/pool-$service.pid" or die "pool pid file: $!";
    chomp(my $supervisor = <$fh>);
    my %policy;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $s, '<', $stat or next;
        my ($pid, $rest) = (<$s> // '') =~ /^(\d+) \(.*\) (.*)/ or next;
        my @f = split ' ', $rest;    # from field 3 (state) on
        $policy{$pid} = { policy => $f[38], nice => $f[16] } if $f[1] == $supervisor;
    }
    return \%policy;
}

# What reaches the stack's database: a socket folder, or (with a standby)
# a host list, its ports and target_session_attrs=read-write.
sub _pg_vars {
    my ($env) = @_;
    return grep { defined $env->{$_} } qw(PGHOST PGPORT PGTARGETSESSIONATTRS);
}

# psql against the stack's database; returns the output, trimmed. Extra
# arguments are psql's (-v name=value, referred to as :'name' in SQL).
sub psql {
    my ($env, $sql, @args) = @_;
    local @ENV{_pg_vars($env)} = @{$env}{_pg_vars($env)};
    local $ENV{PGDATABASE} = $env->{PGDATABASE};
    local $ENV{PGUSER} = 'postgres';
    my $in = File::Temp->new;
    print $in $sql;
    close $in;
    open my $fh, '-|', 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', @args,
        '-f', $in->filename or die "psql: $!";
    local $/;
    my $out = <$fh>;
    close $fh or die "psql failed: $sql\n";
    $out //= '';
    $out =~ s/\s+\z//;
    return $out;
}

# The hex SHA-256 of a session token as the cookie carries it: what the
# database stores in place of the token.
sub token_hash {
    my ($token) = @_;
    (my $b64 = $token) =~ tr{-_}{+/};
    return Digest::SHA::sha256_hex(MIME::Base64::decode_base64($b64));
}

sub html_unescape {
    my ($s) = @_;
    $s =~ s/&lt;/</g;
    $s =~ s/&gt;/>/g;
    $s =~ s/&quot;/"/g;
    $s =~ s/&#39;/'/g;
    $s =~ s/&amp;/&/g;
    return $s;
}

# The hidden inputs of the form that posts to ACTION in HTML.
sub form_fields {
    my ($html, $action) = @_;
    my ($form) = $html =~ m{(<form[^>]*action="\Q$action\E".*?</form>)}s
        or return {};
    my %f;
    while ($form =~ /<input type="hidden" name="([^"]+)" value="([^"]*)"/g) {
        $f{$1} = html_unescape($2);
    }
    return \%f;
}

# A client: its own cookie jar and its own client address (a loopback
# address of its own, 127.x.y.z, that its connections come from, so the
# load balancer reports it and rate limits apply per test client and not
# to the whole suite). It also sends that address as X-Forwarded-For, as
# the ALB would when the client talks to a sidecar itself. Options:
# stack => (another stack), base => (another URL, e.g. a sidecar's, to
# act as the ALB itself), ip => (the client address).
sub client {
    my (%opt) = @_;
    my $env = $opt{stack} || stack();
    return AstroTest::Client->new($opt{base} || $env->{ASTRO_URL}, $opt{ip});
}

# Signs a new astronaut up through the pages; returns the client, signed in.
sub signup_ok {
    my ($name, $password) = @_;
    my $c = client();
    my $page = $c->get('/signup');
    my $res = $c->post('/signup', {
        %{ form_fields($page->{content}, '/signup') },
        name => $name, password => $password, confirm => $password });
    is $res->{status}, 303, "signed up as '$name'" or diag $res->{content};
    return $c;
}

# Every board view is at most a second stale (the sidecar's micro-cache
# for anonymous visitors, each worker's snapshot of the rows for
# everyone), and which worker answers is not known: the board helpers
# first let that second pass, so they read what was written before them.
sub _board_settle { select undef, undef, undef, 1.1 }

# Walks /board.json page by page (following "next") and returns the row
# for NAME, or undef. It reads the board as it is now: a session cookie
# (one that opens nothing) keeps the sidecar's one-second cache out of it.
sub board_find {
    my ($name, %opt) = @_;
    my $c = client(%opt);
    _board_settle();
    my $path = '/board.json';
    while (1) {
        my ($res, $json) = $c->json($path, { Cookie => 'ah_session=' . 'A' x 43 });
        return undef unless $res->{status} == 200 && $json;
        for my $row (@{ $json->{astronauts} }) {
            return $row if $row->{name} eq $name;
        }
        $path = $json->{next} or return undef;
    }
}

# Walks the HTML board with client C (following "Next") and returns the
# page with a row for NAME (as HTML, escaped), or undef.
sub board_page_with {
    my ($c, $name) = @_;
    my $path = '/board';
    _board_settle();
    while (1) {
        my $res = $c->get($path);
        return undef unless $res->{status} == 200;
        return $res->{content} if index($res->{content}, qq{<td class="name">$name}) >= 0;
        my ($next) = $res->{content} =~ m{<a href="(/board\?after=[^"]+)" rel="next">} or return undef;
        $path = $next;
    }
}

package AstroTest::Client;

use strict;
use warnings;

sub new {
    my ($class, $base, $ip) = @_;
    $ip //= sprintf '127.%d.%d.%d', 1 + int rand 250, int rand 250,
        1 + int rand 250;
    return bless {
        base => $base, ip => $ip, jar => {},
        http => HTTP::Tiny->new(max_redirect => 0, timeout => 30,
            agent => 'astro-test/1',
            ($ip =~ /^127\./ ? (local_address => $ip) : ())),
    }, $class;
}

sub ip { $_[0]{ip} }
sub base { $_[0]{base} }
sub cookie { $_[0]{jar}{ $_[1] } }
sub set_cookie { $_[0]{jar}{ $_[1] } = $_[2] }
sub clear_cookies { $_[0]{jar} = {} }

sub _store_cookies {
    my ($self, $res) = @_;
    my $h = $res->{headers}{'set-cookie'} or return;
    for my $line (ref $h ? @$h : $h) {
        my ($pair) = split /;/, $line;
        my ($k, $v) = split /=/, $pair, 2;
        if ($line =~ /Max-Age=0\b/i) {
            delete $self->{jar}{$k};
        } else {
            $self->{jar}{$k} = $v;
        }
    }
}

# request(METHOD, PATH, {headers => {...}, content => ...})
sub request {
    my ($self, $method, $path, $opt) = @_;
    my %h = ('X-Forwarded-For' => $self->{ip}, %{ $opt->{headers} || {} });
    if (%{ $self->{jar} } && !exists $h{Cookie}) {
        $h{Cookie} = join '; ', map {"$_=$self->{jar}{$_}"} sort keys %{ $self->{jar} };
    }
    delete $h{Cookie} unless defined $h{Cookie};
    my $res = $self->{http}->request($method, $self->{base} . $path, {
        headers => \%h,
        (defined $opt->{content} ? (content => $opt->{content}) : ()),
    });
    $self->_store_cookies($res);
    # A field sent more than once means its values joined by commas
    # (RFC 9110, 5.3); only Set-Cookie stays a list.
    for my $k (keys %{ $res->{headers} }) {
        my $v = $res->{headers}{$k};
        $res->{headers}{$k} = join ', ', @$v if ref $v && $k ne 'set-cookie';
    }
    return $res;
}

sub get {
    my ($self, $path, $headers) = @_;
    return $self->request('GET', $path, { headers => $headers });
}

# post(PATH, {field => value} | [field, value, ...] | 'raw body')
sub post {
    my ($self, $path, $form, $headers) = @_;
    my $body = ref $form eq 'HASH'
        ? $self->{http}->www_form_urlencode($form)
        : ref $form eq 'ARRAY'
        ? $self->{http}->www_form_urlencode($form)
        : $form;
    return $self->request('POST', $path, {
        headers => { 'Content-Type' => 'application/x-www-form-urlencoded',
            %{ $headers || {} } },
        content => $body });
}

# Fetches the page holding the form, then posts it with FIELDS added to
# its hidden fields (csrf, key).
sub submit {
    my ($self, $page_path, $action, $fields) = @_;
    my $page = $self->get($page_path);
    my $hidden = AstroTest::form_fields($page->{content}, $action);
    return $self->post($action, { %$hidden, %$fields });
}

sub json {
    my ($self, $path, $headers) = @_;
    my $res = $self->get($path, $headers);
    my $data = eval { JSON::PP->new->utf8->decode($res->{content}) };
    return ($res, $data);
}

1;
