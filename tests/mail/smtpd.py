#!/usr/bin/python3
"""smtpd.py DIR IMAP_PORT: the SMTP front of corrtest's test mail server.

Run by tests/mail/start.sh with Debian's /usr/bin/python3 (python3-aiosmtpd).
Listens on 127.0.0.1 only, on two free ports: plain SMTP (STARTTLS offered)
and SMTPS (implicit TLS), both with DIR/server.pem. Every session must AUTH
(PLAIN or LOGIN) against DIR/users, the passwd-file Dovecot uses too, and may
send only as itself. Each recipient is delivered through Dovecot's LMTP
socket (DIR/run/lmtp); a copy of each accepted message is kept in
DIR/smtp-log/. Fault injection is read from DIR/faults/ at every command, so
tests switch modes while the server runs (see tests/mail/README.md).
When both ports listen and Dovecot answers (IMAP greeting on IMAP_PORT, LMTP
greeting on the socket) it writes DIR/smtpd.ports (shell-sourceable): start.sh
waits for that file.
"""
import asyncio
import hmac
import logging
import os
import signal
import smtplib
import ssl
import sys
import threading
import time
import warnings
from email import policy
from email.generator import BytesGenerator
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from io import BytesIO

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

D = os.path.abspath(sys.argv[1])
USERS = os.path.join(D, "users")
FAULTS = os.path.join(D, "faults")
LMTP_SOCKET = os.path.join(D, "run", "lmtp")
LOGDIR = os.path.join(D, "smtp-log")
HOSTNAME = "localhost"  # never socket.getfqdn(): that may ask a DNS server

log = logging.getLogger("smtpd")


class TempFail(Exception):
    pass


# --- users and faults, read afresh each time (tiny files) ------------------

def users():
    """{address: password} from the passwd-file (address:{PLAIN}password:...)."""
    out = {}
    try:
        with open(USERS, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                fields = line.split(":")
                if len(fields) < 2:
                    continue
                pw = fields[1]
                if pw.startswith("{PLAIN}"):
                    pw = pw[len("{PLAIN}"):]
                elif pw.startswith("{"):
                    continue  # only plain passwords are written by adduser.sh
                out[fields[0].lower()] = pw
    except FileNotFoundError:
        pass
    return out


def fault(name):
    """True while DIR/faults/NAME exists. If the file holds a number N, the
    fault fires N more times: the file is rewritten with N-1, and removed
    at 0. Runs in the event loop's thread only, so counts do not race."""
    path = os.path.join(FAULTS, name)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
    except FileNotFoundError:
        return False
    if not text.isdigit():
        return True
    left = int(text)
    if left <= 1:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        return left == 1
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{left - 1}\n")
    os.rename(tmp, path)
    return True


def fault_addresses(name):
    try:
        with open(os.path.join(FAULTS, name), encoding="utf-8") as f:
            return {a.strip().strip("<>").lower() for a in f.read().split() if a.strip()}
    except FileNotFoundError:
        return set()


def fault_seconds(name):
    try:
        with open(os.path.join(FAULTS, name), encoding="utf-8") as f:
            return float(f.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0.0


# --- authentication ---------------------------------------------------------

def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    login = auth_data.login.decode("utf-8", "replace").lower()
    given = auth_data.password.decode("utf-8", "replace")
    want = users().get(login)
    if want is not None and hmac.compare_digest(want.encode(), given.encode()):
        log.info("auth ok %s (%s)", login, mechanism)
        return AuthResult(success=True, auth_data=login)
    log.info("auth failed for %s (%s)", login, mechanism)
    # handled=False: aiosmtpd answers 535 5.7.8 Authentication credentials invalid
    return AuthResult(success=False, handled=False)


# --- delivery ---------------------------------------------------------------

_lmtp = threading.local()


def lmtp_connection():
    """This worker thread's LMTP connection, checked with NOOP, else a new one."""
    c = getattr(_lmtp, "conn", None)
    if c is not None:
        try:
            if c.noop()[0] == 250:
                return c
        except (OSError, smtplib.SMTPException):
            pass
        try:
            c.close()
        except OSError:
            pass
    c = smtplib.LMTP(LMTP_SOCKET, local_hostname=HOSTNAME, timeout=60)
    _lmtp.conn = c
    return c


def lmtp_deliver(sender, rcpt, data):
    """One LMTP transaction per recipient (smtplib reads one reply after DATA)."""
    opts = ["BODY=8BITMIME"] if any(b > 127 for b in data) else []
    try:
        c = lmtp_connection()
        c.sendmail(sender, [rcpt], data, mail_options=opts)
    except smtplib.SMTPRecipientsRefused as e:
        code, msg = list(e.recipients.values())[0]
        return code, msg.decode("utf-8", "replace")
    except smtplib.SMTPResponseException as e:
        return e.smtp_code, e.smtp_error.decode("utf-8", "replace")
    except (OSError, smtplib.SMTPException) as e:
        _lmtp.conn = None
        raise TempFail(f"LMTP: {e}")
    return 250, "ok"


def header_block(data):
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")
    return data if end < 0 else data[:end + 2]


def make_dsn(sender, rcpt, data, queue_id, diagnostic):
    """A delivery-status notification (RFC 3464) for one failed recipient."""
    arrival = formatdate(localtime=True)
    dsn = MIMEMultipart("report", report_type="delivery-status")
    dsn["From"] = "Mail Delivery System <MAILER-DAEMON@localhost>"
    dsn["To"] = sender
    dsn["Subject"] = "Undelivered Mail Returned to Sender"
    dsn["Date"] = arrival
    dsn["Message-ID"] = make_msgid("dsn", domain=HOSTNAME)
    dsn["Auto-Submitted"] = "auto-replied"
    dsn.preamble = "This is a MIME-encapsulated message."

    human = MIMEText(
        f"This is the mail system at host {HOSTNAME}.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        "                   The mail system\n\n"
        f"<{rcpt}>: host {HOSTNAME}[127.0.0.1] said: {diagnostic}\n", "plain", "us-ascii")
    human["Content-Description"] = "Notification"
    dsn.attach(human)

    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {HOSTNAME}"
    per_message["X-Queue-ID"] = queue_id
    per_message["X-Original-Sender"] = f"rfc822; {sender}"
    per_message["Arrival-Date"] = arrival
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {rcpt}"
    per_recipient["Original-Recipient"] = f"rfc822;{rcpt}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Remote-MTA"] = f"dns; {HOSTNAME}"
    per_recipient["Diagnostic-Code"] = f"smtp; {diagnostic}"
    status = MIMEBase("message", "delivery-status")
    status.set_payload([per_message, per_recipient])
    status["Content-Description"] = "Delivery report"
    dsn.attach(status)

    headers = header_block(data).decode("utf-8", "replace").replace("\r\n", "\n")
    try:
        headers.encode("ascii")
        original = MIMEText(headers, "rfc822-headers", "us-ascii")
    except UnicodeEncodeError:
        original = MIMEText(headers, "rfc822-headers", "utf-8")
    original["Content-Description"] = "Undelivered Message Headers"
    dsn.attach(original)

    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=policy.compat32.clone(linesep="\r\n")).flatten(dsn)
    return out.getvalue()


