"""Small helpers for start.sh / stop.sh (run with /usr/bin/python3).

    mailctl.py ports N                       print N free loopback TCP ports
    mailctl.py wait SECS PID... WHAT...      wait until every WHAT is ready:
                                             imap:HOST:PORT (an IMAP greeting) or
                                             file:PATH (exists); fails at once if
                                             a PID dies
    mailctl.py tree DIR PID...               print each PID whose command line
                                             names DIR, and all its descendants
"""
import os
import socket
import sys
import time


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def imap_ready(host, port):
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.settimeout(1)
            return s.recv(200).startswith(b"* OK")
    except OSError:
        return False


def ready(what):
    kind, _, arg = what.partition(":")
    if kind == "imap":
        host, _, port = arg.rpartition(":")
        return imap_ready(host, int(port))
    if kind == "file":
        return os.path.exists(arg)
    raise SystemExit(f"mailctl.py: unknown condition {what}")


def wait(secs, pids, whats):
    end = time.monotonic() + secs
    todo = list(whats)
    while time.monotonic() < end:
        todo = [w for w in todo if not ready(w)]
        if not todo:
            return True
        dead = [p for p in pids if not alive(p)]
        if dead:
            print(f"mailctl.py: process {dead[0]} died before {todo[0]} was ready", file=sys.stderr)
            return False
        time.sleep(0.02)
    print(f"mailctl.py: still not ready after {secs} s: {' '.join(todo)}", file=sys.stderr)
    return False


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def tree(d, pids):
    children = {}
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                with open(f"/proc/{e}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(e))
    out, todo = [], [int(p) for p in pids if p.isdigit() and d in cmdline(p)]
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out.append(p)
        todo.extend(children.get(p, []))
    print(" ".join(str(p) for p in out if alive(p)))


def main(a):
    if a[0] == "ports":
        ports(int(a[1]))
    elif a[0] == "wait":
        i = 2
        pids = []
        while i < len(a) and a[i].isdigit():
            pids.append(int(a[i]))
            i += 1
        return 0 if wait(float(a[1]), pids, a[i:]) else 1
    elif a[0] == "tree":
        tree(a[1], a[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
