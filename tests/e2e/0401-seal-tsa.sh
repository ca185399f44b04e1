# seal --tsa: the checkpoint is time-stamped by an RFC 3161 authority that
# this test makes with openssl (tests/tsa/make.sh: a CA, and an authority's
# certificate for time-stamping) and serves over HTTP on 127.0.0.1
# (tests/tsa/tsa.py answers each request with `openssl ts -reply`).
# openssl checks what seal wrote on its own (ts -verify); verify
# --checkpoint checks it too, shows the authority's time as openssl reads
# it, and names a time-stamp of another checkpoint, a corrupted one and one
# signed outside the CA given. An authority that is down, answers junk, an
# HTTP error, a refusal or a reply to another request leaves no file and no
# event; plain http:// to a host that is not this machine is refused before
# anything is sent.
. "$E2E_DIR/lib.sh"
T=$PWD/tsa
sh "$TOP/tests/tsa/make.sh" "$T" >/dev/null
python3 "$TOP/tests/tsa/tsa.py" "$T" 2>"$T/log" &
tsa_pid=$!
trap 'kill $tsa_pid 2>/dev/null || :' EXIT
trap 'exit 1' INT TERM
i=0
while [ ! -s "$T/port" ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "the test TSA did not start: $(cat "$T/log")"
	sleep 0.1
done
URL=http://127.0.0.1:$(cat "$T/port")/
requests() { [ -f "$T/requests" ] && wc -l <"$T/requests" || echo 0; }

export CORRTEST_NOW=2027-01-20T12:00:00Z
ct demo --dir s >/dev/null
before=$(sqlite3 s/study.db 'SELECT count(*) FROM event')
expect_exit 0 ct -S s seal --out cp.txt --tsa "$URL"
[ -s cp.txt ] && [ -s cp.txt.tsr ] || fail "seal --tsa did not write cp.txt and cp.txt.tsr"
expect_out "time-stamp written to +cp.txt.tsr"
# What the authority received: one request, as application/timestamp-query.
[ "$(requests)" = 1 ] || fail "seal sent $(requests) requests"
grep -q '^application/timestamp-query ' "$T/requests" || fail "wrong Content-Type: $(cat "$T/requests")"
# openssl's own check: the reply is a TimeStampResp of cp.txt's bytes,
# signed by a certificate of the CA.
openssl ts -verify -data cp.txt -in cp.txt.tsr -CAfile "$T/ca.pem" >ossl.txt 2>&1 ||
	{ cat ossl.txt; fail "openssl ts -verify rejects the time-stamp seal wrote"; }
grep -q 'Verification: OK' ossl.txt || fail "openssl ts -verify: $(cat ossl.txt)"
# The request asked for SHA-256, a nonce and the certificate.
openssl ts -reply -in cp.txt.tsr -text >tsr.txt 2>/dev/null
grep -q 'Status: Granted' tsr.txt && grep -q 'Hash Algorithm: sha256' tsr.txt &&
	grep -q '^Nonce: 0x' tsr.txt || fail "the reply is not what seal asked for: $(cat tsr.txt)"
want=$(sha256sum cp.txt | cut -c1-64)
got=$(sed -n '/^Message data:/,/^Serial/p' tsr.txt | sed -n 's/^ *[0-9a-f]\{4\} - //p' |
	cut -c1-48 | tr -d ' -' | tr -d '\n')
[ "$got" = "$want" ] || fail "the imprint is $got, sha256sum says $want"
# The authority's time and serial, as openssl prints them.
ts_iso=$(python3 -c '
import re, sys, datetime
t = re.search(r"^Time stamp: (.*) GMT$", open("tsr.txt").read(), re.M).group(1)
print(datetime.datetime.strptime(" ".join(t.split()), "%b %d %H:%M:%S %Y").strftime("%Y-%m-%dT%H:%M:%SZ"))')
serial=$(sed -n 's/^Serial number: 0x//p' tsr.txt)
[ -n "$serial" ] || fail "no serial in $(cat tsr.txt)"
expect_out "time-stamped at +$ts_iso"
expect_out "time-stamp serial +$serial"
# The log: the seal, then the timestamp event naming the authority, its
# time and serial and the .tsr's SHA-256; the checkpoint ends at the seal.
[ "$(sqlite3 s/study.db 'SELECT count(*) FROM event')" = $((before + 2)) ] || fail "not two events"
[ "$(sed -n 's/^events: //p' cp.txt)" = $((before + 1)) ] || fail "the checkpoint does not end at the seal"
[ "$(sqlite3 s/study.db "SELECT action || ': ' || detail FROM event WHERE id = $((before + 1))")" = "seal: time-stamped by $URL" ] ||
	fail "seal event: $(sqlite3 s/study.db "SELECT * FROM event WHERE id = $((before + 1))")"
[ "$(sqlite3 s/study.db "SELECT detail FROM event WHERE id = $((before + 2)) AND action = 'timestamp'")" = \
	"tsa $URL; time $ts_iso; serial $serial; cp.txt.tsr sha256 $(sha256sum cp.txt.tsr | cut -c1-64)" ] ||
	fail "timestamp event: $(sqlite3 s/study.db "SELECT * FROM event WHERE id = $((before + 2))")"

# verify with the CA: everything holds, with the authority's time and name.
expect_exit 0 ct -S s verify --checkpoint cp.txt --tsa-ca "$T/ca.pem"
expect_out 'Everything holds'
expect_out "time-stamped at +$ts_iso"
expect_out "time-stamp authority +CN=corrtest test TSA,O=corrtest tests"
expect_out "certified by --tsa-ca +yes"
expect_exit 0 ct -S s verify --json --checkpoint cp.txt --tsa-ca "$T/ca.pem"
python3 - "$ts_iso" "$serial" <<'PY'
import json, sys
j = json.load(open("out.txt"))
assert j["ok"] is True and j["findings"] == [], j
assert j["timestamp_time"] == sys.argv[1] and j["timestamp_serial"] == sys.argv[2], j
assert j["timestamp_trusted"] is True and "CN=corrtest test TSA" in j["timestamp_tsa"], j
PY
# Without the CA: it holds, and the output says the signer was not checked.
expect_exit 0 ct -S s verify --checkpoint cp.txt
expect_out 'checked with the certificate it carries only'
expect_out 'signer is not trusted'
expect_exit 0 ct -S s verify --json --checkpoint cp.txt
grep -q '"timestamp_trusted": false' out.txt || fail "an untrusted signer is not said so in JSON"
# A bare token (what openssl ts -token_out keeps) is read as well.
openssl ts -reply -in cp.txt.tsr -token_out -out token.der 2>/dev/null
expect_exit 0 ct -S s verify --checkpoint cp.txt --tsr token.der --tsa-ca "$T/ca.pem"
expect_out "time-stamped at +$ts_iso"

# finding DIR WHAT [verify options]: verify exits 1 with one
# timestamp_invalid finding whose text matches WHAT.
finding() {
	what=$1; shift
	expect_exit 1 ct -S s verify --json "$@"
	python3 - "$what" <<'PY' || { cat out.txt >&2; fail "no timestamp_invalid finding /$what/ for $*"; }
import json, re, sys
j = json.load(open("out.txt"))
f = [f for f in j["findings"] if f["kind"] == "timestamp_invalid"]
assert j["ok"] is False and len(f) == 1 and re.search(sys.argv[1], f[0]["what"]), j["findings"]
assert j["timestamp_time"] is None, j
PY
}
# A second checkpoint, with its own time-stamp: the token of one is not
# the other's, given with --tsr or lying beside it.
expect_exit 0 ct -S s seal --out cp2.txt --tsa "$URL"
finding 'time-stamps other data' --checkpoint cp.txt --tsr cp2.txt.tsr --tsa-ca "$T/ca.pem"
mkdir swapped && cp cp.txt swapped/ && cp cp2.txt.tsr swapped/cp.txt.tsr
finding 'time-stamps other data' --checkpoint swapped/cp.txt
# The checkpoint edited after it was time-stamped (the events count kept).
sed 's/^study: .*/study: another study/' cp.txt >edited.txt && cp cp.txt.tsr edited.txt.tsr
finding 'time-stamps other data' --checkpoint edited.txt
# A corrupted token: one byte of its signature changed.
python3 -c '
b = bytearray(open("cp.txt.tsr", "rb").read()); b[-10] ^= 0xff
open("bad.tsr", "wb").write(bytes(b))'
finding 'signature does not verify' --checkpoint cp.txt --tsr bad.tsr
# Cut short: not a time-stamp at all.
head -c 200 cp.txt.tsr >short.tsr
finding 'not a time-stamp' --checkpoint cp.txt --tsr short.tsr
# Signed by the authority, but the CA given did not certify it.
finding 'does not verify with a signer certified by' --checkpoint cp.txt --tsa-ca "$T/other-ca.pem"
# Input errors: a CA file that holds no certificate, --tsa-ca without a
# time-stamp, --tsr without a checkpoint.
expect_exit 2 ct -S s verify --checkpoint cp.txt --tsa-ca cp.txt
expect_err 'cp.txt holds no PEM certificate'
cp cp.txt plain.txt
expect_exit 2 ct -S s verify --checkpoint plain.txt --tsa-ca "$T/ca.pem"
expect_err 'plain.txt.tsr does not exist'
expect_exit 2 ct -S s verify --tsr cp.txt.tsr

# unchanged NAME CMD...: CMD fails as expected, and leaves the study, the
# checkpoint files and the authority's request count as they were.
nothing_written() {
	[ ! -e out.cp ] && [ ! -e out.cp.tsr ] || fail "$1 left a checkpoint file"
	ls | grep -q 'tmp-' && fail "$1 left a temporary file: $(ls)"
	[ "$(snapshot s)" = "$snap" ] || fail "$1 changed the study"
}
snap=$(snapshot s)
for mode in junk error reject replay; do
	echo "$mode" >"$T/mode"
	expect_exit 3 ct -S s seal --out out.cp --tsa "$URL"
	expect_err "time-stamp authority $URL"
	case $mode in
	junk) expect_err 'not a time-stamp reply' ;;
	error) expect_err 'HTTP 500' ;;
	reject) expect_err 'did not grant the time-stamp: status rejection, badAlg' ;;
	replay) expect_err 'answers another request' ;;
	esac
	nothing_written "$mode"
