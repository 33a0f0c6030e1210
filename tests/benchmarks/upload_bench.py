#!/usr/bin/python3
"""A 1 GiB upload by curl to a handler that discards the body: gale's
examples/http_server (POST /upload, streamed to the handler) against
Debian's nginx (one worker, client_max_body_size 0, a location that
`return`s at once, so nginx reads and discards the body) in the same run.

After one warm-up upload each, every round uploads the same 1 GiB file (sparse: reading it costs curl no
disk) once to each server with a Content-Length, curl pinned to one core
and the server to the other. The figures: each upload's wall time
(throughput, MiB/s), the server's CPU time for it, and gale's resident
memory, sampled every 5 ms during its uploads (the goal: under 16 MiB)
beside its peak (VmHWM). The ratio gale / nginx throughput is the median
over --rounds interleaved rounds (the goal: at least 0.8).

Usage: upload_bench.py HTTP_SERVER_BINARY [--rounds R] [--size-mib N]
                       [--handler callback|coroutine|actor]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import free_port, start_nginx as run_nginx  # noqa: E402
from gzip_bench import cpu_seconds  # noqa: E402


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def start_gale(binary, port, handler, core):
    p = subprocess.Popen(["taskset", "-c", str(core), binary, "--port",
                          str(port), "--handler", handler,
                          "--max-body-size", str(1 << 40)],
                         stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    return p, p.pid


def start_nginx(tmp, port, core):
    return run_nginx(tmp, port, core, f"""
  client_max_body_size 0;
  server {{
    listen 127.0.0.1:{port};
    location = /upload {{
      default_type text/plain;
      return 200 "discarded";
    }}
  }}""")


def upload(port, path, core, pid, watch_rss):
    """Seconds for one upload, its answer, and the largest RSS seen."""
    largest = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            largest[0] = max(largest[0], status_kib(pid, "VmRSS"))
            time.sleep(0.005)
    sampler = threading.Thread(target=sample)
    if watch_rss:
        sampler.start()
    start = time.monotonic()
    out = subprocess.run(["taskset", "-c", str(core), "curl", "-s", "-S",
                          "-X", "POST", "-T", path,
                          "http://127.0.0.1:%d/upload" % port],
                         capture_output=True, timeout=600)
    took = time.monotonic() - start
    done.set()
    if watch_rss:
        sampler.join()
    return took, out.stdout, largest[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--handler", default="callback")
    ap.add_argument("--server-core", type=int, default=0)
    ap.add_argument("--client-core", type=int, default=1)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="gale-upload-bench-")
    size = args.size_mib * 1024 * 1024
    body = os.path.join(tmp, "body")
    with open(body, "wb") as f:
        f.truncate(size)
    gale_port, nginx_port = free_port(), free_port()
    gale = start_gale(args.binary, gale_port, args.handler, args.server_core)
    nginx = start_nginx(tmp, nginx_port, args.server_core)
    try:
        servers = {"gale": (gale_port, gale[1], b"received %d" % size),
                   "nginx (1 worker)": (nginx_port, nginx[1], b"discarded")}
        print("gale idle: %d KiB resident" % status_kib(gale[1], "VmRSS"))
        rates = {name: [] for name in servers}
        cpu = {name: [] for name in servers}
        rss = []
        for name, (port, pid, expect) in servers.items():
            upload(port, body, args.client_core, pid, False)  # warm caches
        for r in range(args.rounds):
            for name, (port, pid, expect) in servers.items():
                before = cpu_seconds(pid)
                took, answer, largest = upload(port, body, args.client_core,
                                               pid, name == "gale")
                if answer != expect:
                    raise SystemExit("%s answered %r" % (name, answer))
                rates[name].append(args.size_mib / took)
                cpu[name].append(cpu_seconds(pid) - before)
                if name == "gale":
                    rss.append(largest)
                print("round %d %-18s %7.0f MiB/s, %.2f s CPU%s" %
                      (r + 1, name, rates[name][-1], cpu[name][-1],
                       ", %d KiB resident at most" % largest
                       if name == "gale" else ""), flush=True)
        for name in servers:
            print("%-18s median %.0f MiB/s, %.2f s CPU per upload" %
                  (name, statistics.median(rates[name]),
                   statistics.median(cpu[name])))
        print("gale resident during uploads: at most %d KiB (peak ever %d "
              "KiB; goal: under 16384)" % (max(rss),
                                           status_kib(gale[1], "VmHWM")))
        ratio = statistics.median(rates["gale"]) / \
            statistics.median(rates["nginx (1 worker)"])
        print("gale / nginx upload throughput: %.2fx (goal: at least 0.8)"
              % ratio)
    finally:
        for p in (gale[0], nginx[0]):
            p.terminate()
            p.wait()
        os.unlink(body)


if __name__ == "__main__":
    main()
