#!/usr/bin/python3
"""listings_server.py: a property portal on loopback for the re-check test
(0410): serves the adverts of a routes file, and logs every request.

usage: listings_server.py ROUTES.json PORTFILE LOG

ROUTES.json maps a path (with its query, if any) to what it answers, read
again at every request so that a test can change a page between runs:
  {"/a/1": {"status": 200, "file": "stay.html"},
   "/a/5": {"status": 301, "location": "/zoeken?q=gent"}}
"file" is relative to the routes file's folder and served byte for byte
(text/html); a path not in the file is a 404 with a short body. The
server binds 127.0.0.1 on a free port and writes the port to PORTFILE once
it listens. Each request appends one line to LOG: the time (time.time(),
when the request arrived), the path and the User-Agent, tab-separated."""
import http.server
import json
import os
import sys
import time

routes_path, port_file, log_path = sys.argv[1:4]
base = os.path.dirname(os.path.abspath(routes_path))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        arrived = time.time()
        with open(log_path, "a") as log:
            log.write("%.6f\t%s\t%s\n" % (arrived, self.path, self.headers.get("User-Agent", "")))
        routes = json.load(open(routes_path))
        r = routes.get(self.path)
        if r is None:
            body = b"<html><head><title>Not found</title></head><body>Not found</body></html>"
            self.send_response(404)
        elif "location" in r:
            body = b""
            self.send_response(r["status"])
            self.send_header("Location", r["location"])
        else:
            body = open(os.path.join(base, r["file"]), "rb").read()
            self.send_response(r["status"])
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
