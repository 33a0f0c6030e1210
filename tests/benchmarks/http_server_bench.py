#!/usr/bin/python3
"""HTTP server benchmarks, gale against Debian's nginx (one worker) and a
Tornado hello-world in the same run:

1. throughput: wrk, keep-alive GET / (12-byte body), 100 and 1000
   connections, server pinned to one core and wrk to the other; requests/s
   (the median of --rounds runs) and p99 latency, and each server's ratio
   to nginx.
2. idle connections: N keep-alive connections, each after one request,
   held open; the server's RSS growth per connection, and whether all N
   are still served afterwards.

Usage: http_server_bench.py HTTP_SERVER_BINARY [--seconds S] [--idle N]
                            [--rounds R] [--only gale,nginx,tornado]
"""
import argparse
import os
import re
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402
from peers import free_port, wait_port  # noqa: E402,F401

TORNADO_SERVER = r"""
import sys, tornado.ioloop, tornado.web
class Hello(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write("Hello, world")
app = tornado.web.Application([(r"/", Hello)])
app.listen(int(sys.argv[1]), "127.0.0.1")
print("listening", flush=True)
tornado.ioloop.IOLoop.current().start()
"""


def start_gale(binary, port, handler, core):
    p = subprocess.Popen(["taskset", "-c", str(core), binary, "--port",
                          str(port), "--handler", handler],
                         stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    return p, p.pid


def start_nginx(tmp, port, core):
    # The same work as gale's: the answer comes from memory (no open, stat
    # or sendfile per request), no access log.
    return peers.start_nginx(tmp, port, core, f"""
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location = / {{ default_type text/plain; return 200 "Hello, world"; }}
  }}""", top="worker_rlimit_nofile 30000;",
                             events="worker_connections 30000;")


def start_tornado(port, core):
    p = subprocess.Popen(["taskset", "-c", str(core), "/usr/bin/python3",
                          "-c", TORNADO_SERVER, str(port)],
                         stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    return p, p.pid


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wrk(port, connections, seconds, core):
    out = subprocess.check_output(
        ["taskset", "-c", str(core), "wrk", "-t1", "-c%d" % connections,
         "-d%ds" % seconds, "--latency", "http://127.0.0.1:%d/" % port],
        text=True)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(errors.group(1)) if errors else 0


REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def one_round(socks):
    """Sends a request on every socket and reads every answer; returns how
    many answered."""
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(True)
        s.sendall(REQUEST)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, b"")
    answered = 0
    pending = {s: b"" for s in socks}
    deadline = time.monotonic() + 60
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(1):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(s)
                del pending[s]
                continue
            pending[s] += data
            if pending[s].endswith(b"Hello, world"):
                answered += 1
                sel.unregister(s)
                del pending[s]
    sel.close()
    return answered


def idle_connections(port, pid, n):
    before = rss_kib(pid)
    socks = []
    for _ in range(n):
        socks.append(socket.create_connection(("127.0.0.1", port), 10))
    first = one_round(socks)
    time.sleep(1.0)
    after = rss_kib(pid)
    second = one_round(socks)  # all still alive and served
    for s in socks:
        s.close()
    return (after - before) / n, first, second


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("http_server")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--idle", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="")
    ap.add_argument("--server-core", type=int, default=1)
    ap.add_argument("--client-core", type=int, default=0)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    only = set(filter(None, args.only.split(",")))

    servers = [
        ("gale callback", lambda t, p: start_gale(args.http_server, p,
                                                  "callback", args.server_core)),
        ("gale coroutine", lambda t, p: start_gale(args.http_server, p,
                                                   "coroutine", args.server_core)),
        ("gale actor", lambda t, p: start_gale(args.http_server, p, "actor",
                                               args.server_core)),
        ("nginx (1 worker)", lambda t, p: start_nginx(t, p, args.server_core)),
        ("tornado", lambda t, p: start_tornado(p, args.server_core)),
    ]
    rates = {}
    for name, start in servers:
        if only and not any(o in name for o in only):
            continue
        tmp = tempfile.mkdtemp(prefix="gale-srv-bench-")
        port = free_port()
        proc, pid = start(tmp, port)
        try:
            wait_port(port)
            row = [name]
            for c in (100, 1000):
                runs = sorted((wrk(port, c, args.seconds, args.client_core)
                               for _ in range(args.rounds)),
                              key=lambda r: r[0])
                rps, p99, errors = runs[len(runs) // 2]
                rates.setdefault(name, {})[c] = rps
                row.append("%8.0f req/s p99 %7s%s" % (
                    rps, p99, " (%d errors)" % errors if errors else ""))
            if args.idle and "actor" not in name and "coroutine" not in name:
                kib, first, second = idle_connections(port, pid, args.idle)
                row.append("idle: %.2f KiB/conn, %d/%d served twice" % (
                    kib, min(first, second), args.idle))
            print(" | ".join(row), flush=True)
        finally:
            proc.terminate()
            proc.wait()
            shutil.rmtree(tmp, ignore_errors=True)
    nginx = rates.get("nginx (1 worker)")
    if nginx:
        for name, r in rates.items():
            print("%-18s vs nginx: %s" % (name, ", ".join(
                "%.2fx at %d" % (r[c] / nginx[c], c) for c in sorted(r))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
