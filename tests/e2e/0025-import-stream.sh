# Imports stream their input: a listings file and a response log read from a
# pipe (read twice where the import needs two passes), a log of thousands of
# rows imported whole or, with one bad row at its very end, not at all; and a
# syntax error after bad values reports both, with their lines.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-12-15T10:00:00Z CORRTEST_ACTOR=tester
q() { sqlite3 s/study.db "$1"; }
new_study s
ct -S s personas >/dev/null

# From a pipe: the same result as from the file.
cat "$FIXTURES/listings-good.csv" | ct -S s listings import /dev/stdin >out.txt
expect_out "Imported 6 listings from /dev/stdin"
[ "$(q 'SELECT count(*) FROM listing')" = 6 ] || fail "listings from a pipe"
ct -S s listings add --ref L-EXISTING --agent-type private >/dev/null
cat "$FIXTURES/responses-good.csv" | ct -S s import /dev/stdin >out.txt
expect_out "Imported 15 responses from /dev/stdin: 7 listings created, 15 applications created"
[ "$(q 'SELECT count(*) FROM response')" = 15 ] || fail "responses from a pipe"

# 3,000 pairs (6,000 rows), written here: each listing gets its control
# (belgian) and one test group, of one gender, the outcomes cycling.
python3 - <<'PY'
tests = ["maghrebi", "turkish", "african"]
outcomes = ["invitation", "info", "refusal", "other", "no_reply"]
with open("log.csv", "w") as f:
    f.write("listing,group,gender,outcome,agent_type\n")
    for p in range(1, 3001):
        g = "female" if p % 2 else "male"
        f.write(f"S{p},belgian,{g},{outcomes[p % 5]},agency\n")
        f.write(f"S{p},{tests[p % 3]},{g},{outcomes[(p * 3) % 5]},\n")
PY
# With a bad last row, nothing at all is imported.
cp log.csv bad.csv
echo "S1,african,female,invitation," >>bad.csv
before=$(snapshot s)
expect_exit 2 ct -S s import bad.csv
expect_err "bad.csv:6002: column listing: listing S1 would have 3 applications \(the others: line 2 and line 3\)"
expect_err "1 error in bad.csv; nothing was imported"
[ "$(snapshot s)" = "$before" ] || fail "a bad last row left changes"
expect_exit 0 ct -S s import log.csv
expect_out "Imported 6000 responses from log.csv: 3000 listings created, 6000 applications created\."
[ "$(q "SELECT count(*) FROM response WHERE coder = 'import:log.csv'")" = 6000 ] || fail "6000 responses"
# Counted from the generator: listing p's control outcome is outcomes[p % 5];
# 3000 % 5 = 0 gives invitation, 2999 % 5 = 4 no_reply.
[ "$(q "SELECT r.outcome FROM response r JOIN application a ON a.id = r.application JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE l.ref = 'S3000' AND g.name = 'belgian'")" = invitation ] ||
	fail "S3000 control"
[ "$(q "SELECT r.outcome FROM response r JOIN application a ON a.id = r.application JOIN listing l ON l.id = a.listing JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp WHERE l.ref = 'S2999' AND g.name = 'belgian'")" = no_reply ] ||
	fail "S2999 control"

# Bad values, then a syntax error: both reported, in line order, nothing kept.
before=$(snapshot s)
printf 'ref,agent_type,title\nA1,landlord,x\nA2,agency,"open\n' >syntax.csv
expect_exit 2 ct -S s listings import syntax.csv
expect_err "^corrtest listings: syntax.csv:2: column agent_type: 'landlord' must be agency or private"
expect_err "^corrtest listings: syntax.csv:3:11: column title: unterminated quoted field"
expect_err "2 errors in syntax.csv \(reading stopped at line 3\); nothing was imported"
[ "$(snapshot s)" = "$before" ] || fail "syntax.csv changed the study"
