#!/usr/bin/perl
# Passwords: new ones too easy to guess are refused; passwords are put in
# NFC before hashing, and hashes made before that still verify; wrong
# passwords make a name wait, a little longer each time but never more
# than a minute, so nobody can lock an astronaut out. What is stored is
# checked in the database.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Test::More;
use Unicode::Normalize qw(NFC NFD);

my $env = stack();
sub count { psql($env, 'SELECT count(*) FROM astro.astronauts') }

# ---- passwords too easy to guess -----------------------------------
for my $t ([ 'password', 0 ], [ 'Password1', 0 ], [ '12345678', 0 ], [ 'qwertyuiop', 0 ],
           [ 'aaaaaaaa', 0 ], [ ' ' x 8, 0 ], [ 'abababab', 0 ],
           [ 'correct horse battery staple', 1 ]) {
    my ($pw, $good) = @$t;
    my $before = count();
    my $res = client()->submit('/signup', '/signup',
        { name => unique_name('Weak'), password => $pw, confirm => $pw });
    if ($good) {
        is $res->{status}, 303, "'$pw' is accepted";
        is count(), $before + 1, '  and stored';
    } else {
        is $res->{status}, 422, "'$pw' is refused";
        like $res->{content}, qr{<p class="error" id="password-error">This password is too easy to guess},
            '  with words beside the password';
        is count(), $before, '  and nothing is stored';
    }
}

sub login {
    my ($name, $pw) = @_;
    return client()->submit('/login', '/login', { name => $name, password => $pw });
}

# ---- NFC ------------------------------------------------------------
my $name = unique_name('Nfc');
my $pw = NFD('José in orbit');
my $res = client()->submit('/signup', '/signup', { name => $name, password => $pw, confirm => NFC($pw) });
is $res->{status}, 303, 'signing up with a password typed in NFD (confirmed in NFC)';
is login($name, NFC($pw))->{status}, 303, '  logs in with it in NFC';
is login($name, NFD($pw))->{status}, 303, '  and in NFD';

# A hash from before passwords were normalized: scrypt of the NFD bytes.
my $old = unique_name('Legacy');
my $mcf = `python3 -c '
import base64, hashlib, os, sys
pw = sys.argv[1].encode(); salt = os.urandom(16)
h = hashlib.scrypt(pw, salt=salt, n=16384, r=8, p=1, dklen=64)
print("\$s1\$0e0801\$" + base64.b64encode(salt).decode() + "\$" + base64.b64encode(h).decode())
' '@{[ NFD("Ångström-21") =~ s/'/'\\''/gr ]}'`;
chomp $mcf;
psql($env, "INSERT INTO astro.astronauts (name, password_hash) VALUES (:'n', :'h')",
    -v => "n=$old", -v => "h=$mcf");
is login($old, NFD('Ångström-21'))->{status}, 303, 'an old hash of an NFD password still verifies, typed in NFD';
is login($old, NFC('Ångström-21'))->{status}, 403, '  (typed in NFC it never matched, and still does not)';

# ---- wrong passwords make a name wait ----------------------------------
is psql($env, 'SELECT string_agg(extract(epoch FROM astro.login_delay(n))::int::text, \',\' ORDER BY n)'
    . ' FROM unnest(ARRAY[1, 5, 6, 7, 10, 11, 12, 100000]) AS n'), '0,0,2,4,32,60,60,60',
    'the wait after n wrong passwords: none for 5, then 2, 4 ... seconds, never past a minute';

$name = unique_name('Guarded');
my $right = 'guarded by a minute';
signup_ok($name, $right);
sub failures {
    psql($env, 'SELECT coalesce((SELECT f.failures FROM astro.login_failures f'
        . " JOIN astro.astronauts a ON a.id = f.astronaut_id WHERE a.name = :'n'), 0)", -v => "n=$name");
}
# Each wait is brought forward in the database rather than slept
# through (time passing), up to the ninth wrong password: then the name
# waits 16 seconds, long enough for the checks below on a busy machine.
sub wait_over {
    psql($env, 'UPDATE astro.login_failures SET retry_at = now() WHERE astronaut_id ='
        . " (SELECT id FROM astro.astronauts WHERE name = :'n')", -v => "n=$name");
}
for my $i (1 .. 9) {
    $res = login($name, "wrong guess $i");
    is $res->{status}, 403, "wrong password $i: 403";
    is failures(), $i, "  $i wrong in a row stored";
    wait_over() if $i < 9;
}
$res = login($name, $right);
is $res->{status}, 429, 'right after the 9th, even the right password waits: 429';
like $res->{content}, qr{Too many wrong passwords for this name}, '  saying why';
like $res->{headers}{'retry-after'} // '', qr/^([1-9]|1[0-6])$/, '  for at most 16 seconds';
my $sc = $res->{headers}{'set-cookie'} // [];
is scalar(grep {/ah_session=[^;]/} ref $sc ? @$sc : ($sc)), 0, '  and signs nobody in';
$res = login($name, 'another wrong guess');
is $res->{status}, 429, 'a guess while waiting: 429, not checked';
is failures(), 9, '  and it does not lengthen the wait';
wait_over();
is login($name, $right)->{status}, 303, 'once the wait is over the right password signs in';
is failures(), 0, '  and the count starts again';

done_testing;
