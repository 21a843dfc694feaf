#!/usr/bin/env python3
"""update_server.py: a hostile or slow HTTP server for tests/root/test_update.sh.

  update_server.py PORT MODE [DIR]

Listens on 127.0.0.1 only. MODE:
  garbage   every GET answers 200 with 100 random bytes
  huge      snapshot.info is 1 MiB of KEY=value lines; everything else 404
  loop      every request redirects to itself
  slow      serves DIR's files (with Content-Length), filesystem.squashfs at
            about 2 MiB/s, so that a run can be interrupted mid-download
  cut       serves DIR's files, but filesystem.squashfs ends after half of
            the Content-Length it announces
  liar      serves DIR's files, but a HEAD of filesystem.squashfs announces
            one byte less than the GET then sends
"""
import http.server
import os
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    mode = "garbage"
    root = "."

    def log_message(self, *args):
        pass

    def send_body(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def serve_file(self):
        path = os.path.join(self.root, os.path.basename(self.path))
        if not os.path.isfile(path):
            self.send_error(404)
            return
        size = os.path.getsize(path)
        squashfs = path.endswith("filesystem.squashfs")
        self.send_response(200)
        lie = self.mode == "liar" and squashfs and self.command == "HEAD"
        self.send_header("Content-Length", str(size - 1 if lie else size))
        self.end_headers()
        if self.command != "GET":
            return
        slow = self.mode == "slow" and squashfs
        left = size // 2 if self.mode == "cut" and squashfs else size
        with open(path, "rb") as f:
            while left > 0:
                chunk = f.read(min(64 << 10, left))
                left -= len(chunk)
                if not chunk:
                    break
                self.wfile.write(chunk)
                if slow:
                    time.sleep(0.03)

    def do_GET(self):
        if self.mode == "garbage":
            self.send_body(os.urandom(100))
        elif self.mode == "huge":
            if self.path.endswith("/snapshot.info"):
                self.send_body(b"".join(b"k%d=%s\n" % (i, b"x" * 100) for i in range(10000)))
            else:
                self.send_error(404)
        elif self.mode == "loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.serve_file()
        if self.mode == "cut":
            self.close_connection = True

    do_HEAD = do_GET


def main():
    port, Handler.mode = int(sys.argv[1]), sys.argv[2]
    if len(sys.argv) > 3:
        Handler.root = sys.argv[3]
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