done
rm "$T/mode"
# A CA that did not certify the authority: its reply is refused too.
expect_exit 3 ct -S s seal --out out.cp --tsa "$URL" --tsa-ca "$T/other-ca.pem"
expect_err 'signature does not verify with a signer certified by'
nothing_written "another CA"
# ... and the right CA is accepted.
expect_exit 0 ct -S s seal --out ok.cp --tsa "$URL" --tsa-ca "$T/ca.pem"

# A slow authority does not lock the study: the seal holds no transaction
# while it waits. The authority holds the request (mode hold) until the
# test lets it go, so the order is fixed: a listing added meanwhile
# succeeds (a locked study would make it fail after the busy timeout),
# and the seal, whose checkpoint no longer names the log's head, then
# fails cleanly and records nothing; run again, it succeeds.
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1)); [ $i -le 300 ] || fail "waited in vain for $1"
		sleep 0.1
	done
}
echo hold >"$T/mode"
rm -f "$T/held" "$T/release"
set +e
ct -S s seal --out slow.cp --tsa "$URL" >slow.out 2>slow.err &
seal_pid=$!
set -e
wait_for "$T/held"
n_ev=$(sqlite3 s/study.db 'SELECT count(*) FROM event')
expect_exit 0 env CORRTEST_BUSY_MS=500 "$CORRTEST" -S s listings add --ref SLOW-1 --agent-type private
[ "$(sqlite3 s/study.db "SELECT count(*) FROM listing WHERE ref = 'SLOW-1'")" = 1 ] ||
	fail "the listing added during the time-stamp request is not in the study"
