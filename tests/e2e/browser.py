#!/usr/bin/env python3
"""browser.py: opens an HTML file in headless Chromium over the DevTools
protocol and checks that it renders as a self-contained report must.

Usage: browser.py check FILE.html [--screens DIR] [--pdf OUT.pdf] [--no-charts]

Fails (exit 1, one line per problem on stderr, each starting with the file
name) on a console message of level error or warning, an exception, a
network request for anything but the file itself or a data: URL, a page
without a chart (figure.chart svg[role="img"]), and a chart that has no
size, no <title>, is not visible or whose screenshot is blank. --screens
keeps each chart's screenshot as DIR/<figure id>.png; --pdf prints the page
on A4 to OUT.pdf and checks the PDF; --no-charts for a page that has none
by design (a dossier), which then must have no chart either. Exit 2 on a usage error, 3 when
Chromium is missing, does not start or does not answer in time.

Only the standard library: the WebSocket client (RFC 6455) is the few
lines below. Chromium runs with its own temporary profile, listens on
127.0.0.1 only, and resolves every host name to nothing behind a proxy
that does not exist (127.0.0.1:9), so that even a bug here cannot reach
another host. It is killed and its profile removed on every exit path.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zlib

# Seconds for the whole run, Chromium's start included ($BROWSER_TIMEOUT).
TIMEOUT = float(os.environ.get("BROWSER_TIMEOUT") or 60)
# A chart's screenshot is blank unless at least this share of its pixels
# differs from the background and some of them are dark (ink).
MIN_INK_SHARE = 0.005
MIN_DARK_PIXELS = 20
DARK_LUMA = 110       # 0-255: below this a pixel is ink
BACKGROUND_DIFF = 40  # a pixel differs from the background by more than this in a channel
# A4 in inches for Page.printToPDF, and in PDF points for the check.
A4_IN = (8.27, 11.69)
A4_PT = (595.0, 842.0)


class Timeout(Exception):
    pass


class EnvError(Exception):
    pass


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self, what):
        t = self.end - time.monotonic()
        if t <= 0:
            raise Timeout(f"timed out after {TIMEOUT:.0f} s waiting for {what}")
        return t


class WebSocket:
    """The client side of RFC 6455: text frames out (masked), text frames
    in (fragmented or not); pings answered, a close frame ends it."""

    def __init__(self, port, path, deadline):
        self.deadline = deadline
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=deadline.left("the DevTools connection"))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self._recv(1, "the WebSocket handshake")
        self.buf = head.split(b"\r\n\r\n", 1)[1]
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        if not re.match(r"HTTP/1\.1 101\b", lines[0]):
            raise EnvError(f"DevTools refused the WebSocket: {lines[0]}")
        want = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        accept = [l.split(":", 1)[1].strip() for l in lines[1:]
                  if l.lower().startswith("sec-websocket-accept:")]
        if accept != [want]:
            raise EnvError("DevTools answered the WebSocket handshake with a wrong Sec-WebSocket-Accept")

    def _recv(self, n, what):
        self.sock.settimeout(self.deadline.left(what))
        try:
            data = self.sock.recv(max(n, 65536))
        except socket.timeout:
            raise Timeout(f"timed out after {TIMEOUT:.0f} s waiting for {what}") from None
        if not data:
            raise EnvError("Chromium closed the DevTools connection")
        return data

    def _read(self, n, what):
        while len(self.buf) < n:
            self.buf += self._recv(n - len(self.buf), what)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _frame(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        # One big-integer XOR masks a long payload at C speed.
        key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
        body = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")
        self.sock.sendall(head + mask + body)

    def send(self, text):
        self._frame(0x1, text.encode())

    def recv(self, what):
        parts = []
        while True:
            b0, b1 = self._read(2, what)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2, what))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8, what))[0]
            mask = self._read(4, what) if b1 & 0x80 else None
            payload = self._read(n, what)
            if mask:
                key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
                payload = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            if opcode == 0x8:
                raise EnvError("Chromium closed the DevTools connection")
            parts.append(payload)
            if b0 & 0x80:
                return b"".join(parts).decode()


class DevTools:
    """One DevTools session on one page target, over the browser's socket."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []
        self.session = None

    def call(self, method, what=None, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            m = json.loads(self.ws.recv(what or method))
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise EnvError(f"{method}: {m['error'].get('message')}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, name, what):
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == name:
                    return self.events.pop(i)
            m = json.loads(self.ws.recv(what))
            if "method" in m:
                self.events.append(m)


def png_pixels(png):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG,
    non-interlaced, as Chromium writes its screenshots."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(png):
        n, kind = struct.unpack("!I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            ihdr = struct.unpack("!IIBBBBB", data)
        elif kind == b"IDAT":
            idat.append(data)
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev, pos = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif f == 3:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 0xFF
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        elif f != 0:
            raise ValueError(f"bad PNG filter {f}")
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def ink(png):
    """(share of pixels unlike the background, dark pixels, background): the
    background is the commonest colour of the outermost ring of pixels."""
    w, h, rows = png_pixels(png)
    ring = rows[0] + rows[-1] + [r[0] for r in rows] + [r[-1] for r in rows]
    counts = {}
    for p in ring:
        counts[p] = counts.get(p, 0) + 1
    bg = max(counts, key=counts.get)
    differ = dark = 0
    for row in rows:
        for p in row:
            if max(abs(p[0] - bg[0]), abs(p[1] - bg[1]), abs(p[2] - bg[2])) > BACKGROUND_DIFF:
                differ += 1
            if 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] < DARK_LUMA:
                dark += 1
    return differ / max(1, w * h), dark, bg


def pdf_check(pdf):
    """Problems of a PDF as printed: header, page count, the first page's
    MediaBox (its own or inherited) against A4. Returns (problems, pages)."""
    if not pdf.startswith(b"%PDF-"):
        return ["the PDF does not start with %PDF-"], 0
    objs = {int(m.group(1)): m.group(2) for m in
            re.finditer(rb"(\d+)\s+0\s+obj\b(.*?)\bendobj", pdf, re.S)}
    root = None
    for num, body in objs.items():
        if re.search(rb"/Type\s*/Pages\b", body) and not re.search(rb"/Parent\s", body):
            root = num
    if root is None:
        return ["the PDF has no page tree"], 0
    m = re.search(rb"/Count\s+(\d+)", objs[root])
    pages = int(m.group(1)) if m else 0
    if pages < 1:
        return ["the PDF has no page"], 0
    node, box = root, None
    for _ in range(32):
        body = objs.get(node, b"")
        mb = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", body)
        if mb:
            box = [float(x) for x in mb.groups()]
        kids = re.search(rb"/Kids\s*\[\s*(\d+)\s+0\s+R", body)
        if not kids or not re.search(rb"/Type\s*/Pages\b", body):
            break
        node = int(kids.group(1))
    if box is None:
        return ["the PDF's first page has no MediaBox"], pages
    w, h = box[2] - box[0], box[3] - box[1]
    if abs(w - A4_PT[0]) > 1 or abs(h - A4_PT[1]) > 1:
        return [f"the PDF's first page is {w:g} x {h:g} points, not A4 (595 x 842)"], pages
    return [], pages


# What each chart looks like in the page: run in the page, returned by value.
CHARTS_JS = r"""
(() => {
  const doc = document.documentElement;
  const W = Math.max(doc.scrollWidth, document.body ? document.body.scrollWidth : 0);
  const H = Math.max(doc.scrollHeight, document.body ? document.body.scrollHeight : 0);
  return Array.from(document.querySelectorAll('figure.chart svg[role="img"]')).map((svg, i) => {
    const fig = svg.closest('figure.chart');
    const r = svg.getBoundingClientRect();
    const title = Array.from(svg.children).find(c => c.localName === 'title');
    let hidden = null;
    for (let el = svg; el && el.nodeType === 1; el = el.parentElement) {
      const cs = getComputedStyle(el);
      if (cs.display === 'none') { hidden = 'display: none'; break; }
      if (cs.opacity === '0') { hidden = 'opacity: 0'; break; }
    }
    if (!hidden && getComputedStyle(svg).visibility !== 'visible')
      hidden = 'visibility: ' + getComputedStyle(svg).visibility;
    const x = r.left + window.scrollX, y = r.top + window.scrollY;
    if (!hidden && r.width > 0 && r.height > 0 &&
        (x + r.width <= 0 || y + r.height <= 0 || x >= W || y >= H))
      hidden = 'outside the document';
    return {id: fig.id || ('chart-' + (i + 1)), x: x, y: y, width: r.width, height: r.height,
            title: title ? title.textContent.trim() : null, hidden: hidden};
  });
})()
"""


def start_chromium(tmp, deadline):
    exe = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not exe or not os.access(exe, os.X_OK):
        raise EnvError("Chromium not found ($CHROMIUM or chromium in PATH): install the chromium package (make deps does)")
    profile = os.path.join(tmp, "profile")
    # --disable-gpu: software rendering, so that no GL driver (Debian's
    # chromium only recommends Mesa's) is needed.
    args = [exe, "--headless", "--disable-gpu", f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--disable-breakpad",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
            "--window-size=1280,1024", "--hide-scrollbars", "about:blank"]
    if os.geteuid() == 0:
        args.insert(2, "--no-sandbox")
    # Chromium also writes beside its profile (org.chromium.Chromium.* in
    # TMPDIR, crash reports under ~/.config, scoped folders under ~/.cache,
    # GTK's dconf) and leaves them behind when killed: a TMPDIR and a home
    # of its own, removed with the rest, keep the machine clean.
    home, ctmp = os.path.join(tmp, "home"), os.path.join(tmp, "tmp")
    os.mkdir(ctmp)
    env = dict(os.environ, TMPDIR=ctmp, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"))
    log = open(os.path.join(tmp, "chromium.log"), "wb")
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                            start_new_session=True)
    log.close()
    port_file = os.path.join(profile, "DevToolsActivePort")
    while True:
        try:
            with open(port_file) as f:
                lines = f.read().split("\n")
            # Whole only once the second line is the browser's path.
            if len(lines) >= 2 and lines[0].isdigit() and re.fullmatch(
                    r"/devtools/browser/[0-9a-f-]{36}", lines[1]):
                return proc, int(lines[0]), lines[1]
        except FileNotFoundError:
            pass
        if proc.poll() is not None:
            raise EnvError(f"Chromium exited with status {proc.returncode} before listening: "
                           + last_lines(os.path.join(tmp, "chromium.log")))
        deadline.left("Chromium's DevToolsActivePort")
        time.sleep(0.02)


def last_lines(path, n=3):
    try:
        with open(path, errors="replace") as f:
            return " | ".join(l.strip() for l in f.read().strip().split("\n")[-n:])
    except OSError:
        return ""


def stop_chromium(proc, tmp):
    if proc is not None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    for _ in range(50):
        shutil.rmtree(tmp, ignore_errors=True)
        if not os.path.exists(tmp):
            break
        time.sleep(0.02)


def check(path, screens, pdf_out, no_charts=False):
    """Returns (problems, summary)."""
    deadline = Deadline(TIMEOUT)
    url = "file://" + urllib.parse.quote(path)  # path is absolute
    problems = []
    tmp = tempfile.mkdtemp(prefix="corrtest-browser-")
    proc = None
    try:
        proc, port, ws_path = start_chromium(tmp, deadline)
        dt = DevTools(WebSocket(port, ws_path, deadline))
        target = dt.call("Target.createTarget", url="about:blank")["targetId"]
        dt.session = dt.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            dt.call(f"{domain}.enable")
        dt.events.clear()  # about:blank's own
        nav = dt.call("Page.navigate", url=url)
        if nav.get("errorText"):
            problems.append(f"could not open: {nav['errorText']}")
        dt.wait_event("Page.loadEventFired", "the page to load")
        # One round trip more, so that what the page did while loading has
        # arrived before it is judged.
        charts = dt.call("Runtime.evaluate", expression=CHARTS_JS, returnByValue=True)
        if "exceptionDetails" in charts:
            raise EnvError("the chart query failed: " + json.dumps(charts["exceptionDetails"])[:300])
        charts = charts["result"]["value"]
        for e in dt.events:
            m, p = e["method"], e.get("params", {})
            if e.get("sessionId") != dt.session:
                continue
            if m == "Network.requestWillBeSent":
                u = p["request"]["url"]
                # Chromium percent-encodes a file URL its own way.
                if urllib.parse.unquote(u.split("#")[0]) != "file://" + path and not u.startswith("data:"):
                    problems.append(f"external request: {u[:200]}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                problems.append(f"console {p['type']}: {text[:300]}")
            elif m == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                text = d.get("exception", {}).get("description") or d.get("text", "")
                problems.append(f"exception: {text.splitlines()[0][:300] if text else '?'}")
            elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                en = p["entry"]
                problems.append(f"console {en['level']} ({en.get('source')}): {en.get('text', '')[:300]}"
                                + (f" [{en['url'][:200]}]" if en.get("url") else ""))
        if not charts and not no_charts:
            problems.append('no chart (figure.chart svg[role="img"])')
        if charts and no_charts:
            problems.append(f"{len(charts)} chart(s) in a page that should have none")
        if screens:
            os.makedirs(screens, exist_ok=True)
        for c in charts:
            cid = c["id"]
            if not c["title"]:
                problems.append(f"{cid}: no non-empty <title> in its svg")
            if c["hidden"]:
                problems.append(f"{cid}: not visible ({c['hidden']})")
                continue
            if c["width"] < 1 or c["height"] < 1:
                problems.append(f"{cid}: zero size ({c['width']:g} x {c['height']:g})")
                continue
            shot = dt.call("Page.captureScreenshot", "a chart's screenshot", format="png",
                           captureBeyondViewport=True, clip={
                               "x": c["x"], "y": c["y"], "width": c["width"],
                               "height": c["height"], "scale": 1})
            png = base64.b64decode(shot["data"])
            if screens:
                name = re.sub(r"[^A-Za-z0-9._-]", "_", cid)
                with open(os.path.join(screens, name + ".png"), "wb") as f:
                    f.write(png)
            share, dark, bg = ink(png)
            if share < MIN_INK_SHARE or dark < MIN_DARK_PIXELS:
                problems.append(f"{cid}: blank in its screenshot ({share * 100:.2f}% of pixels unlike "
                                f"the background rgb{bg}, {dark} dark pixels)")
        pages = None
        if pdf_out:
            res = dt.call("Page.printToPDF", "the PDF", paperWidth=A4_IN[0], paperHeight=A4_IN[1],
                          printBackground=True, displayHeaderFooter=False)
            pdf = base64.b64decode(res["data"])
            with open(pdf_out, "wb") as f:
                f.write(pdf)
            bad, pages = pdf_check(pdf)
            problems += bad
        summary = f"{len(charts)} chart{'s' if len(charts) != 1 else ''} checked"
        if pages is not None:
            summary += f", PDF {pages} page{'s' if pages != 1 else ''} on A4 ({pdf_out})"
        return problems, summary
    finally:
        stop_chromium(proc, tmp)


def main(argv):
    usage = "usage: browser.py check FILE.html [--screens DIR] [--pdf OUT.pdf] [--no-charts]"
    if len(argv) < 2 or argv[0] != "check":
        print(usage, file=sys.stderr)
        return 2
    path, screens, pdf_out, rest = argv[1], None, None, argv[2:]
    no_charts = False
    while rest:
        if rest[0] == "--no-charts":
            no_charts = True
            rest = rest[1:]
        elif rest[0] in ("--screens", "--pdf") and len(rest) >= 2:
            if rest[0] == "--screens":
                screens = rest[1]
            else:
                pdf_out = rest[1]
            rest = rest[2:]
        else:
            print(usage, file=sys.stderr)
            return 2
    if not os.path.isfile(path):
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    # SIGTERM and SIGINT unwind through the finally that kills Chromium.
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda *_: sys.exit(3))
    try:
        problems, summary = check(os.path.abspath(path), screens, pdf_out, no_charts)
    except (Timeout, EnvError, OSError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 3
    for p in problems:
        print(f"{path}: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"{path}: ok, {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
