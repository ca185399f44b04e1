#!/bin/sh
# deliver.sh DIR ADDRESS [SENDER] < MESSAGE: puts a message straight into the
# INBOX of ADDRESS through Dovecot's LMTP socket, with no SMTP, no AUTH and
# no fault injection: for messages a test crafts (replies in odd charsets,
# bounces from a MAILER-DAEMON). SENDER is the envelope sender ('' if none).
set -eu
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: tests/mail/deliver.sh DIR ADDRESS [SENDER] < MESSAGE" >&2; exit 2; }
exec /usr/bin/python3 -c '
import smtplib, sys
sock, rcpt, sender = sys.argv[1:]
data = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
opts = ["BODY=8BITMIME"] if any(b > 127 for b in data) else []
try:
    with smtplib.LMTP(sock, local_hostname="localhost", timeout=60) as c:
        c.sendmail(sender, [rcpt.lower()], data, mail_options=opts)
except (OSError, smtplib.SMTPException) as e:
    sys.exit(f"deliver.sh: {e}")
' "$1/run/lmtp" "$2" "${3:-}"
