#!/bin/sh
# adduser.sh DIR ADDRESS PASSWORD: adds a mailbox to the test mail server in
# DIR (or changes its password). Dovecot re-reads the passwd-file when it
# changes and smtpd.py reads it at every AUTH, so no restart is needed.
# The address is the login name for SMTP and IMAP; it is stored lower-case.
set -eu
[ $# -eq 3 ] || { echo "usage: tests/mail/adduser.sh DIR ADDRESS PASSWORD" >&2; exit 2; }
D=$1 pw=$3
addr=$(printf '%s' "$2" | tr 'A-Z' 'a-z')
[ -f "$D/users" ] || { echo "adduser.sh: $D/users not found: run tests/mail/start.sh $D first" >&2; exit 2; }
case $addr in
*@*) ;;
*) echo "adduser.sh: '$addr' is not an address (local@domain)" >&2; exit 2 ;;
esac
case "$addr$pw" in
*:* | *"
"* | *" "* | *"	"*) echo "adduser.sh: address and password may not hold ':', spaces or newlines" >&2; exit 2 ;;
esac
[ -n "$pw" ] || { echo "adduser.sh: empty password" >&2; exit 2; }
# Replace atomically (and keep the line count changing size or mtime so that
# Dovecot notices: it compares size and mtime).
tmp="$D/.users.$$"
{ grep -v "^$addr:" "$D/users" || :; printf '%s:{PLAIN}%s::::::\n' "$addr" "$pw"; } > "$tmp"
chmod 600 "$tmp"
mv "$tmp" "$D/users"
