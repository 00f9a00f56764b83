#!/usr/bin/perl
# A stack's database copied from a template (scripts/pg's PG_TEMPLATE,
# which scripts/stack uses under ASTRO_PG_TEMPLATE, as make test does):
# the copy has the template's data, its own socket, and is a cluster of
# its own (what one writes the other never sees); a template that is
# running, or no cluster at all, is refused with a clear error and no
# cluster is made.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use File::Temp qw(tempdir);
use Test::More;

my $top = "$FindBin::Bin/..";
my $dir = tempdir('astro-template-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;
my @started;
END {
    my $rc = $?;
    system("$top/scripts/pg", 'stop', $_) for @started;
    $? = $rc;
}

sub pg {
    my ($cmd, $name, %env) = @_;
    local @ENV{ keys %env } = values %env;
    my $out = `$top/scripts/pg $cmd '$dir/$name' 2>&1`;
    push @started, "$dir/$name" if $cmd eq 'start' && $? == 0;
    return ($? >> 8, $out);
}

sub sql {
    my ($name, $q) = @_;
    return psql({ PGHOST => "$dir/$name", PGDATABASE => 'postgres' }, $q);
}

my ($rc, $out) = pg('start', 'origin');
is $rc, 0, 'a cluster to copy starts' or diag $out;
sql('origin', 'CREATE TABLE kept (v text); INSERT INTO kept VALUES (\'from the template\')');

($rc, $out) = pg('start', 'running', PG_TEMPLATE => "$dir/origin/data");
isnt $rc, 0, 'a running cluster is not copied';
like $out, qr/PG_TEMPLATE=\S+ is not a stopped cluster/, '  and the error says why';
ok !-e "$dir/running/data/PG_VERSION", '  and no cluster is made';

($rc, $out) = pg('start', 'nothing', PG_TEMPLATE => "$dir/none");
isnt $rc, 0, 'a folder that holds no cluster is refused';
like $out, qr/is not a stopped cluster/, '  and the error says why';

($rc, $out) = pg('stop', 'origin');
is $rc, 0, 'the template stops' or diag $out;
for my $copy ('copy1', 'copy2') {
    ($rc, $out) = pg('start', $copy, PG_TEMPLATE => "$dir/origin/data");
    is $rc, 0, "$copy starts from the template" or diag $out;
    is sql($copy, 'SELECT v FROM kept'), 'from the template', '  with its data';
    is sql($copy, 'SHOW unix_socket_directories'), "$dir/$copy", '  on a socket in its own folder';
}
sql('copy1', "INSERT INTO kept VALUES ('copy1 only')");
is sql('copy2', 'SELECT count(*) FROM kept'), 1, 'what one copy writes the other does not see';
($rc, $out) = pg('start', 'origin');
is sql('origin', 'SELECT count(*) FROM kept'), 1, '  nor the template';
is sql('origin', 'SHOW unix_socket_directories'), "$dir/origin", '  whose socket stays its own';

# A copy that exists is started as it is, the template not copied again.
pg('stop', 'copy1');
sql('origin', "INSERT INTO kept VALUES ('later')");
pg('stop', 'origin');
($rc, $out) = pg('start', 'copy1', PG_TEMPLATE => "$dir/origin/data");
is sql('copy1', "SELECT string_agg(v, ', ' ORDER BY v) FROM kept"), 'copy1 only, from the template',
    'a copy started again keeps its own data';

done_testing;
