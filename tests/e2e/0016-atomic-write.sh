# A file corrtest writes atomically (here export -o into the study folder)
# goes through a temporary file of a name nobody can foresee, created
# exclusively and never through a symbolic link. A link planted under each
# predictable name the temporary file once had (FILE.tmp.PID, for every
# possible PID) must not redirect the write: its target stays untouched.
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z
new_study s
ct -S s personas >/dev/null
cat >l.csv <<'CSV'
ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title
A1,https://example.org/1,a1@example.be,X,agency,Y,Gent,800,1,2026-11-20,Studio
CSV
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
echo "precious" >victim.txt
python3 - "$PWD/victim.txt" <<'PY'
import os, sys
pid_max = int(open("/proc/sys/kernel/pid_max").read())
for pid in range(1, pid_max + 1):
    os.symlink(sys.argv[1], f"s/export.csv.tmp.{pid}")
PY
expect_exit 0 ct -S s export assignments -o s/export.csv
[ "$(cat victim.txt)" = "precious" ] || fail "the write went through a planted link into victim.txt"
head -1 s/export.csv | grep -q '^listing_ref,' || fail "export.csv was not written"
[ ! -L s/export.csv ] || fail "export.csv is a link"
# No temporary file is left behind.
[ -z "$(find s -maxdepth 1 -name 'export.csv.tmp-*')" ] || fail "a temporary file was left"
# A link at the target itself is replaced by the file, not followed.
rm s/export.csv
ln -s "$PWD/victim.txt" s/export.csv
expect_exit 0 ct -S s export assignments -o s/export.csv
[ "$(cat victim.txt)" = "precious" ] || fail "the write followed a link at the target"
