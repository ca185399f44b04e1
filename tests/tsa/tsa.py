"""tsa.py DIR: an RFC 3161 time-stamp authority over HTTP for tests, on
127.0.0.1 only, at a free port it writes to DIR/port once it listens.

Each POST body (a DER TimeStampReq) is answered by `openssl ts -reply` with
DIR/tsa.cnf (made by tests/tsa/make.sh) and sent back as
application/timestamp-reply. DIR/mode, read at each request, makes it
misbehave: "junk" (a body that is no reply), "error" (HTTP 500), "reject"
(the section tsa_reject, which refuses SHA-256: status rejection), "replay"
(the last time-stamp it granted, for an earlier request), "hold" (writes
DIR/held on receiving the request, then answers as usual only once DIR/release
exists: a slow authority a test controls without timing). Every request is counted in
DIR/requests (one line each). Stop it with SIGTERM.
"""
import os
import subprocess
import time
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, HTTPServer

D = sys.argv[1]
last = {"reply": None}


def mode():
    try:
        with open(os.path.join(D, "mode")) as f:
            return f.read().strip()
    except FileNotFoundError:
        return "ok"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.path.join(D, "requests"), "a") as f:
            f.write(f"{self.headers.get('Content-Type')} {len(body)}\n")
        m = mode()
        if m == "hold":
            open(os.path.join(D, "held"), "w").close()
            for _ in range(600):
                if os.path.exists(os.path.join(D, "release")):
                    break
                time.sleep(0.1)
        if m == "error":
            self.send_error(500, "the authority is broken")
            return
        if m == "junk":
            reply = b"this is not a time-stamp reply\n"
        elif m == "replay" and last["reply"]:
            reply = last["reply"]
        else:
            with tempfile.TemporaryDirectory(dir=D) as t:
                q, r = os.path.join(t, "q.tsq"), os.path.join(t, "r.tsr")
                with open(q, "wb") as f:
                    f.write(body)
                cmd = ["openssl", "ts", "-reply", "-config", os.path.join(D, "tsa.cnf"),
                       "-queryfile", q, "-out", r]
                if m == "reject":
                    cmd[3:3] = ["-section", "tsa_reject"]
                p = subprocess.run(cmd, capture_output=True)
                if p.returncode != 0 or not os.path.exists(r):
                    self.send_error(500, "openssl ts -reply failed")
                    sys.stderr.write(p.stderr.decode(errors="replace"))
                    return
                with open(r, "rb") as f:
                    reply = f.read()
            if m != "reject":
                last["reply"] = reply
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, fmt, *args):
        sys.stderr.write("tsa.py: " + (fmt % args) + "\n")


server = HTTPServer(("127.0.0.1", 0), Handler)
tmp = os.path.join(D, "port.tmp")
with open(tmp, "w") as f:
    f.write(f"{server.server_address[1]}\n")
os.rename(tmp, os.path.join(D, "port"))
server.serve_forever()
