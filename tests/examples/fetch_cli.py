#!/usr/bin/env python3
"""Runs the fetch examples as a user would, against a server of Python's
standard library that serves good and bad answers on purpose.

Usage: fetch_cli.py BIN_DIR
"""
import gzip
import http.server
import socket
import socketserver
import subprocess
import sys
import threading
import time

BODY = b"hello from the test server\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path
        if path == "/":
            self.send_body(200, BODY)
        elif path == "/gzip":
            self.send_body(200, gzip.compress(BODY * 100),
                           [("Content-Encoding", "gzip")])
        elif path == "/redirect":
            self.send_body(302, b"", [("Location", "/")])
        elif path == "/loop":
            self.send_body(302, b"", [("Location", "/loop")])
        elif path == "/missing":
            self.send_body(404, b"not found\n")
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"abc", b"defgh"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/slow":
            time.sleep(3)
            self.send_body(200, BODY)
        elif path == "/garbage":
            self.wfile.write(b"this is not HTTP\r\n\r\n")
            self.close_connection = True
        elif path == "/truncated":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
            self.close_connection = True
        elif path == "/reset":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Le")
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            self.close_connection = True
        else:
            self.send_body(404, b"")


    def do_POST(self):
        # Echoes the body, which may come chunked.
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                body += self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    break
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_body(200, body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that gave up (timeouts) are expected here


failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name)
    if not condition:
        failures.append(name)
        if detail:
            print("     " + detail.replace("\n", "\n     "))


def run(args, timeout=60):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def main():
    bin_dir = sys.argv[1]
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_address[1]
    fetch = bin_dir + "/fetch"

    # The guide's examples print the body.
    for example in ("synchronous_fetch", "asynchronous_fetch",
                    "async_fetch_future", "fetch_coroutine", "fetch_message"):
        code, out, err = run([bin_dir + "/" + example, base + "/redirect"])
        check(example + " prints the body", code == 0 and out == BODY.decode(),
              "exit %d, out %r, err %r" % (code, out, err))
    for example in ("synchronous_fetch", "async_fetch_future",
                    "fetch_coroutine", "fetch_message"):
        code, out, err = run([bin_dir + "/" + example, base + "/missing"])
        check(example + " reports a 404 as an error",
              code != 0 and "404" in err, "exit %d, err %r" % (code, err))

    streaming = bin_dir + "/fetch_streaming"
    code, out, err = run([streaming, base + "/gzip"])
    check("fetch_streaming streams a decoded body",
          code == 0 and out == (BODY * 100).decode(), "exit %d" % code)
    payload = "x" * 100000 + "end\n"
    p = subprocess.run([streaming, "--post", base + "/echo"], input=payload,
                       capture_output=True, text=True, timeout=60)
    check("fetch_streaming --post sends stdin chunked and gets it back",
          p.returncode == 0 and p.stdout == payload,
          "exit %d, err %r" % (p.returncode, p.stderr))

    for style in ("sync", "callback", "future", "coroutine", "message"):
        tag = "fetch --style " + style
        code, out, err = run([fetch, "--style", style, base + "/"])
        check(tag + ": one line per response",
              code == 0 and out == "200 %d %s/\n" % (len(BODY), base),
              "exit %d, out %r, err %r" % (code, out, err))

        urls = [base + p for p in ("/", "/gzip", "/chunked", "/missing",
                                   "/redirect")]
        code, out, err = run([fetch, "--style", style, "--concurrency", "3",
                              "--count", "4"] + urls)
        lines = out.splitlines()
        expected = {
            "200 %d %s/" % (len(BODY), base): 4,
            "200 %d %s/gzip" % (len(BODY) * 100, base): 4,
            "200 8 %s/chunked" % base: 4,
            "404 10 %s/missing" % base: 4,
            "200 %d %s/redirect" % (len(BODY), base): 4,
        }
        counts = {}
        for line in lines[:-1]:
            counts[line] = counts.get(line, 0) + 1
        check(tag + ": --count fetches every URL K times",
              code == 0 and counts == expected
              and lines[-1].startswith("requests=20 ok=20 failed=0 seconds="),
              "exit %d, out %r" % (code, out))

        bad = {
            "/slow": "request timed out",
            "/garbage": "",
            "/truncated": "connection closed inside a message",
            "/reset": "",
            "/loop": "too many redirects",
        }
        code, out, err = run([fetch, "--style", style, "--timeout", "0.5"] +
                             [base + p for p in bad])
        lines = out.splitlines()
        ok = code == 1 and len(lines) == len(bad)
        for path, message in bad.items():
            mine = [l for l in lines if l.endswith(" " + base + path)]
            ok = ok and len(mine) == 1 and mine[0].startswith("error: " +
                                                               message)
        check(tag + ": bad servers give one error line each", ok,
              "exit %d, out %r" % (code, out))

        refused = "http://127.0.0.1:1/"
        code, out, err = run([fetch, "--style", style, "--count", "2",
                              refused, "http://bad host/", base + "/"])
        lines = out.splitlines()
        check(tag + ": refused and invalid URLs fail, others go on",
              code == 1 and lines.count("error: Connection refused " + refused) == 2
              and lines.count("error: invalid host in URL http://bad host/") == 2
              and lines[-1].startswith("requests=6 ok=2 failed=4"),
              "exit %d, out %r" % (code, out))

    for args in ([], ["--style", "smoke", base], ["--count", "0", base],
                 ["--concurrency", "x", base], ["--timeout", "-1", base],
                 ["--bogus", base], ["--count"]):
        code, out, err = run([fetch] + args)
        check("fetch %s: usage error" % " ".join(args),
              code == 2 and "usage:" in err, "exit %d, err %r" % (code, err))

    server.shutdown()
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