def save(folder, name, data):
    tmp = os.path.join(folder, "." + name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(folder, name))


def deliver_all(queue_id, peer, sender, rcpts, data):
    """Runs in a worker thread. Returns the final SMTP reply."""
    bounce = fault_addresses("bounce_to")
    received = (f"Received: from {peer} by {HOSTNAME} (corrtest test smtpd) with ESMTPA"
                f" id {queue_id};\r\n\t{formatdate(localtime=True)}\r\n").encode()
    delivered, dsns = 0, []
    for rcpt in rcpts:
        if rcpt.lower() in bounce:
            dsns.append((rcpt, "550 5.1.1 <%s>: Recipient address rejected: User unknown"
                         " (fault injection: bounce_to)" % rcpt))
            continue
        try:
            code, msg = lmtp_deliver(sender, rcpt, received + data)
        except TempFail as e:
            log.warning("%s: %s", queue_id, e)
            if delivered:
                log.warning("%s: partial delivery (%d of %d) before a temporary failure",
                            queue_id, delivered, len(rcpts))
            return "451 4.3.0 Temporary delivery failure, try again later"
        if code == 250:
            delivered += 1
        elif 400 <= code < 500 and not delivered:
            return f"451 4.3.0 Temporary delivery failure ({code} {msg})"
        else:
            dsns.append((rcpt, f"{code} {msg}"))
    for i, (rcpt, diagnostic) in enumerate(dsns):
        dsn = make_dsn(sender, rcpt, data, queue_id, diagnostic)
        save(os.path.join(LOGDIR, "dsn"), f"{queue_id}-{i}.eml", dsn)
        try:
            code, msg = lmtp_deliver("", sender, dsn)
        except TempFail as e:
            code, msg = 451, str(e)
        log.info("%s: bounce for %s to %s: %s %s", queue_id, rcpt, sender, code, msg)
    save(LOGDIR, f"{queue_id}.eml", data)
    mid = ""
    for line in header_block(data).decode("utf-8", "replace").splitlines():
        if line.lower().startswith("message-id:"):
            mid = line.split(":", 1)[1].strip()
            break
    with open(os.path.join(LOGDIR, "index.tsv"), "a", encoding="utf-8") as f:
        f.write(f"{queue_id}.eml\t{time.time():.3f}\t{sender}\t{','.join(rcpts)}\t{mid}\n")
    log.info("%s: accepted from %s for %s, %s", queue_id, sender, ",".join(rcpts), mid)
    return f"250 2.0.0 Ok: queued as {queue_id}"


