# Commands that hold mailbox passwords harden themselves: with
# $SSLKEYLOGFILE set, send and decline over TLS write no TLS key log
# (libcurl would);
# a running `send --live` (held by the server's delay fault) has a core
# size limit of 0, is not dumpable (its /proc files belong to root) and
# refuses a ptrace attach by its own user; a password ending in spaces is
# kept exactly and logs in over SMTPS and IMAPS; an empty password is
# refused with exit 2, naming the secrets file and line.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 2 "smtps://127.0.0.1:$SMTPS_PORT" "imaps://127.0.0.1:$IMAPS_PORT" "$CA_FILE"

# 1. No TLS key log. libcurl (as the curl tool shows) honours the variable.
first=$(q s "SELECT p.email FROM persona p ORDER BY id LIMIT 1")
SSLKEYLOGFILE=$PWD/curl-keys.log curl -s --cacert "$CA_FILE" "imaps://127.0.0.1:$IMAPS_PORT/" \
	-u "landlord1@example.test:ll-pw-1-$$" >/dev/null || fail "curl could not log in over IMAPS"
[ -s curl-keys.log ] || fail "libcurl here writes no key log: the test would show nothing"
SSLKEYLOGFILE=$PWD/keys.log expect_exit 0 ct -S s send --live --limit 1 --json
expect_out '"sent":1,'
[ ! -e keys.log ] || fail "send --live wrote the TLS session keys to \$SSLKEYLOGFILE"

# 2. Passwords ending in spaces, for every persona, at the server too (the
# passwd-file keeps them; adduser.sh refuses spaces, so written here).
set_pw() {
	tmp="$MD/.users.t$$"
	{ grep -v "^$1:" "$MD/users" || :; printf '%s:{PLAIN}%s::::::\n' "$1" "$2"; } >"$tmp"
	chmod 600 "$tmp"
	mv "$tmp" "$MD/users"
}
umask 077
: >s/secrets.ini
for e in $(q s "SELECT email FROM persona ORDER BY id"); do
	pw="Sp-$(echo "$e" | cut -d@ -f1)-$$  "
	set_pw "$e" "$pw"
	printf '[%s]\npassword = %s\n' "$e" "$pw" >>s/secrets.ini
done
umask 022
sleep 1 # Dovecot notices a changed passwd-file by its size and mtime
# The server tells the two apart: trimmed is refused, exact logs in.
/usr/bin/python3 - "$SMTP_PORT" "$first" "Sp-$(echo "$first" | cut -d@ -f1)-$$  " <<'PY' || fail "the server does not keep trailing spaces: the test would show nothing"
import smtplib, sys
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost") as s:
    try:
        s.login(user, pw.rstrip())
        sys.exit("the trimmed password was accepted")
    except smtplib.SMTPAuthenticationError:
        pass
with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost") as s:
    s.login(user, pw)
PY

# 3. A running send, held 2 s by the server after each message: no core,
# not dumpable, no ptrace attach. As root it runs as nobody, so that
# "its /proc files belong to root" and "its own user cannot attach" mean
# something.
if [ "$(id -u)" = 0 ]; then
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 755 "$PWD"
	chown -R 65534:65534 s
	uid=65534
else
	as_user="" uid=$(id -u)
fi
echo 2 >"$MD/faults/delay"
logins=$(grep -c "auth ok" "$MD/smtpd.log")
$as_user "$CORRTEST" -S s send --live --json >run.out 2>run.err &
pid=$!
n=0
while [ "$(grep -c "auth ok" "$MD/smtpd.log")" = "$logins" ]; do
	n=$((n + 1))
	[ $n -lt 200 ] || fail "send --live never logged in"
	kill -0 "$pid" 2>/dev/null || { cat run.out run.err; fail "send --live ended before it could be looked at"; }
	sleep 0.05
done
grep -E '^Max core file size +0 +0 ' "/proc/$pid/limits" >/dev/null ||
	{ cat "/proc/$pid/limits"; fail "core dumps are not disabled"; }
grep -E "^Uid:[[:space:]]+$uid[[:space:]]" "/proc/$pid/status" >/dev/null || fail "not the process under test"
[ "$(stat -c %u "/proc/$pid/status")" = 0 ] || fail "the process is dumpable (its /proc files belong to uid $(stat -c %u "/proc/$pid/status"))"
$as_user /usr/bin/python3 - "$pid" <<'PY' || fail "its own user could attach to send --live with ptrace"
import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_SEIZE = 0x4206  # attaches without stopping the process
if libc.ptrace(PTRACE_SEIZE, int(sys.argv[1]), None, None) == 0:
    sys.exit("attached")  # detached again when this process exits
sys.exit(0 if ctypes.get_errno() == errno.EPERM else "ptrace: " + errno.errorcode[ctypes.get_errno()])
PY
wait "$pid" || { cat run.out run.err; fail "send --live with passwords ending in spaces failed"; }
rm -f "$MD/faults/delay"
grep -q '"sent":3,' run.out || { cat run.out; fail "not the 3 other applications sent"; }
[ "$(q s "SELECT count(*) FROM application WHERE status = 'sent'")" = 4 ] || fail "not all 4 sent"
for e in $(q s "SELECT email FROM persona"); do
	want=$(q s "SELECT count(*) FROM application a JOIN persona p ON p.id = a.persona WHERE p.email = '$e'")
	[ "$("$M/count.sh" "$MD" "$e" Sent)" = "$want" ] || fail "$e: not filed in Sent over IMAPS"
done

# decline holds the same passwords: no key log either.
a=$(q s "SELECT min(id) FROM application")
backdate_sent s
expect_exit 0 ct -S s log "$a" --outcome invitation --channel phone --at 2027-03-01T10:00:00Z
SSLKEYLOGFILE=$PWD/keys2.log expect_exit 0 ct -S s decline
expect_out "Declined 1 invitation\."
[ ! -e keys2.log ] || fail "decline wrote the TLS session keys to \$SSLKEYLOGFILE"

# 4. An empty password: exit 2, naming the file and the line; nothing changes.
second=$(q s "SELECT email FROM persona ORDER BY id LIMIT 1 OFFSET 1")
awk -v e="[$second]" 'p { print "password ="; p = 0; next } { print } $0 == e { p = 1 }' s/secrets.ini >empty.ini
chmod 600 empty.ini
line=$(grep -n '^password =$' empty.ini | cut -d: -f1)
q s "UPDATE application SET status = 'planned', sent_at = NULL WHERE id = (SELECT min(id) FROM application)"
before=$(snapshot s)
CORRTEST_SECRETS=$PWD/empty.ini expect_exit 2 ct -S s send --live
expect_err "empty.ini:$line: the password of \[$second\] is empty"
[ "$(snapshot s)" = "$before" ] || fail "a refused secrets file changed the study"
echo "ok: secrets hardening"
