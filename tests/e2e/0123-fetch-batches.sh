# fetch reads many messages per IMAP command (UID FETCH over a set of UIDs,
# BODY.PEEK[], on a second connection) and keeps every promise of the inbox
# engine: 1,150 replies in one mailbox (more than one batch of 500), whose
# bodies hold what a reader going by lines would take for IMAP (a FETCH
# response, the tagged line, ")", "{123}"), one of 700 kB (more than one
# network read), one in raw 8-bit bytes, are each stored exactly once with
# the bytes the server holds (compared with Python's imaplib, reading the
# folder itself), and all linked, also when fetch is killed (SIGKILL) in
# the middle and run again. The messages stay unread on the server: fetch
# reads with BODY.PEEK[] in a folder selected read-only (EXAMINE). The same
# over TLS.
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/send-lib.sh"
mail_start
mail_study s 2
expect_exit 0 ct -S s send --live --json
expect_out '"sent":4,'
expect_exit 0 ct -S s fetch --json
expect_out '"self":4,'

set -- $(q s "SELECT a.id || ' ' || a.message_id || ' ' || p.email FROM application a JOIN persona p ON p.id = a.persona JOIN listing l ON l.id = a.listing WHERE l.ref = 'L1' AND a.position = 1")
app=$1 mid=$2 who=$3
N=1150
/usr/bin/python3 - "$LMTP_SOCKET" "$who" "$mid" "$N" <<'PY' || fail "delivering the replies failed"
import smtplib, sys
sock, who, mid, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tricky = ("* 7 FETCH (UID 7 BODY[] {12}\r\nc3 OK Fetch completed.\r\nA004 OK done\r\n"
          ")\r\n{123}\r\n* BYE\r\n")
with smtplib.LMTP(sock, local_hostname="localhost") as c:
    for i in range(n):
        body = f"Beste,\r\n\r\nAntwoord {i}: de woning is nog vrij.\r\n" + tricky
        if i == 17:
            body += "".join(f"{j:076d}\r\n" for j in range(9000))  # 700 kB
        head = (f"From: landlord1@example.test\r\nTo: {who}\r\nSubject: Re: uw vraag {i}\r\n"
                f"Message-ID: <batch-{i}@example.test>\r\nIn-Reply-To: {mid}\r\n"
                f"Date: Mon, 01 Mar 2027 10:00:00 +0000\r\n")
        if i == 42:
            data = (head + "Content-Type: text/plain; charset=iso-8859-1\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + \
                   "Café één keer; ) {5}\r\n".encode("latin-1")
            c.sendmail("landlord1@example.test", [who], data, mail_options=["BODY=8BITMIME"])
        else:
            c.sendmail("landlord1@example.test", [who],
                       (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode())
PY

# Killed in the middle (at several moments; where it lands does not
# matter, what is stored afterwards does), then run to the end.
for d in 0.05 0.1 0.2 0.4 0.8 1.6; do
	set +e
	timeout -s KILL "$d" "$CORRTEST" -S s fetch >/dev/null 2>&1
	set -e
done
expect_exit 0 ct -S s fetch --json
expect_exit 0 ct -S s fetch --json
expect_out '"new":0,"duplicates":0,'

box="mailbox = '$who' AND direction = 'in' AND kind IS NOT 'self'"
[ "$(q s "SELECT count(*) FROM message WHERE $box")" = $N ] ||
	fail "$(q s "SELECT count(*) FROM message WHERE $box") messages stored, not $N"
[ "$(q s "SELECT count(DISTINCT uid) || ' ' || count(DISTINCT sha256) FROM message WHERE $box")" = "$N $N" ] ||
	fail "a message stored twice"
[ "$(q s "SELECT count(*) FROM message WHERE $box AND application = $app AND kind = 'reply' AND link_method = 'in_reply_to' AND raw IS NOT NULL")" = $N ] ||
	fail "not every reply is stored and linked: $(q s "SELECT kind, link_method, count(*) FROM message WHERE $box GROUP BY 1, 2")"
[ "$(q s "SELECT count(*) FROM message WHERE direction = 'in' AND kind IS NULL")" = 0 ] ||
	fail "messages stored without what is derived from them"
# The bytes, as imaplib reads the folder (EXAMINE, one UID FETCH per message).
/usr/bin/python3 - s/study.db s/secrets.ini "$IMAP_PORT" "$who" <<'PY' || fail "stored bytes differ from the server's"
import configparser, hashlib, imaplib, sqlite3, sys
db, secrets, port, who = sys.argv[1:]
pw = configparser.ConfigParser(interpolation=None)
pw.read(secrets)
c = imaplib.IMAP4("127.0.0.1", int(port))
c.login(who, pw[who]["password"])
c.select("INBOX", readonly=True)
uids = c.uid("SEARCH", "ALL")[1][0].split()
server = {}
for u in uids:
    typ, data = c.uid("FETCH", u, "(BODY.PEEK[])")
    server[int(u)] = hashlib.sha256(data[0][1]).hexdigest()
unseen = len(c.uid("SEARCH", "UNSEEN")[1][0].split())
c.logout()
stored = dict(sqlite3.connect(db).execute(
    "SELECT uid, sha256 FROM message WHERE direction = 'in' AND mailbox = ?", (who,)).fetchall())
if stored != server:
    bad = sorted(u for u in set(stored) | set(server) if stored.get(u) != server.get(u))
    sys.exit(f"{len(bad)} UIDs differ, e.g. {bad[:5]}")
if unseen != len(uids):
    sys.exit(f"fetch marked {len(uids) - unseen} of {len(uids)} messages read")
print(f"{len(server)} messages match")
PY
expect_exit 0 ct -S s fetch --show "$(q s "SELECT id FROM message WHERE message_id = '<batch-42@example.test>'")"
expect_out 'Café één keer; \) \{5\}'
[ "$(q s "SELECT length(raw) > 700000 FROM message WHERE message_id = '<batch-17@example.test>'")" = 1 ] ||
	fail "the 700 kB reply is cut short"
# Over TLS (imaps, the study's CA): the second connection is made and
# logged in by libcurl as the first one is.
sed -i -e "s|^imap_url =.*|imap_url = imaps://127.0.0.1:$IMAPS_PORT|" -e "s|^ca_file =.*|ca_file = $CA_FILE|" s/study.ini
for i in 1 2 3; do
	printf 'From: landlord1@example.test\r\nTo: %s\r\nSubject: Re: tls %s\r\nMessage-ID: <tls-%s@example.test>\r\nIn-Reply-To: %s\r\n\r\nNog vrij.\r\n' \
		"$who" $i $i "$mid" | "$M/deliver.sh" "$MD" "$who" landlord1@example.test
done
expect_exit 0 ct -S s fetch --json
expect_out '"new":3,"duplicates":0,"replies":3,'
echo "ok: fetch by batches ($N replies in one mailbox, killed and resumed, bytes as the server holds them)"
