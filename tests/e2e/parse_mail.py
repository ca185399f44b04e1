#!/usr/bin/env python3
"""parse_mail.py: reads composed messages with Python's email package (policy
default), an implementation independent of GMime, for the e2e tests.

  parse_mail.py show FILE
      prints the decoded fields of one message as a JSON object
  parse_mail.py check STUDY_DIR OUTBOX_DIR
      checks every file in OUTBOX_DIR/new against the study's database and
      templates: From name and address (the persona), To (the listing's
      contact), Subject and body (the template rendered here, independently
      of corrtest), Date (scheduled_at), Message-ID (application.message_id,
      unique), and that the file is the raw message stored in the study.
      Prints "ok N" or the first mismatch, exit 1.
  parse_mail.py gmime OUTBOX_DIR
      (run with an interpreter that has python3-gi and gir1.2-gmime-3.0)
      parses every file in OUTBOX_DIR/new with GMime 3 and prints one JSON
      object per file: From name and address, To, Subject, Message-ID, the
      body's type, charset and text. Exit 1 if GMime cannot parse one.
  parse_mail.py agree STUDY_DIR OUTBOX_DIR GMIME_JSONL
      checks that GMime (the output of "gmime") and Python's email package
      read the same From name and address, To, Subject, Message-ID and body
      from every file, and that these are the study's values (the persona's
      name and address, application.message_id). Prints "ok N" or the first
      disagreement, exit 1.
"""
import email
import email.policy
import hashlib
import json
import os
import re
import sqlite3
import sys
from datetime import datetime, timezone


def parse(path):
    with open(path, "rb") as f:
        raw = f.read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    frm = m["From"].addresses
    to = m["To"].addresses
    body = m.get_body(preferencelist=("plain",))
    return raw, {
        "from_count": len(frm),
        "from_name": frm[0].display_name,
        "from_addr": frm[0].addr_spec,
        "to_addr": to[0].addr_spec if to else None,
        "subject": str(m["Subject"]),
        "message_id": str(m["Message-ID"]),
        "date": m["Date"].datetime.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content_type": body.get_content_type(),
        "charset": body.get_content_charset(),
        "body": body.get_content(),
        "defects": len(m.defects) + len(body.defects),
        "headers": [k for k in m.keys()],
    }


PH = re.compile(r"\{\{([a-z0-9_.]+)(?:\|([^{}|]+))?\}\}")


def render(text, values):
    def sub(mo):
        v = values.get(mo.group(1)) or ""
        if v == "":
            if mo.group(2) is None:
                raise ValueError("no value for " + mo.group(1))
            return mo.group(2)
        return v
    return PH.sub(sub, text)


def template(study, variant):
    ini = open(os.path.join(study, "study.ini"), encoding="utf-8").read()
    mo = re.search(r"^\[templates\]\s*(?:;.*\n|\s)*dir\s*=\s*(\S+)", ini, re.M)
    tdir = mo.group(1) if mo else "templates"
    lines = open(os.path.join(study, tdir, "v%d.txt" % variant), encoding="utf-8").read().split("\n")
    i = 0
    while lines[i].startswith("#"):
        i += 1
    subject = lines[i][len("Subject:"):].strip()
    body = "\n".join(lines[i + 2:]).rstrip("\n") + "\n"
    return subject, body


def price_text(p, lang):
    if p is None:
        return ""
    if p == int(p):
        return str(int(p))
    s = "%.2f" % p
    return s if lang == "en" else s.replace(".", ",")


