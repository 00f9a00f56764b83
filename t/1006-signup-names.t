#!/usr/bin/perl
# The name policy through the sign-up form: each name is stored in NFC
# with its TS #39 skeletons, or refused with words beside the field and
# nothing stored; names that are another one in a different case, form
# or alphabet, in small letters, capitals or mixed case, are taken.
use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use AstroTest;
use Encode qw(encode_utf8 decode_utf8);
use Test::More;
use Unicode::Normalize qw(NFC NFD);

binmode Test::More->builder->$_, ':encoding(UTF-8)'
    for qw(output failure_output todo_output);

my $env = stack();
my $pw = 'first flight 1963';

sub signup {
    my ($name) = @_;
    my $c = client();
    my $page = $c->get('/signup');
    my $res = $c->post('/signup', { %{ form_fields($page->{content}, '/signup') },
        name => $name, password => $pw, confirm => $pw });
    return ($c, $res);
}

# The row for NAME (UTF-8 compared byte for byte): name, and the three
# skeletons (folded, as typed, in capitals).
sub stored {
    my ($name) = @_;
    my $row = psql($env, q{SELECT concat_ws(E'\t', name, coalesce(name_skeleton, '<null>'),
            coalesce(name_skeleton_typed, '<null>'), coalesce(name_skeleton_upper, '<null>'))
        FROM astro.astronauts WHERE convert_to(name, 'UTF8') = decode(:'hex', 'hex')},
        '-v', 'hex=' . unpack('H*', encode_utf8($name)));
    return $row eq '' ? () : split /\t/, decode_utf8($row);
}

sub count { psql($env, 'SELECT count(*) FROM astro.astronauts') }

my $tail = sprintf '%d%04d', $$, int rand 10000;

# Names that are stored: as sent, the name stored.
my @good = (
    [ 'plain ASCII', "Buzz $tail", "Buzz $tail" ],
    [ 'plain ASCII', "Buzz Aldrin $tail", "Buzz Aldrin $tail" ],
    [ 'NFD is stored in NFC', NFD("Renée $tail"), NFC("Renée $tail") ],
    [ 'Cyrillic', "Валентина $tail", "Валентина $tail" ],
    [ 'an emoji', "🚀 $tail", "🚀 $tail" ],
    [ 'four marks on one letter', "x\x{301}\x{302}\x{303}\x{304} $tail",
      "x\x{301}\x{302}\x{303}\x{304} $tail" ],
    [ 'a braille letter', "\x{2801} $tail", "\x{2801} $tail" ],
    [ 'Latin capitals', "BOB $tail", "BOB $tail" ],
    [ 'Latin, mixed case', "Abe $tail", "Abe $tail" ],
    [ 'Latin capitals with an I', "KIM $tail", "KIM $tail" ],
    [ 'Latin with a small l', "Alex $tail", "Alex $tail" ],
    [ 'Latin with a capital I', "Ian $tail", "Ian $tail" ],
    [ 'the same with an L: I and L stay apart', "Lan $tail", "Lan $tail" ],
);
for my $t (@good) {
    my ($why, $name, $want) = @$t;
    my ($c, $res) = signup($name);
    is $res->{status}, 303, "$why: signed up" or diag $res->{content};
    my ($stored, @skeletons) = stored($want);
    is $stored, $want, '  stored in NFC, as expected';
    is scalar(grep { $_ ne '<null>' } @skeletons), 3, '  with its three skeletons beside it';
}

