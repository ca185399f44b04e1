# send --live runs the pre-flight check first and refuses while it finds an
# error: exit 2, each error named, 'corrtest check' pointed to, before
# anything connects (a listener on the configured SMTP and IMAP ports sees
# no connection) and with the study unchanged. There is no flag to override
# it. Once the errors are fixed, send --live goes past the check (and then
# fails at the stand-in server, which hangs up).
. "$E2E_DIR/lib.sh"
export CORRTEST_NOW=2026-11-22T12:00:00Z

# A loopback listener that records every connection to its two ports and
# closes it at once.
python3 - <<'PY' &
import socket, threading
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    socks.append(s)
open("ports.txt", "w").write(" ".join(str(s.getsockname()[1]) for s in socks) + "\n")
def serve(s):
    while True:
        c, _ = s.accept()
        with open("connections.txt", "a") as f:
            f.write(f"{s.getsockname()[1]}\n")
        c.close()
for s in socks:
    threading.Thread(target=serve, args=(s,), daemon=True).start()
threading.Event().wait()
PY
listener=$!
trap 'kill $listener 2>/dev/null || :' EXIT
n=0
while [ ! -s ports.txt ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
read -r smtp_port imap_port <ports.txt
: >connections.txt

new_study s
sed -i -e "s|^smtp_url =.*|smtp_url = smtp://127.0.0.1:$smtp_port|" \
	-e "s|^imap_url =.*|imap_url = imap://127.0.0.1:$imap_port|" s/study.ini
ct -S s personas >/dev/null
{
	echo 'ref,url,contact_email,contact_name,agent_type,agent,area,price,round,posted_on,title'
	for i in 1 2 3 4; do
		echo "L$i,https://immo.be/$i,verhuur$i@kantoor$i.be,Kantoor $i,agency,Kantoor $i,Gent,900,1,2026-11-20,Studio"
	done
} >l.csv
ct -S s listings import l.csv >/dev/null
ct -S s assign >/dev/null
umask 077
for e in $(sqlite3 s/study.db "SELECT email FROM persona ORDER BY id"); do
	printf '[%s]\npassword = pw-%s\n' "$e" "$e"
done >s/secrets.ini
umask 022
export CORRTEST_NOW=2027-03-01T12:00:00Z
before=$(snapshot s)

# The preset's fictitious phones ('#' placeholders): refused, named. (Its
# .invalid domain is only a warning here: the mail server is on loopback,
# a rehearsal.)
expect_exit 2 ct -S s send --live
expect_err '^corrtest send: placeholder-phone: .*\+32 460 00 00 01'
expect_err "^corrtest send: refused: the pre-flight check found [0-9]+ errors? .*see 'corrtest check'"
[ ! -s connections.txt ] || fail "send --live connected before refusing"
[ "$(snapshot s)" = "$before" ] || fail "a refused send --live changed the study"
# The check agrees: every error send named, check names too.
expect_exit 1 ct -S s check --json
python3 -c 'import json; d = json.load(open("out.txt")); print("\n".join(sorted({f["code"] for f in d["findings"] if f["severity"] == "error"})))' >check-codes.txt
set +e
ct -S s send --live >/dev/null 2>err.txt
set -e
sed -n 's/^corrtest send: \([a-z-]*\): .*/\1/p' err.txt | grep -v '^refused$' | sort -u >send-codes.txt
cmp -s check-codes.txt send-codes.txt || { diff check-codes.txt send-codes.txt; fail "send and check name different errors"; }
grep -qx placeholder-phone send-codes.txt || fail "placeholder-phone not among the errors"

# No override: an unknown flag is a usage error, not a way past the check.
for flag in --force --no-check --skip-check; do
	expect_exit 2 ct -S s send --live $flag
	expect_err 'unknown option'
done
[ ! -s connections.txt ] || fail "send --live connected"

# Fixed: a phone per persona and a mail domain of the study's own, in
# study.ini and on the drawn personas (redrawn: nothing was sent). Now the
# check passes, send --live connects (to the stand-in, which hangs up: the
# application fails, exit 1, or the server is unusable, exit 3), and nothing
# is marked sent.
awk '/^\[group .*\]$/ { g[n++] = substr($0, 8, length($0) - 8) } { print }
	/^\[phones\]$/ { for (i = 0; i < n; i++) printf "%s.female = +32 470 12 %02d 01\n%s.male = +32 470 12 %02d 02\n", g[i], i, g[i], i }' \
	s/study.ini >ini.tmp && mv ini.tmp s/study.ini
sed -i -e 's/^mail_domain = .*/mail_domain = woonstudie-gent.be/' \
	-e 's/^min_interval_seconds = .*/min_interval_seconds = 0/' -e 's/^retries = .*/retries = 0/' s/study.ini
ct -S s personas --redraw >/dev/null
umask 077
for e in $(sqlite3 s/study.db "SELECT email FROM persona ORDER BY id"); do
	printf '[%s]\npassword = pw-%s\n' "$e" "$e"
done >s/secrets.ini
umask 022
expect_exit 0 ct -S s check
set +e
CORRTEST_BACKOFF_MS=1 ct -S s send --live --limit 1 >out.txt 2>err.txt
rc=$?
set -e
[ $rc = 1 ] || [ $rc = 3 ] || { cat err.txt; fail "send --live past the check exited $rc, wanted 1 or 3"; }
if grep -q 'pre-flight' err.txt; then fail "the check refused a correct study"; fi
[ -s connections.txt ] || fail "send --live did not get as far as connecting"
[ "$(sqlite3 s/study.db "SELECT count(*) FROM application WHERE status = 'sent'")" = 0 ] || fail "something was marked sent"
echo "ok: send --live refuses on pre-flight errors"