def check(study, outbox):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(study, "study.db"), uri=True)
    city, lang = db.execute("SELECT city, lang FROM study").fetchone()
    files = sorted(os.listdir(os.path.join(outbox, "new")))
    seen = set()
    for name in files:
        mo = re.fullmatch(r"(\d+)\.(\d+)\.corrtest", name)
        if not mo:
            return "unexpected file name " + name
        app = int(mo.group(2))
        row = db.execute(
            "SELECT p.first_name, p.last_name, p.email, p.phone, p.profile, c.contact_email,"
            " l.ref, l.area, l.title, l.url, l.price, a.variant, a.scheduled_at, a.message_id,"
            " l.occupation, l.isco"
            " FROM application a JOIN persona p ON p.id = a.persona"
            " JOIN listing l ON l.id = a.listing"
            " LEFT JOIN listing_contact c ON c.listing = l.id WHERE a.id = ?", (app,)).fetchone()
        if not row:
            return "%s: no application %d" % (name, app)
        (first, last, addr, phone, profile, contact, ref, area, title, url, price,
         variant, sched, msgid, occupation, isco) = row
        raw, f = parse(os.path.join(outbox, "new", name))
        vals = {"persona.first_name": first, "persona.last_name": last,
                "persona.full_name": first + " " + last, "persona.email": addr,
                "persona.phone": phone, "listing.ref": ref, "listing.area": area,
                "listing.title": title, "listing.url": url,
                "listing.price": price_text(price, lang), "study.city": city,
                "listing.occupation": occupation, "listing.isco": isco}
        for k, v in json.loads(profile).items():
            vals["profile." + k] = v
        subject, body = template(study, variant)
        want = {"from_count": 1, "from_name": first + " " + last, "from_addr": addr,
                "to_addr": contact, "subject": render(subject, vals),
                "message_id": msgid, "date": sched, "content_type": "text/plain",
                "charset": "utf-8", "body": render(body, vals), "defects": 0}
        for k, v in want.items():
            if f[k] != v:
                return "%s: %s is %r, expected %r" % (name, k, f[k], v)
        if int(mo.group(1)) != int(datetime.strptime(sched, "%Y-%m-%dT%H:%M:%SZ")
                                   .replace(tzinfo=timezone.utc).timestamp()):
            return "%s: file name does not carry the scheduled time" % name
        if msgid in seen:
            return "%s: Message-ID %s used twice" % (name, msgid)
        seen.add(msgid)
        for h in f["headers"]:
            if h.lower().startswith("x-"):
                return "%s: header %s gives the message away" % (name, h)
        stored = db.execute("SELECT raw, sha256, mailbox, message_id FROM message WHERE"
                            " application = ? AND direction = 'out' ORDER BY id DESC LIMIT 1",
                            (app,)).fetchone()
        if not stored or stored[0] != raw or stored[2] != addr or stored[3] != msgid:
            return "%s: not the message stored in the study" % name
        if hashlib.sha256(raw).hexdigest() != stored[1]:
            return "%s: stored sha256 does not match" % name
    return "ok %d" % len(files)


def gmime(outbox):
    import gi
    gi.require_version("GMime", "3.0")
    from gi.repository import GMime
    GMime.init()
    for name in sorted(os.listdir(os.path.join(outbox, "new"))):
        with open(os.path.join(outbox, "new", name), "rb") as f:
            raw = f.read()
        parser = GMime.Parser.new_with_stream(GMime.StreamMem.new_with_buffer(raw))
        m = parser.construct_message(None)
        if m is None:
            print("GMime cannot parse " + name, file=sys.stderr)
            return 1
        frm, to = m.get_from(), m.get_to()
        body = m.get_body()
        ctype = body.get_content_type()
        print(json.dumps({
            "file": name,
            "from_count": frm.length(),
            "from_name": frm.get_address(0).get_name() or "",
            "from_addr": frm.get_address(0).get_addr(),
            "to_addr": to.get_address(0).get_addr() if to.length() else None,
            "subject": m.get_subject(),
            "message_id": "<%s>" % m.get_message_id(),
            "content_type": ctype.get_mime_type(),
            "charset": (ctype.get_parameter("charset") or "").lower(),
            "body": body.get_text(),
        }, ensure_ascii=False))
    return 0


def agree(study, outbox, jsonl):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(study, "study.db"), uri=True)
    g = {}
    for line in open(jsonl, encoding="utf-8"):
        o = json.loads(line)
        g[o["file"]] = o
    files = sorted(os.listdir(os.path.join(outbox, "new")))
    if sorted(g) != files:
        return "GMime read %d files, the outbox has %d" % (len(g), len(files))
    for name in files:
        _, p = parse(os.path.join(outbox, "new", name))
        app = int(name.split(".")[1])
        first, last, addr, msgid = db.execute(
            "SELECT p.first_name, p.last_name, p.email, a.message_id FROM application a"
            " JOIN persona p ON p.id = a.persona WHERE a.id = ?", (app,)).fetchone()
        want = {"from_count": 1, "from_name": first + " " + last, "from_addr": addr,
                "message_id": msgid}
        for k in ("from_count", "from_name", "from_addr", "to_addr", "subject", "message_id",
                  "content_type", "charset", "body"):
            if g[name][k] != p[k]:
                return "%s: %s: GMime reads %r, Python %r" % (name, k, g[name][k], p[k])
            if k in want and p[k] != want[k]:
                return "%s: %s is %r, the study has %r" % (name, k, p[k], want[k])
    return "ok %d" % len(files)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "gmime":
        return gmime(sys.argv[2])
    if len(sys.argv) == 5 and sys.argv[1] == "agree":
        r = agree(sys.argv[2], sys.argv[3], sys.argv[4])
        print(r)
        return 0 if r.startswith("ok ") else 1
    if len(sys.argv) == 3 and sys.argv[1] == "show":
        _, f = parse(sys.argv[2])
        print(json.dumps(f, ensure_ascii=False))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        r = check(sys.argv[2], sys.argv[3])
        print(r)
        return 0 if r.startswith("ok ") else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