my $forbidden = qr/control, invisible, private-use and unassigned characters are not allowed/;
# Names that are refused: name, status, words beside the field.
my @bad = (
    [ 'U+00A0 only', "\x{a0}\x{a0}", 422, qr/Use ordinary spaces only/ ],
    [ 'U+3000 only', "\x{3000}", 422, qr/Use ordinary spaces only/ ],
    [ 'U+3164 Hangul filler only', "\x{3164}", 422, $forbidden ],
    [ 'U+2800 braille blanks only', "\x{2800}\x{2800}", 422,
      qr/at least one visible letter, digit or symbol/ ],
    [ 'U+00AD soft hyphen', "Bu\x{ad}zz $tail", 422, $forbidden ],
    [ 'U+2060 word joiner', "Bu\x{2060}zz $tail", 422, $forbidden ],
    [ 'U+061C Arabic letter mark', "Bu\x{61c}zz $tail", 422, $forbidden ],
    [ 'U+034F combining grapheme joiner', "Bu\x{34f}zz $tail", 422, $forbidden ],
    [ 'U+FE0F variation selector', "Bu\x{fe0f}zz $tail", 422, $forbidden ],
    [ 'U+E0041 tag letter', "Bu\x{e0041}zz $tail", 422, $forbidden ],
    [ 'U+FFFF noncharacter', "Bu\x{ffff}zz $tail", 422, $forbidden ],
    [ 'U+E000 private use', "Bu\x{e000}zz $tail", 422, $forbidden ],
    [ 'U+0378 unassigned', "Bu\x{378}zz $tail", 422, $forbidden ],
    [ '50 marks on one letter', 'x' . ("\x{301}" x 50), 422,
      qr/at most 4 accents or other marks on one letter/ ],
    [ 'five marks on one letter', "x\x{301}\x{302}\x{303}\x{304}\x{305}", 422,
      qr/at most 4 accents or other marks on one letter/ ],
    [ 'the NFC form of a taken NFD name', NFC("RENÉE $tail"), 409, qr/That name is taken/ ],
    [ 'the NFD form of a taken name', NFD("Валентина $tail"), 409, qr/That name is taken/ ],
    [ 'Cyrillic а for a', "Buzz Аldrin $tail", 409,
      qr/That name looks like \x{201c}Buzz Aldrin $tail\x{201d}, which is taken/ ],
    [ 'full-width letters', join('', map { $_ eq ' ' ? ' ' : chr(ord($_) + 0xfee0) } split //, "Buzz $tail"),
      409, qr/That name looks like \x{201c}Buzz $tail\x{201d}/ ],
    [ 'mathematical bold B', "\x{1d401}uzz $tail", 409,
      qr/That name looks like \x{201c}Buzz $tail\x{201d}/ ],
    # Look-alikes in capitals and mixed case, from several scripts.
    [ 'Cyrillic capitals', "\x{412}\x{41e}\x{412} $tail", 409,
      qr/That name looks like \x{201c}BOB $tail\x{201d}/ ],
    [ 'Cyrillic, mixed case', "\x{412}\x{43e}\x{432} $tail", 409,
      qr/That name looks like \x{201c}BOB $tail\x{201d}/ ],
    [ 'a Cyrillic capital among Latin letters', "\x{412}OB $tail", 409,
      qr/That name looks like \x{201c}BOB $tail\x{201d}/ ],
    [ 'full-width capitals', "\x{ff22}\x{ff2f}\x{ff22} $tail", 409,
      qr/That name looks like \x{201c}BOB $tail\x{201d}/ ],
    [ 'full-width, mixed case', "\x{ff22}\x{ff4f}\x{ff42} $tail", 409,
      qr/That name looks like \x{201c}BOB $tail\x{201d}/ ],
    [ 'Greek capitals', "\x{391}\x{392}\x{395} $tail", 409,
      qr/That name looks like \x{201c}Abe $tail\x{201d}/ ],
    [ 'Greek, mixed case', "\x{39a}\x{3b9}\x{3bc} $tail", 409,
      qr/That name looks like \x{201c}KIM $tail\x{201d}/ ],
    [ 'Cherokee capitals', "\x{13aa}\x{13f4}\x{13ac} $tail", 409,
      qr/That name looks like \x{201c}Abe $tail\x{201d}/ ],
    [ 'a Cherokee capital among Latin letters', "\x{13aa}be $tail", 409,
      qr/That name looks like \x{201c}Abe $tail\x{201d}/ ],
    [ 'a capital I for a small l', "AIex $tail", 409,
      qr/That name looks like \x{201c}Alex $tail\x{201d}/ ],
);
for my $t (@bad) {
    my ($why, $name, $status, $words) = @$t;
    my $before = count();
    my ($c, $res) = signup($name);
    my $html = decode_utf8($res->{content});
    is $res->{status}, $status, "$why: $status";
    like $html, qr{<p class="error" id="name-error">[^<]*$words}, '  with words beside the name';
    is count(), $before, '  and nothing is stored';
    is $c->cookie('ah_session'), undef, '  and nobody is signed in';
}

# Logging in: the name as typed in another form finds the account.
my $c = client();
my $page = $c->get('/login');
my $res = $c->post('/login', { %{ form_fields($page->{content}, '/login') },
    name => NFD("renée $tail"), password => $pw });
is $res->{status}, 303, 'logging in with the name in NFD and another case works';

done_testing;
