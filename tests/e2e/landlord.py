#!/usr/bin/python3
"""landlord.py: a landlord answers, as a mail client does, through the SMTP
front of the loopback server with the landlord's own login (tests 0110-0112).

usage: landlord.py ENVFILE FROM PASSWORD TO SUBJECT [options]
  --in-reply-to ID   In-Reply-To (and References) like a reply button does
  --references ID    References only (some clients drop In-Reply-To)
  --form plain|latin1-qp|html-b64   the body's shape (default plain, UTF-8)
  --body TEXT        the text (a default otherwise)
  --message-id ID    a fixed Message-ID (default: made by email.utils)
  --date RFC2822     a fixed Date
  --twice            send the same bytes twice (a duplicate delivery)
Prints the Message-ID sent. The password is read from argv (test accounts
only) and never printed."""
import argparse
import smtplib
import sys
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid

ap = argparse.ArgumentParser()
ap.add_argument("env")
ap.add_argument("sender")
ap.add_argument("password")
ap.add_argument("to")
ap.add_argument("subject")
ap.add_argument("--in-reply-to")
ap.add_argument("--references")
ap.add_argument("--form", default="plain")
ap.add_argument("--body")
ap.add_argument("--message-id")
ap.add_argument("--date")
ap.add_argument("--twice", action="store_true")
a = ap.parse_args()
env = dict(l.split("=", 1) for l in open(a.env).read().split("\n") if "=" in l and not l.startswith("#"))
port = int(env["SMTP_PORT"].strip("'\""))

if a.form == "latin1-qp":
    body = a.body or "Beste,\n\nCafé één keer per week; de woning is nog vrij. Komt u zaterdag kijken?\n\nGroeten\n"
    m = MIMEText(body, "plain", "iso-8859-1")  # Python encodes Latin-1 as quoted-printable
    assert m["Content-Transfer-Encoding"] == "quoted-printable"
elif a.form == "html-b64":
    body = a.body or ("<html><head><style>p{color:blue}</style></head><body><p>Très bien,&nbsp;"
                      "l'appartement est libre.</p><p>Visite mardi&nbsp;?<br>Cordialement</p></body></html>")
    m = MIMEText(body, "html", "utf-8")  # base64 by default
    assert m["Content-Transfer-Encoding"] == "base64"
else:
    m = MIMEText(a.body or "Beste,\n\nDe woning is nog vrij. U kunt komen kijken.\n\nGroeten\n", "plain", "utf-8")
m["From"] = a.sender
m["To"] = a.to
m["Subject"] = a.subject
m["Date"] = a.date or formatdate(localtime=True)
m["Message-ID"] = a.message_id or make_msgid(domain=a.sender.split("@", 1)[1])
if a.in_reply_to:
    m["In-Reply-To"] = a.in_reply_to
    m["References"] = a.references or a.in_reply_to
elif a.references:
    m["References"] = a.references
data = m.as_bytes()
with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=30) as s:
    s.login(a.sender, a.password)
    for _ in range(2 if a.twice else 1):
        s.sendmail(a.sender, [a.to], data)
print(m["Message-ID"])