touch "$T/release"
set +e; wait $seal_pid; got=$?; set -e
[ $got -eq 3 ] || { cat slow.out slow.err >&2; fail "seal after a concurrent write exited $got, wanted 3"; }
grep -q 'the study changed while the time-stamp was requested.*run seal again' slow.err ||
	fail "seal's message: $(cat slow.err)"
[ ! -e slow.cp ] && [ ! -e slow.cp.tsr ] || fail "the failed seal left a checkpoint file"
[ "$(sqlite3 s/study.db 'SELECT count(*) FROM event')" = $((n_ev + 1)) ] ||
	fail "the failed seal recorded an event (or the add none)"
[ "$(sqlite3 s/study.db 'SELECT action FROM event ORDER BY id DESC LIMIT 1')" != seal ] ||
	fail "the failed seal recorded its event"
# Nothing written in between: the held seal succeeds, and what it stamped
# verifies (the seal event written is the one the checkpoint names).
rm -f "$T/held" "$T/release"
set +e
ct -S s seal --out slow.cp --tsa "$URL" >slow.out 2>slow.err &
seal_pid=$!
set -e
wait_for "$T/held"
touch "$T/release"
set +e; wait $seal_pid; got=$?; set -e
[ $got -eq 0 ] || { cat slow.out slow.err >&2; fail "a held seal with no write meanwhile exited $got"; }
openssl ts -verify -data slow.cp -in slow.cp.tsr -CAfile "$T/ca.pem" >/dev/null 2>&1 ||
	fail "openssl ts -verify rejects the held seal's time-stamp"
expect_exit 0 ct -S s verify --checkpoint slow.cp --tsa-ca "$T/ca.pem"
expect_out 'Everything holds'
rm "$T/mode"
snap=$(snapshot s)
# Plain http:// to a host that is not this machine: refused before
# anything is sent or recorded (192.0.2.1 is TEST-NET-1, never reached).
n=$(requests)
expect_exit 2 ct -S s seal --out out.cp --tsa http://192.0.2.1/
expect_err 'plain http:// is allowed only to a loopback address'
expect_exit 2 ct -S s seal --out out.cp --tsa ftp://127.0.0.1/
expect_exit 2 ct -S s seal --out out.cp --tsa "http://user:secret@127.0.0.1:1/"
expect_err 'must not hold a user name'
expect_exit 2 ct -S s seal --tsa "$URL"
expect_err 'needs --out'
[ "$(requests)" = "$n" ] || fail "a refused URL was sent a request"
nothing_written "a refused URL"
# The authority stopped: exit 3, naming it, and nothing written.
kill $tsa_pid
wait $tsa_pid 2>/dev/null || :
expect_exit 3 ct -S s seal --out out.cp --tsa "$URL"
expect_err "time-stamp authority $URL: cannot reach it"
nothing_written "a stopped authority"

# A seal without --tsa over a time-stamped checkpoint removes the
# time-stamp it no longer matches.
expect_exit 0 ct -S s seal --out cp.txt
[ ! -e cp.txt.tsr ] || fail "an old time-stamp was left beside a new checkpoint"
expect_exit 0 ct -S s verify --checkpoint cp.txt
