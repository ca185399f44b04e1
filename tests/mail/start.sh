#!/bin/sh
# start.sh DIR: starts a private mail server for tests in DIR (created if
# missing): Dovecot (IMAP, IMAPS, LMTP) and tests/mail/smtpd.py (SMTP and
# SMTPS with AUTH, delivering through Dovecot's LMTP), on 127.0.0.1 only,
# with a CA made for the occasion. Writes DIR/env and returns once both
# servers answer. Stop with tests/mail/stop.sh DIR (call it from a trap).
# Touches nothing of the system's Dovecot (/etc/dovecot, /run/dovecot,
# /var/lib/dovecot); see README.md.
set -eu
die() { echo "tests/mail/start.sh: $*" >&2; exit 3; }
[ $# -eq 1 ] || { echo "usage: tests/mail/start.sh DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3  # Debian's python, which sees python3-aiosmtpd
DOVECOT=/usr/sbin/dovecot
for f in "$PY" "$DOVECOT" /usr/lib/dovecot/imap /usr/lib/dovecot/imap-login \
	/usr/lib/dovecot/lmtp /usr/bin/openssl; do
	[ -x "$f" ] || die "$f is missing: run 'make deps' (dovecot-imapd dovecot-lmtpd python3-aiosmtpd openssl)"
done
[ -f /usr/lib/python3/dist-packages/aiosmtpd/smtp.py ] ||
	die "python3-aiosmtpd is missing: run 'make deps'"

mkdir -p "$1"
D=$(cd "$1" && pwd)
[ ! -e "$D/env" ] || die "$D/env exists: a server may run there already (stop.sh it first)"
# Unix socket paths are limited to 107 bytes; Dovecot's longest one is about
# 40 characters below DIR/run.
[ ${#D} -le 60 ] || die "'$D' is too long a path for Dovecot's sockets (at most 60 characters)"
for f in mail home; do
	[ ! -L "$D/$f" ] || rm -f "$D/$f"   # left by a run that was not stopped
	[ ! -e "$D/$f" ] || rmdir "$D/$f" 2>/dev/null || die "$D/$f exists and is not empty"
done
rm -rf "$D/run" "$D/smtpd.ports"
mkdir -p "$D/run" "$D/state" "$D/smtp-log/dsn" "$D/faults"
[ -f "$D/users" ] || { : > "$D/users"; chmod 600 "$D/users"; }

# --- a CA, and a certificate for localhost, 127.0.0.1 and ::1 signed by it.
# EC P-256: the keys take milliseconds to make. -------------------------------
(
	cd "$D"
	cat > tls.cnf <<CNF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = corrtest test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
	umask 077
	openssl req -config tls.cnf -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=corrtest test CA $$" \
		-extensions ca 2>openssl.err
	openssl req -config tls.cnf -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -CA ca.pem -CAkey ca.key -keyout server.key -out server.pem -days 30 \
		-subj "/CN=localhost" -extensions server 2>>openssl.err
	chmod 644 ca.pem server.pem
) || die "openssl could not make the test certificates: $(cat "$D/openssl.err")"
[ -s "$D/ca.pem" ] && [ -s "$D/server.pem" ] || die "openssl could not make the test certificates"
rm -f "$D/openssl.err"

# --- who runs what ---------------------------------------------------------
# Not root: every process runs as the caller and the mail lives in DIR/mail.
# Root: Dovecot refuses root for its login processes (they run as 'dovenull',
# chrooted into DIR/run/login, as in a normal install) and for mail access
# (imap and lmtp then run as the system user 'mail'). 'mail' cannot reach
# into a test's private 0700 temp folder, so the mailboxes then live in a
# folder of their own, /tmp/corrtest-mail.XXXXXX, owned by 'mail'; DIR/mail
# and DIR/home are symbolic links to it; stop.sh removes it.
uid=$(id -u)
user=$(id -un) group=$(id -gn)
if [ "$uid" = 0 ]; then
	login_user=dovenull login_chroot=login anvil_chroot=empty
	id dovenull >/dev/null 2>&1 || die "user dovenull is missing (the dovecot-core package makes it): run 'make deps'"
	mail_ids=$(getent passwd mail | cut -d: -f3,4)
	[ -n "$mail_ids" ] || die "the system user 'mail' is missing"
	mail_uid=${mail_ids%:*} mail_gid=${mail_ids#*:}
	STORE=$(mktemp -d /tmp/corrtest-mail.XXXXXX)
	echo "$D" > "$STORE/.owner"
	mkdir "$STORE/mail" "$STORE/home"
	chown -R "$mail_uid:$mail_gid" "$STORE"
	ln -s "$STORE/mail" "$D/mail"
	ln -s "$STORE/home" "$D/home"
	echo "$STORE" > "$D/store"
else
	login_user=$user login_chroot='' anvil_chroot=''
	mail_uid=$uid mail_gid=$(id -g)
	STORE=$D
	mkdir "$D/mail" "$D/home"
fi

# --- Dovecot -----------------------------------------------------------------
write_dovecot_conf() {
	cat > "$D/dovecot.conf" <<CONF
# A private Dovecot for corrtest's tests, written by tests/mail/start.sh.
# It reads no other configuration file.
instance_name = corrtest-$$
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
hostname = localhost
postmaster_address = postmaster@localhost
protocols = imap lmtp
listen = 127.0.0.1
shutdown_clients = yes
# See start.sh: who runs what.
default_internal_user = $user
default_internal_group = $group
default_login_user = $login_user
mail_uid = $mail_uid
mail_gid = $mail_gid
first_valid_uid = $mail_uid
last_valid_uid = $mail_uid
first_valid_gid = $mail_gid
last_valid_gid = $mail_gid
mail_location = maildir:$STORE/mail/%u
mail_fsync = never
ssl = yes
ssl_cert = <$D/server.pem
ssl_key = <$D/server.key
ssl_min_protocol = TLSv1.2
# Plain-text logins are allowed without TLS (loopback only).
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_cache_size = 0
# A wrong password is answered at once, and later logins from 127.0.0.1 are
# not slowed down (Dovecot's auth penalty would delay them up to 15 s).
auth_failure_delay = 0
# DIR/users is a passwd-file: address:{PLAIN}password::::::. Dovecot
# re-reads it when it changes (adduser.sh), smtpd.py reads it at every AUTH.
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $D/users
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $D/users
  override_fields = home=$STORE/home/%Lu
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
service imap-login {
  chroot = $login_chroot
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
  service_count = 0
  process_min_avail = 1
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
  }
}
service auth {
  user = $user
}
service anvil {
  chroot = $anvil_chroot
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service log {
  user = $user
}
CONF
}

# Two free ports for Dovecot, in 20000-32767 (below Linux's ephemeral range),
# not listed in /proc/net/tcp*. Another process may still take one first:
# then Dovecot cannot bind and is started again on others.
pick_port() {
	while :; do
		p=$(( $(od -An -N2 -tu2 /dev/urandom) % 12768 + 20000 ))
		hex=$(printf '%04X' "$p")
		grep -qs ":$hex " /proc/net/tcp /proc/net/tcp6 || { echo "$p"; return; }
	done
}
dead() { ! [ -r "/proc/$1/status" ] || grep -qs '^State:.*Z' "/proc/$1/status"; }

tries=0
while :; do
	tries=$((tries + 1))
	IMAP_PORT=$(pick_port)
	while :; do IMAPS_PORT=$(pick_port); [ "$IMAPS_PORT" != "$IMAP_PORT" ] && break; done
	write_dovecot_conf
	: > "$D/dovecot.log"
	"$DOVECOT" -F -c "$D/dovecot.conf" </dev/null >>"$D/dovecot.out" 2>&1 &
	DOVECOT_PID=$!
	# smtpd.py picks its own ports, and writes them to DIR/smtpd.ports once it
	# listens and Dovecot answers on IMAP and LMTP: that file means ready.
	"$PY" "$here/smtpd.py" "$D" "$IMAP_PORT" </dev/null >>"$D/smtpd.log" 2>&1 &
	SMTPD_PID=$!
	i=0 ok=
	while [ $i -lt 500 ]; do   # 10 s
		[ -e "$D/smtpd.ports" ] && { ok=1; break; }
		dead "$DOVECOT_PID" || dead "$SMTPD_PID" && break
		sleep 0.02
		i=$((i + 1))
	done
	[ -z "$ok" ] || break
	kill "$DOVECOT_PID" "$SMTPD_PID" 2>/dev/null || :
	wait "$DOVECOT_PID" "$SMTPD_PID" 2>/dev/null || :
	if [ $tries -lt 5 ] && grep -qs "Address already in use" "$D/dovecot.log"; then
		continue
	fi
	for f in dovecot.out dovecot.log smtpd.log; do
		[ ! -s "$D/$f" ] || { echo "--- $D/$f"; tail -n 20 "$D/$f"; } >&2
	done
	die "the mail server did not start (logs above)"
done
. "$D/smtpd.ports"

cat > "$D/env.tmp" <<ENV
# Written by tests/mail/start.sh; source it: . DIR/env
MAIL_DIR='$D'
MAIL_STORE='$STORE'
SMTP_HOST=127.0.0.1
SMTP_PORT=$SMTP_PORT
SMTPS_PORT=$SMTPS_PORT
IMAP_HOST=127.0.0.1
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
LMTP_SOCKET='$D/run/lmtp'
CA_FILE='$D/ca.pem'
DOVECOT_CONF='$D/dovecot.conf'
DOVECOT_PID=$DOVECOT_PID
SMTPD_PID=$SMTPD_PID
PIDS='$DOVECOT_PID $SMTPD_PID'
ENV
mv "$D/env.tmp" "$D/env"
