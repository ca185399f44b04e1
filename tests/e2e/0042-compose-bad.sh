# compose: bad templates and bad field values found in QA. Each is refused
# with a message naming the file and line or the application and field,
# exit 2 (3 for the environment), no outbox file, and the study unchanged.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z
new_study s
ct -S s personas >/dev/null
cat >l.csv <<'EOF'
ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title
A1,https://example.org/1,a1@example.be,X,agency,Y,Gent,800,1,2026-11-20,Studio
A2,https://example.org/2,a2@example.be,X,agency,Y,Gent,820,1,2026-11-20,Loft
EOF
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
cp s/templates/v1.txt v1.orig
q() { sqlite3 s/study.db "$@"; }
# refused PATTERN: compose --check and --outbox both refuse with PATTERN;
# nothing written, the study unchanged.
refused() {
	before=$(snapshot s)
	expect_exit 2 ct -S s compose --check
	expect_err "$1"
	expect_exit 2 ct -S s compose --outbox ob
	expect_err "$1"
	[ ! -e ob ] || [ -z "$(ls ob/new)" ] || fail "files written despite /$1/"
	[ "$(snapshot s)" = "$before" ] || fail "a refused compose changed the study (/$1/)"
}

# Templates.
printf '\357\273\277' >s/templates/v1.txt; cat v1.orig >>s/templates/v1.txt
refused "templates/v1.txt:1: byte-order mark"
sed 's/$/\r/' v1.orig >s/templates/v1.txt
refused "templates/v1.txt:1: carriage return"
cp v1.orig s/templates/v1.txt; printf 'Caf\351 {{listing.area}}\n' >>s/templates/v1.txt
refused "templates/v1.txt:[0-9]+: invalid UTF-8 at column 4"
cp v1.orig s/templates/v1.txt; printf 'Zie {{listing.title|a {{b}}\n' >>s/templates/v1.txt
refused "templates/v1.txt:[0-9]+: '\{' or '\}' inside"
cp v1.orig s/templates/v1.txt; printf 'Zie {{listing.{{area}}}}\n' >>s/templates/v1.txt
refused "placeholders cannot be nested"
cp v1.orig s/templates/v1.txt; printf 'Zie {{listing.area\n' >>s/templates/v1.txt
refused "unclosed '\{\{'"
cp v1.orig s/templates/v1.txt; printf 'a\000b\n' >>s/templates/v1.txt
refused "templates/v1.txt: contains a NUL byte"
: >s/templates/v1.txt
refused "templates/v1.txt: no 'Subject:' line"
cp v1.orig s/templates/v1.txt
# A placeholder in a comment line is not one; a 1 MB body is fine.
sed '1i # {{listing.nope}} is only mentioned here' v1.orig >s/templates/v1.txt
expect_exit 0 ct -S s compose --check
python3 -c 'print(("Lorem ipsum {{listing.area}} dolor sit amet. " * 40 + "\n") * 560, end="")' >>s/templates/v1.txt
expect_exit 0 ct -S s compose --check
cp v1.orig s/templates/v1.txt

# Field values: U+2028 / U+2029 (shown as line breaks), NUL bytes (would cut
# the value short), an RFC 2047 encoded word (would be decoded by readers).
p=$(q "SELECT persona FROM application ORDER BY id LIMIT 1")
q "UPDATE listing SET area = 'Gent' || char(8232) || 'Bcc: x@example.org' WHERE ref = 'A1'"
refused "application [0-9]+ \(listing A1\): templates/v[0-9].txt:[0-9]+: the value of listing.area contains a line or paragraph separator"
q "UPDATE listing SET area = 'Gent' WHERE ref = 'A1'"
q "UPDATE persona SET last_name = 'A' || char(8233) || 'B' WHERE id = $p"
refused "the value of persona.(last|full)_name contains a line or paragraph separator"
q "UPDATE persona SET last_name = CAST(X'41004243' AS TEXT) WHERE id = $p"
refused "the value of persona.last_name contains a NUL byte"
q "UPDATE persona SET last_name = 'Peeters' WHERE id = $p"
q "UPDATE listing SET title = CAST(X'53747564696f00426363' AS TEXT) WHERE ref = 'A2'"
refused "\(listing A2\): the value of listing.title contains a NUL byte"
q "UPDATE listing SET title = 'Loft' WHERE ref = 'A2'"
q "UPDATE persona SET last_name = '=?utf-8?q?Admin?=' WHERE id = $p"
refused "the sender name contains '=\?'"
q "UPDATE persona SET last_name = 'Peeters' WHERE id = $p"
q "UPDATE listing SET title = '=?utf-8?q?Gratis=0ABcc:_x?=' WHERE ref = 'A1'"
refused "\(listing A1\): the subject contains '=\?'"
q "UPDATE listing SET title = 'Studio' WHERE ref = 'A1'"
expect_exit 0 ct -S s compose --check

# An outbox that is a file, or below one: exit 3, named.
touch afile
before=$(snapshot s)
expect_exit 3 ct -S s compose --outbox afile
expect_err "corrtest compose: afile is not a folder"
expect_exit 3 ct -S s compose --outbox afile/sub
expect_err "cannot create afile/sub"
[ "$(snapshot s)" = "$before" ] || fail "a refused outbox changed the study"

# A full disk (a 64 KiB tmpfs, where mounting is allowed): exit 3, no file
# left in tmp/ or new/, the study unchanged.
mkdir full
if mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
	trap 'umount full 2>/dev/null || true' EXIT
	dd if=/dev/zero of=full/fill bs=1k count=60 2>/dev/null || true
	expect_exit 3 ct -S s compose --outbox full/ob
	expect_err "No space left on device"
	[ -z "$(find full/ob -type f 2>/dev/null)" ] || fail "files left on a full disk"
	[ "$(snapshot s)" = "$before" ] || fail "a full disk changed the study"
	umount full
	trap - EXIT
else
	echo "note: cannot mount a tmpfs here; full-disk case skipped" >&2
fi
expect_exit 0 ct -S s compose --outbox ob --json
expect_out '"written":4'
