#!/bin/sh
# count.sh DIR ADDRESS [MAILBOX]: prints how many messages the mailbox
# (INBOX unless named, e.g. Sent) of ADDRESS holds on the test mail server in
# DIR, read from its maildir (no login needed; 0 if it does not exist yet).
set -eu
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: tests/mail/count.sh DIR ADDRESS [MAILBOX]" >&2; exit 2; }
addr=$(printf '%s' "$2" | tr 'A-Z' 'a-z')
box=${3:-INBOX}
dir=$1/mail/$addr
[ "$box" = INBOX ] || dir=$dir/.$(printf '%s' "$box" | tr / .)
find "$dir/new" "$dir/cur" -type f 2>/dev/null | wc -l | tr -d ' '
