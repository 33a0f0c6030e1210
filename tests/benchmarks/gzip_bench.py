#!/usr/bin/python3
"""Response compression, gale against Debian's nginx (one worker, its gzip
module) in the same run, at the same zlib level, on the same 64 KiB text.

Both answer GET /text from memory: gale's examples/http_server --gzip
copies 64 KiB of its prose per request (/text?kb=64), nginx `return`s the
same text from its config's variables.
wrk (Accept-Encoding: gzip, keep-alive) drives each server, pinned to one
core while wrk runs on the other. The figure is the server's CPU time
(utime + stime from /proc) per compressed response, over --rounds
interleaved rounds; the ratio gale / nginx is what counts (the goal: at
most 1.2). Both answers are checked to decode to the same text first.

Usage: gzip_bench.py HTTP_SERVER_BINARY [--seconds S] [--rounds R]
                     [--level L] [--connections C]
"""
import argparse
import gzip
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import free_port, start_nginx as run_nginx  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def fetch(port, path, gzip_ok):
    """The answer's headers and its body as sent (still compressed)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path,
                 headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.headers, body


def start_gale(binary, port, level, core):
    # The example's compression level is the server's default, 6; nginx is
    # configured to match (its own default is 1).
    if level != 6:
        raise SystemExit("examples/http_server compresses at level 6 only")
    p = subprocess.Popen(["taskset", "-c", str(core), binary, "--port",
                          str(port), "--gzip"], stdout=subprocess.PIPE,
                         text=True)
    p.stdout.readline()
    return p, p.pid, "/text?kb=64"


def start_nginx(tmp, port, level, core, text):
    # nginx takes no parameter over 4 KiB: the text is set in pieces and
    # `return`ed as their concatenation, from memory as gale answers.
    pieces = [text[i:i + 4000] for i in range(0, len(text), 4000)]
    sets = "".join('set $t%d "%s";\n' % (i, p) for i, p in enumerate(pieces))
    body = "".join("$t%d" % i for i in range(len(pieces)))
    return run_nginx(tmp, port, core, f"""
  keepalive_requests 10000000;
  gzip on; gzip_comp_level {level}; gzip_types text/plain;
  gzip_min_length 1024; gzip_vary on;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location = /text {{
      default_type text/plain;
{sets}      return 200 "{body}";
    }}
  }}""", events="worker_connections 4096;") + ("/text",)


def wrk(port, path, connections, seconds, core):
    out = subprocess.check_output(
        ["taskset", "-c", str(core), "wrk", "-t1", "-c%d" % connections,
         "-d%ds" % seconds, "-H", "Accept-Encoding: gzip",
         "http://127.0.0.1:%d%s" % (port, path)], text=True)
    done = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return done, int(errors.group(1)) if errors else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--level", type=int, default=6)
    ap.add_argument("--connections", type=int, default=10)
    ap.add_argument("--server-core", type=int, default=0)
    ap.add_argument("--client-core", type=int, default=1)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="gale-gzip-bench-")
    gale_port, nginx_port = free_port(), free_port()
    gale = start_gale(args.binary, gale_port, args.level, args.server_core)
    try:
        _, text = fetch(gale_port, "/text?kb=64", False)
        if len(text) != 65536 or b'"' in text or b"$" in text:
            raise SystemExit("unexpected /text?kb=64 from gale")
        nginx = start_nginx(tmp, nginx_port, args.level, args.server_core,
                            text.decode())
        try:
            servers = {"gale": (gale_port,) + gale[1:],
                       "nginx (1 worker)": (nginx_port,) + nginx[1:]}
            for name, (port, pid, path) in servers.items():
                head, body = fetch(port, path, True)
                if head.get("Content-Encoding") != "gzip" \
                        or gzip.decompress(body) != text:
                    raise SystemExit("%s: no gzip answer of the text" % name)
                print("%-18s %d bytes compressed (%.2f:1)" %
                      (name, len(body), len(text) / len(body)))
            per_response = {name: [] for name in servers}
            for r in range(args.rounds):
                for name, (port, pid, path) in servers.items():
                    before = cpu_seconds(pid)
                    done, errors = wrk(port, path, args.connections,
                                       args.seconds, args.client_core)
                    used = cpu_seconds(pid) - before
                    if errors or done == 0:
                        raise SystemExit("%s: %d errors" % (name, errors))
                    per_response[name].append(used / done * 1e6)
                    print("round %d %-18s %8d responses, %.1f us CPU each" %
                          (r + 1, name, done, per_response[name][-1]),
                          flush=True)
            medians = {n: statistics.median(v) for n, v in per_response.items()}
            for name, m in medians.items():
                print("%-18s median %.1f us CPU per 64 KiB gzip response" %
                      (name, m))
            ratio = medians["gale"] / medians["nginx (1 worker)"]
            print("gale / nginx CPU per response: %.2fx (goal: at most 1.2)"
                  % ratio)
        finally:
            nginx[0].terminate()
            nginx[0].wait()
    finally:
        gale[0].terminate()
        gale[0].wait()


if __name__ == "__main__":
    main()
