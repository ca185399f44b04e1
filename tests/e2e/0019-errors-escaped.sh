# Error messages quote what a user's file holds (a header name, a value), and
# a file may hold terminal escape sequences: every message on stderr shows
# them escaped, so that a crafted file cannot retitle the terminal, clear it
# or reorder the line a user reads. The study stays unchanged.
. "$E2E_DIR/lib.sh"
new_study s
before=$(snapshot s)
esc=$(printf '\033')
bel=$(printf '\007')
# An OSC "set title" sequence and a CSI "clear screen" in a header name.
printf 'ref,url,contact_email,agent_type,%s]0;PWNED%sx,%s[2Jy\n' "$esc" "$bel" "$esc" > bad.csv
printf 'G1,https://example.org/1,a@example.org,agency,1,2\n' >> bad.csv
# The ';' of the OSC sequence would make the separator ambiguous: the
# file is named comma-separated, so that the message naming the column is
# the one shown.
expect_exit 2 ct -S s listings import --delimiter , bad.csv
if grep -q "$esc" err.txt || grep -q "$bel" err.txt; then
	od -c err.txt | head >&2
	fail "a raw escape or bell byte reached stderr"
fi
# The bytes are shown as text, in the message that names the column.
expect_err '\\x1b\]0;PWNED\\x07x'
expect_err 'bad\.csv'
[ "$(snapshot s)" = "$before" ] || fail "the study changed"
# The same for a usage error that quotes an argument.
expect_exit 2 ct -S s stats --by "area${esc}[31m"
grep -q "$esc" err.txt && fail "a raw escape reached stderr in a usage error"
expect_err "area\\\\x1b\\[31m"
echo "ok: errors escaped"
