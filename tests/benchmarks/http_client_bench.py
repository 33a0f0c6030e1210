#!/usr/bin/python3
"""HTTP client throughput: K small GETs, C in flight, keep-alive, against a
local one-worker nginx, for gale's fetch tool in each style and for peers
in the same run: libcurl's multi interface (pycurl), curl --parallel,
Tornado's AsyncHTTPClient, and wrk as the ceiling.

The server runs on one core and every client on another (taskset). For
each client: requests per second (wall clock) and the client's CPU time
(user + system, from the kernel's accounting of the child) per request.
Each client runs --repeat times; the median run is reported, and ratios
against libcurl multi.

Needs: nginx, curl, wrk, python3-pycurl, python3-tornado (Debian), and
/usr/bin/python3 (the one those modules are installed for).

Usage: http_client_bench.py FETCH_BINARY [--requests K] [--concurrency C]
                            [--repeat R] [--only name,name]
"""
import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402
from peers import free_port  # noqa: E402

BODY = b"Hello, world"  # 12 bytes, as a hello-world server sends

PYCURL_CLIENT = r"""
import pycurl, sys, io
url, total, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
multi = pycurl.CurlMulti()
free = []
for _ in range(conc):
    c = pycurl.Curl()
    c.setopt(pycurl.WRITEFUNCTION, lambda b: None)
    free.append(c)
started = done = failed = 0
def start(c):
    c.setopt(pycurl.URL, url)
    multi.add_handle(c)
while done < total:
    while free and started < total:
        start(free.pop()); started += 1
    while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
        pass
    _, ok, bad = multi.info_read()
    for c in ok:
        if c.getinfo(pycurl.RESPONSE_CODE) != 200: failed += 1
        multi.remove_handle(c); free.append(c); done += 1
    for c, _, _ in bad:
        failed += 1; multi.remove_handle(c); free.append(c); done += 1
    if not ok and not bad:
        multi.select(1.0)
print("failed", failed)
"""

TORNADO_CLIENT = r"""
import sys
from tornado.httpclient import AsyncHTTPClient
from tornado.ioloop import IOLoop
url, total, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def main():
    client = AsyncHTTPClient(max_clients=conc)
    failed = 0
    left = total
    async def worker():
        nonlocal failed, left
        while left > 0:
            left -= 1
            r = await client.fetch(url, raise_error=False)
            if r.code != 200: failed += 1
    import asyncio
    await asyncio.gather(*[worker() for _ in range(conc)])
    print("failed", failed)
IOLoop.current().run_sync(main)
"""


def start_nginx(tmp, port, core):
    os.makedirs(os.path.join(tmp, "www"))
    with open(os.path.join(tmp, "www", "index.html"), "wb") as f:
        f.write(BODY)
    proc, _ = peers.start_nginx(tmp, port, core, f"""
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    root {tmp}/www;
    location = / {{ default_type text/plain; try_files /index.html =404; }}
  }}""", events="worker_connections 4096;")
    return proc

def measure(cmd, core, parse_requests=None, stdin=None):
    """Runs cmd pinned to core; returns (seconds, cpu_seconds, output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(["taskset", "-c", str(core)] + cmd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, stdin=stdin)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {p.stderr[-500:]}")
    return wall, cpu, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fetch")
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="")
    ap.add_argument("--server-core", type=int, default=1)
    ap.add_argument("--client-core", type=int, default=0)
    args = ap.parse_args()
    K, C = args.requests, args.concurrency
    only = set(filter(None, args.only.split(",")))

    tmp = tempfile.mkdtemp(prefix="gale-bench-")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    nginx = start_nginx(tmp, port, args.server_core)
    curl_config = os.path.join(tmp, "curl.cfg")
    with open(curl_config, "w") as f:
        for _ in range(K):
            f.write(f'url = "{url}"\noutput = "/dev/null"\n')

    def gale(style):
        return lambda: measure([args.fetch, "--style", style, "--concurrency",
                                str(C), "--count", str(K), url],
                               args.client_core)

    def wrk():
        wall, cpu, out = measure(["wrk", "-t1", f"-c{C}", "-d3s", url],
                                 args.client_core)
        n = int(re.search(r"(\d+) requests in", out).group(1))
        secs = float(re.search(r"requests in ([\d.]+)s", out).group(1))
        # wrk runs for a fixed time: scale to K requests.
        return K * secs / n, cpu * K / n, out

    clients = {
        "wrk (ceiling)": wrk,
        "libcurl multi (pycurl)": lambda: measure(
            ["/usr/bin/python3", "-c", PYCURL_CLIENT, url, str(K), str(C)],
            args.client_core),
        "curl --parallel": lambda: measure(
            ["curl", "--parallel", "--parallel-max", str(C), "-s", "-K",
             curl_config], args.client_core),
        "tornado AsyncHTTPClient": lambda: measure(
            ["/usr/bin/python3", "-c", TORNADO_CLIENT, url,
             str(K), str(C)], args.client_core),
        "gale message": gale("message"),
        "gale callback": gale("callback"),
        "gale future": gale("future"),
        "gale coroutine": gale("coroutine"),
    }
    results = {}
    try:
        for name, run in clients.items():
            if only and not any(o in name for o in only):
                continue
            runs = []
            for _ in range(args.repeat):
                wall, cpu, out = run()
                if "failed" in out and not re.search(r"failed[= ]0\b", out):
                    raise RuntimeError(f"{name}: failures: {out[-300:]}")
                runs.append((wall, cpu))
            wall, cpu = sorted(runs)[len(runs) // 2]
            results[name] = (K / wall, cpu / K * 1e6)
            print(f"{name:26s} {K / wall:9.0f} req/s {cpu / K * 1e6:7.1f} us CPU/req",
                  flush=True)
    finally:
        nginx.terminate()
        nginx.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    base = results.get("libcurl multi (pycurl)")
    if base:
        print(f"\nratios against libcurl multi ({K} GETs, {C} in flight):")
        for name, (rps, cpu) in results.items():
            print(f"{name:26s} throughput {rps / base[0]:5.2f}x  "
                  f"CPU/request {cpu / base[1]:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
