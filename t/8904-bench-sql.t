#!/usr/bin/perl
# make bench's pgbench limits run the services' own statements: each
# statement a request sends, taken from the service's statement table
# with its parameters ($1, $2...) replaced by what the pgbench script
# passes, must be in the script, in the order the service sends them.
# A statement changed in the service and not in bench/sql fails here.
use strict;
use warnings;
use FindBin;
use Test::More;

my $top = "$FindBin::Bin/..";

sub slurp { open my $fh, '<', $_[0] or die "$_[0]: $!"; local $/; <$fh> }

# The C string literals of statement NAME in FILE, joined.
sub statement {
    my ($file, $name) = @_;
    my $src = slurp($file);
    my ($body) = $src =~ /"\Q$name\E",\s*\\?\s*((?:"(?:[^"\\]|\\.)*"\s*\\?\s*)+)/s
        or die "$name not found in $file\n";
    return join '', $body =~ /"((?:[^"\\]|\\.)*)"/g;
}

sub squash { my ($s) = @_; $s =~ s/\s+/ /g; $s =~ s/\s*([(),;])\s*/$1/g; $s =~ s/^ | $//g; return $s }

# The service's statement with its parameters replaced by ARGS.
sub as_run {
    my ($sql, @args) = @_;
    $sql =~ s/\$(\d+)/$args[$1 - 1] \/\/ die "no argument for \$$1\n"/ge;
    return squash($sql);
}

# The SQL statements of a pgbench script, meta-commands dropped and
# \gset ending its statement.
sub script_statements {
    my ($file) = @_;
    my $text = slurp($file);
    $text =~ s/^--.*\n//mg;
    $text =~ s/^\\set .*\n//mg;
    $text =~ s/\\gset/;/g;
    return map { squash($_) } grep {/\S/} split /;/, $text;
}

my $common = "$top/fcgi-apps/common/app.h";
my $hours = "$top/fcgi-apps/hours/main.c";
my $lookup = statement($common, 'session_lookup');
# The hash hashed once, in a subquery (see hours_post.sql).
my $session = as_run($lookup, q{(SELECT sha256(convert_to('bench-session-' || :k, 'UTF8')))});
my $key = q{(lpad(to_hex(:hi::bigint), 16, '0') || lpad(to_hex(:lo::bigint), 16, '0'))::uuid};

# What POST /hours sends (hours_post in fcgi-apps/hours/hours.c): the
# session, the key's look-up, the rate limit's count, the insert.
my %scripts = (
    'hours_post.sql' => [
        $session =~ s/^SELECT a\.id,/SELECT a.id AS aid,/r,
        as_run(statement($hours, 'hours_by_key'), ':aid', $key),
        as_run(statement($hours, 'hours_recent'), ':aid', ':window'),
        as_run(statement($hours, 'hours_insert'), ':aid', '1.5', q{DATE '2025-03-01' - :day::int}, q{''}, $key),
    ],
    'session_lookup.sql' => [ as_run($lookup, ':token') ],
    'hours_get.sql' => [
        $session =~ s/^SELECT a\.id,/SELECT a.id AS aid,/r,
        as_run(statement($hours, 'hours_day'), ':aid', 'CURRENT_DATE'),
        as_run(statement($hours, 'hours_summary'), ':aid'),
        as_run(statement($hours, 'hours_list'), ':aid', ':lim'),
    ],
    'board_first.sql' => [ as_run(statement("$top/fcgi-apps/board/main.c", 'board_first'), ':lim') ],
);
for my $script (sort keys %scripts) {
    my @got = script_statements("$top/bench/sql/$script");
    is_deeply \@got, $scripts{$script}, "bench/sql/$script runs the service's statements, in order"
        or diag join "\n", 'the service:', @{ $scripts{$script} }, 'the script:', @got;
}

# Every statement the hours service sends is one this test knows: a new
# one fails here until it is placed in the scripts above or left out of
# POST /hours on purpose.
my $post = slurp("$top/fcgi-apps/hours/hours.c");
my %used = map { $_ => 1 } $post =~ /db_exec\([^,]+,\s*(STMT_[A-Z_]+)/g;
is_deeply [ sort keys %used ],
    [ sort qw(STMT_HOURS_BY_KEY STMT_HOURS_RECENT STMT_HOURS_INSERT STMT_HOURS_DAY STMT_HOURS_SUMMARY STMT_HOURS_LIST) ],
    "the hours service's statements are the ones this test knows";

done_testing;
