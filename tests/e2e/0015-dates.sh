# A year before 1900 is a typing slip (0026 for 2026), not a date: refused
# with a message that says so, wherever a date is read, the study unchanged.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z
expect_exit 2 ct init a --start 0026-12-07
expect_err "^corrtest init: --start has a year before 1900"
[ ! -e a ] || fail "a refused init left a folder"

new_study s
cat >l.csv <<'CSV'
ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title
A1,https://example.org/1,a1@example.be,X,agency,Y,Gent,800,1,2026-11-20,Studio
A2,https://example.org/2,a2@example.be,X,agency,Y,Gent,820,1,0026-11-20,Loft
CSV
before=$(snapshot s)
expect_exit 2 ct -S s listings import l.csv
expect_err "l.csv:3"
expect_err "0026-11-20"
[ "$(snapshot s)" = "$before" ] || fail "a refused import changed the study"
sed -i 's/0026-11-20/1899-12-31/' l.csv
expect_exit 2 ct -S s listings import l.csv
expect_err "l.csv:3"
sed -i 's/1899-12-31/1900-01-01/' l.csv
expect_exit 0 ct -S s listings import l.csv

cp s/study.ini ini.orig
sed -i 's/^start = .*/start = 0026-12-07/' s/study.ini
line=$(grep -n '^start = ' s/study.ini | cut -d: -f1)
expect_exit 2 ct -S s listings list
expect_err "s/study.ini:$line: \[schedule\] start: has a year before 1900"
cp ini.orig s/study.ini

