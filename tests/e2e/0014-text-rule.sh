# The one rule for text users bring, at every door of the design stage:
# bidi controls, zero-width characters, byte-order marks and line
# separators are refused in name banks (names --check, personas), in
# study.ini values, in template files and in the values a template is
# filled with (compose), each with its file and line or its application
# and field, and nothing is written.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z
new_study s
mkdir s/names
n=$(grep -n "	Ayşe	" "$TOP/templates/names/turkish.tsv" | cut -d: -f1)

# Name banks: each invisible character, in a name, is a problem of its line.
for c in '\342\200\256:a bidi control \(U\+202E\)' '\342\201\247:a bidi control \(U\+2067\)' \
	'\342\200\213:an invisible character \(U\+200B\)' '\342\200\215:an invisible character \(U\+200D\)' \
	'\357\273\277:a byte-order mark \(U\+FEFF\)' '\342\200\250:a line or paragraph separator \(U\+2028\)'; do
	bytes=${c%%:*} what=${c#*:}
	sed "s/\tAyşe\t/\tAy$(printf "$bytes")şe\t/" "$TOP/templates/names/turkish.tsv" >s/names/turkish.tsv
	expect_exit 1 ct -S s names --check
	expect_out "^s/names/turkish.tsv:$n: name contains $what"
	expect_exit 1 ct -S s names --check --json
	python3 -c 'import json,sys; d=json.load(open("out.txt")); assert not d["ok"] and [p["line"] for p in d["problems"]] == [int(sys.argv[1])], d' "$n"
	# personas refuses the bank and draws nobody.
	before=$(snapshot s)
	expect_exit 2 ct -S s personas
	expect_err "s/names/turkish.tsv:$n: name contains $what"
	[ "$(snapshot s)" = "$before" ] || fail "a bank with an invisible character changed the study"
done
rm -r s/names

# study.ini values: a separator in the city, a bidi control in a profile value.
cp s/study.ini ini.orig
sed -i "s/^city = .*/city = Gent$(printf '\342\200\250')Bcc: x@example.org/" s/study.ini
line=$(grep -n '^city = ' s/study.ini | cut -d: -f1)
expect_exit 2 ct -S s personas
expect_err "s/study.ini:$line: the value of 'city' contains a line or paragraph separator \(U\+2028\)"
cp ini.orig s/study.ini
printf 'occupation = ver\342\200\256pleger\n' >prof.txt
sed -i '/^\[profile\]$/r prof.txt' s/study.ini
sed -i '0,/^occupation = [^v]/{/^occupation = [^v]/d}' s/study.ini
line=$(grep -n '^occupation = ver' s/study.ini | cut -d: -f1)
expect_exit 2 ct -S s assign --check
expect_err "s/study.ini:$line: the value of 'occupation' contains a bidi control \(U\+202E\)"
cp ini.orig s/study.ini

# Compose: the values a template is filled with, and the header fields.
ct -S s personas >/dev/null
cat >l.csv <<'CSV'
ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title
A1,https://example.org/1,a1@example.be,X,agency,Y,Gent,800,1,2026-11-20,Studio
CSV
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
q() { sqlite3 s/study.db "$@"; }
refused() {
	before=$(snapshot s)
	expect_exit 2 ct -S s compose --check
	expect_err "$1"
	expect_exit 2 ct -S s compose --outbox ob
	expect_err "$1"
	[ ! -e ob ] || [ -z "$(ls ob/new)" ] || fail "files written despite /$1/"
	[ "$(snapshot s)" = "$before" ] || fail "a refused compose changed the study (/$1/)"
}
q "UPDATE listing SET area = 'Gent' || char(8238) || 'tneG' WHERE ref = 'A1'"
refused "application [0-9]+ \(listing A1\): templates/v[0-9].txt:[0-9]+: the value of listing.area contains a bidi control \(U\+202E\)"
q "UPDATE listing SET area = 'Gent' || char(8232) || 'Bcc: x@example.org' WHERE ref = 'A1'"
refused "the value of listing.area contains a line or paragraph separator \(U\+2028\)"
q "UPDATE listing SET area = 'Gent' WHERE ref = 'A1'"
# The sender's name goes into From: even when no template uses it.
p=$(q "SELECT persona FROM application ORDER BY id LIMIT 1")
q "UPDATE persona SET last_name = 'Peeters' || char(8207) WHERE id = $p"
refused "the value of persona.last_name contains a bidi control \(U\+200F\)"
q "UPDATE persona SET last_name = char(65279) || 'Peeters' WHERE id = $p"
refused "the value of persona.last_name contains a byte-order mark \(U\+FEFF\)"
q "UPDATE persona SET last_name = 'Peeters' WHERE id = $p"
q "UPDATE listing_contact SET contact_email = 'a1' || char(8203) || '@example.be'"
refused "the value of the listing's contact e-mail contains an invisible character \(U\+200B\)"
q "UPDATE listing_contact SET contact_email = 'a1@example.be'"

# Template files: an invisible character in the text itself.
cp s/templates/v2.txt v2.orig
printf 'Met vriendelijke groet,\342\200\213\n' >>s/templates/v2.txt
line=$(wc -l <s/templates/v2.txt)
refused "templates/v2.txt:$line: an invisible character \(U\+200B\) at column 24"
cp v2.orig s/templates/v2.txt
expect_exit 0 ct -S s compose --outbox ob