_seq = 0


def next_queue_id():
    global _seq
    _seq += 1
    return f"{time.time_ns():x}{_seq:04x}"


class Handler:
    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if fault("tempfail"):
            return "451 4.3.0 Temporary failure, try again later (fault injection: tempfail)"
        user = session.auth_data
        if not address or address.lower() != user:
            return f"550 5.7.1 <{address}>: Sender address rejected: not owned by user {user}"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        a = address.lower()
        if a in fault_addresses("reject_rcpt"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown (fault injection: reject_rcpt)"
        if a not in fault_addresses("bounce_to") and a not in users():
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
        envelope.rcpt_tos.append(a)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        queue_id = next_queue_id()
        peer = session.peer[0] if session.peer else "unknown"
        loop = asyncio.get_running_loop()
        reply = await loop.run_in_executor(None, deliver_all, queue_id, peer,
                                           envelope.mail_from, list(envelope.rcpt_tos), data)
        delay = fault_seconds("delay")
        if delay > 0 and reply.startswith("250"):
            await asyncio.sleep(delay)
        return reply


class FaultySMTP(SMTP):
    async def smtp_DATA(self, arg):
        if self.envelope.rcpt_tos and not arg and fault("drop_in_data"):
            # Take part of the message, then close without any reply: the
            # client cannot know whether it was accepted (it was not).
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            try:
                await asyncio.wait_for(self._reader.readuntil(b"\r\n"), 10)
            except Exception:
                pass
            log.info("dropping the connection in DATA (fault injection: drop_in_data)")
            self.transport.abort()
            return
        await super().smtp_DATA(arg)


async def dovecot_ready(imap_port):
    """Waits (10 s at most) for Dovecot's IMAP and LMTP greetings."""
    async def greets(opener, want):
        try:
            reader, writer = await asyncio.wait_for(opener(), 1)
            try:
                line = await asyncio.wait_for(reader.readline(), 1)
            finally:
                writer.close()
            return line.startswith(want)
        except (OSError, asyncio.TimeoutError):
            return False

    end = time.monotonic() + 10
    imap = lmtp = False
    while time.monotonic() < end:
        imap = imap or await greets(lambda: asyncio.open_connection("127.0.0.1", imap_port), b"* OK")
        lmtp = lmtp or await greets(lambda: asyncio.open_unix_connection(LMTP_SOCKET), b"220")
        if imap and lmtp:
            return True
        await asyncio.sleep(0.02)
    log.error("Dovecot did not answer in 10 s (IMAP %s, LMTP %s)", imap, lmtp)
    return False


async def main():
    loop = asyncio.get_running_loop()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(D, "server.pem"), os.path.join(D, "server.key"))
    handler = Handler()

    def factory(implicit_tls):
        return lambda: FaultySMTP(
            handler, hostname=HOSTNAME, ident="corrtest test smtpd",
            tls_context=None if implicit_tls else ctx, auth_required=True,
            auth_require_tls=False, authenticator=authenticator,
            enable_SMTPUTF8=False, decode_data=False, timeout=120, loop=loop)

    plain = await loop.create_server(factory(False), "127.0.0.1", 0)
    tls = await loop.create_server(factory(True), "127.0.0.1", 0, ssl=ctx)
    if not await dovecot_ready(int(sys.argv[2])):
        sys.exit(1)
    ports = (f"SMTP_PORT={plain.sockets[0].getsockname()[1]}\n"
             f"SMTPS_PORT={tls.sockets[0].getsockname()[1]}\n")
    save(D, "smtpd.ports", ports.encode())
    log.info("listening: %s", ports.replace("\n", " "))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    plain.close()
    tls.close()
    log.info("stopped")


if __name__ == "__main__":
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s smtpd[%(process)d] %(levelname)s %(message)s")
    # aiosmtpd's own log: its warnings about AUTH without TLS (wanted here)
    # and deprecated login_data would fill the log at every connection.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    asyncio.run(main())
