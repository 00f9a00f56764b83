-- The name policy in the schema (change name_policy): names in NFC, no
-- forbidden character, something visible, at most four marks in a row,
-- and one name per TS #39 skeleton of each kind (folded, as typed, in
-- capitals: change name_skeleton_cases). Each case is an INSERT and how it
-- must end (pg_temp.outcome, lib/helpers.sql); cases are rolled back.
-- Skeletons are ICU's (fcgi-apps/common/name.c), written out here.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
\ir lib/helpers.sql
SET LOCAL client_min_messages = warning;

SELECT plan(38);

INSERT INTO astro.astronauts (name, name_skeleton, name_skeleton_typed, name_skeleton_upper,
                              password_hash)
VALUES ('Admin', 'adrnin', 'Adrnin', 'ADMlN', pg_temp.password_hash()),
       (U&'Jos\00E9', U&'jose\0301', U&'Jose\0301', U&'JOSE\0301', pg_temp.password_hash());

SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.astronauts (name, name_skeleton, password_hash) VALUES (%L, %L, pg_temp.password_hash())',
		name, skeleton), 'astro_signup'),
	expected,
	'name ' || description || ': ' || expected)
  FROM (VALUES
	('in NFC', U&'Ren\00E9e', U&'rene\0301e', 'ok'),
	('in NFD', U&'Rene\0301e', U&'rene\0301e', '23514 astronauts_name_nfc'),
	('the NFC twin of an existing one, other case', U&'JOS\00C9', U&'jose\0301x',
	 '23505 astronauts_name_lower_key'),
	('with the skeleton of Admin (Cyrillic A)', U&'\0410dmin', 'adrnin',
	 '23505 astronauts_name_skeleton_key'),
	('with the skeleton of Admin (full-width)', U&'\FF21\FF44\FF4D\FF49\FF4E', 'adrnin',
	 '23505 astronauts_name_skeleton_key'),
	('with the skeleton of Admin (mathematical bold)', U&'\+01D400dmin', 'adrnin',
	 '23505 astronauts_name_skeleton_key'),
	('with U+00A0 only', U&'\00A0\00A0', 'x', '23514 astronauts_name_chars'),
	('with U+3000 only', U&'\3000', 'x', '23514 astronauts_name_chars'),
	('with U+3164 Hangul filler', U&'\3164', 'x', '23514 astronauts_name_chars'),
	('with U+2800 braille blank only', U&'\2800\2800', 'x', '23514 astronauts_name_visible'),
	('with a braille letter', U&'\2801', 'x', 'ok'),
	('with U+00AD soft hyphen', U&'Bu\00ADzz', 'x', '23514 astronauts_name_chars'),
	('with U+2060 word joiner', U&'Bu\2060zz', 'x', '23514 astronauts_name_chars'),
	('with U+061C Arabic letter mark', U&'Bu\061Czz', 'x', '23514 astronauts_name_chars'),
	('with U+034F grapheme joiner', U&'Bu\034Fzz', 'x', '23514 astronauts_name_chars'),
	('with U+FE0F variation selector', U&'Bu\FE0Fzz', 'x', '23514 astronauts_name_chars'),
	('with U+E0041 tag letter', U&'Bu\+0E0041zz', 'x', '23514 astronauts_name_chars'),
	('with U+FFFF noncharacter', U&'Bu\FFFFzz', 'x', '23514 astronauts_name_chars'),
	('with U+E000 private use', U&'Bu\E000zz', 'x', '23514 astronauts_name_chars'),
	('with U+0378 unassigned', U&'Bu\0378zz', 'x', '23514 astronauts_name_chars'),
	('with 4 marks on x', U&'x\0301\0302\0303\0304', 'x', 'ok'),
	('with 5 marks on x', U&'x\0301\0302\0303\0304\0305', 'x', '23514 astronauts_name_marks'),
	('with 50 marks on x', 'x' || repeat(U&'\0301', 50), 'x', '23514 astronauts_name_marks')
  ) AS cases (description, name, skeleton, expected);

SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.astronauts (name, name_skeleton, password_hash) VALUES (%L, %L, pg_temp.password_hash())',
		'Neil', skeleton), 'astro_signup'),
	expected,
	'skeleton ' || description || ': ' || expected)
  FROM (VALUES
	('empty', '', '23514 astronauts_name_skeleton_length'),
	('not in NFD', U&'n\00E9il', '23514 astronauts_name_skeleton_nfd'),
	('absent (filled in later by the backfill)', NULL, 'ok')
  ) AS cases (description, skeleton, expected);

-- The skeletons as typed and in capitals: each unique, each its own kind.
INSERT INTO astro.astronauts (name, name_skeleton, name_skeleton_typed, name_skeleton_upper,
                              password_hash)
VALUES ('BOB', 'bob', 'BOB', 'BOB', pg_temp.password_hash()),
       (U&'\0391\0392\0395', U&'a\00DF\A793', 'ABE', 'ABE', pg_temp.password_hash());

SELECT is(
	pg_temp.outcome(format(
		'INSERT INTO astro.astronauts (name, name_skeleton, name_skeleton_typed, name_skeleton_upper, password_hash) VALUES (%L, %L, %L, %L, pg_temp.password_hash())',
		name, folded, typed, upper), 'astro_signup'),
	expected,
	'name ' || description || ': ' || expected)
  FROM (VALUES
	('Cyrillic capitals, the skeleton of BOB as typed', U&'\0412\041E\0412', U&'\0299o\0299',
	 'BOB', 'BOB', '23505 astronauts_name_skeleton_typed_key'),
	('Cyrillic, mixed case, the skeleton of BOB in capitals', U&'\0412\043E\0432', U&'\0299o\0299',
	 U&'Bo\0299', 'BOB', '23505 astronauts_name_skeleton_upper_key'),
	('Latin capitals beside Greek ones', 'ABE', 'abe', 'ABE', 'ABE',
	 '23505 astronauts_name_skeleton_typed_key'),
	('Cherokee capitals beside Greek ones', U&'\13AA\13F4\13AC', 'ABE', 'ABE', 'ABE',
	 '23505 astronauts_name_skeleton_typed_key'),
	('Latin small letters beside Greek capitals', 'abe', 'abe', 'abe', 'ABE',
	 '23505 astronauts_name_skeleton_upper_key'),
	('keys compared with their own kind only (made up: BOB''s folded key as the others)',
	 'Bobby', 'bobby', 'bob', 'bob', 'ok'),
	('a typed skeleton empty', 'Neil', 'neil', '', 'NEIL', '23514 astronauts_name_skeleton_typed_length'),
	('a typed skeleton not in NFD', U&'N\00E9il', U&'ne\0301il', U&'N\00E9il', U&'NE\0301IL',
	 '23514 astronauts_name_skeleton_typed_nfd'),
	('a skeleton in capitals empty', 'Neil', 'neil', 'Neil', '', '23514 astronauts_name_skeleton_upper_length'),
	('a skeleton in capitals not in NFD', U&'N\00E9il', U&'ne\0301il', U&'Ne\0301il', U&'N\00C9IL',
	 '23514 astronauts_name_skeleton_upper_nfd'),
	('with all three keys', 'Neil', 'neil', 'Neil', 'NElL', 'ok')
  ) AS cases (description, name, folded, typed, upper, expected);

SELECT is((SELECT count(*) FROM astro.name_exceptions), 0::bigint,
	'rows that keep the policy are no exceptions');

SELECT finish();
ROLLBACK;
