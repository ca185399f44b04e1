# init with values that would only fail later, inside a study.ini the user
# has not seen: each is refused naming the option, and nothing is created.
# study.ini dates are digits only (sscanf alone takes " 1" for a month).
. "$E2E_DIR/lib.sh"
long=$(python3 -c 'print("x" * 5000)')
expect_exit 2 ct init a --city "$long"
expect_err "^corrtest init: --city must be at most 100 bytes"
expect_exit 2 ct init a --city "   "
expect_err "^corrtest init: --city must not be empty"
expect_exit 2 ct init a --start 1969-12-31
expect_err "^corrtest init: --start must be a date YYYY-MM-DD"
expect_exit 2 ct init a --start "2026- 1-05"
expect_err "^corrtest init: --start must be a date YYYY-MM-DD"
[ ! -e a ] || fail "a refused init left a folder behind"

new_study s
sed 's/^start = .*/start = 2026- 1-05/' s/study.ini >ini && cp ini s/study.ini
line=$(grep -n '^start = ' s/study.ini | cut -d: -f1)
expect_exit 2 ct -S s listings list
expect_err "^corrtest listings: s/study.ini:$line: \[schedule\] start: must be a date YYYY-MM-DD"
new_study t
# A city of 100 bytes (50 two-byte letters) fits.
expect_exit 0 ct init c100 --city "$(python3 -c 'print("é" * 50)')"

# mail_domain must make addresses a mail parser accepts: no empty label
# (an empty value gave "first.last@"), no hyphen at a label's end.
for dom in "" "x..be" "-x.be" "x.be." "x-.be"; do
	sed "s/^mail_domain = .*/mail_domain = $dom/" t/study.ini >ini2 && cp ini2 t/study.ini
	line=$(grep -n '^mail_domain = ' t/study.ini | cut -d: -f1)
	before=$(snapshot t)
	expect_exit 2 ct -S t personas
	expect_err "^corrtest personas: t/study.ini:$line: \[personas\] mail_domain: must be a domain name"
	[ "$(snapshot t)" = "$before" ] || fail "study changed"
done
sed "s/^mail_domain = .*/mail_domain = mail.example.org/" t/study.ini >ini2 && cp ini2 t/study.ini
expect_exit 0 ct -S t personas
[ "$(sqlite3 t/study.db "SELECT count(*) FROM persona WHERE email LIKE '%_@mail.example.org'")" = 8 ] ||
	fail "addresses at the study's domain"
