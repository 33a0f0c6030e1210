#!/usr/bin/python3
"""The crawl's pages per second: the pipeline example in one process, and
as a coordinator with two worker processes on loopback (fetch and parse on
the workers), in the same run, rounds interleaved so drift on a shared
machine hits both alike. Reports the median pages/s from the example's own
report (crawl time only, start-up excluded), the CPU time of all the
processes per page, and the ratio of the two set-ups. Every round checks
that both set-ups report the same counts.

Usage: pipeline_bench.py BIN_DIR [--pages N] [--rounds R] [--concurrency C]
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_cpu(p):
    """Waits for a child and returns its user + system CPU seconds."""
    _, _, usage = os.wait4(p.pid, 0)
    p.returncode = 0
    return usage.ru_utime + usage.ru_stime


def counts(report):
    keep = [l for l in report.splitlines()
            if re.match(r"(pages|links|bytes|errors|words|top) ", l)]
    return [re.sub(r"127\.0\.0\.1:\d+", "SITE", l) for l in keep]


def crawl(args, extra):
    command = [args.bin_dir + "/pipeline", "--pages", str(args.pages),
               "--concurrency", str(args.concurrency)] + extra
    p = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    cpu = wait_cpu(p)
    m = re.search(r"time +([0-9.]+) s, (\d+) pages/s", out)
    if not m:
        sys.exit("no report from %s:\n%s" % (" ".join(command), out))
    return float(m.group(2)), cpu, counts(out)


def one_process(args):
    return crawl(args, [])


def with_workers(args):
    workers, ports = [], []
    for _ in range(2):
        port = free_port()
        w = subprocess.Popen([args.bin_dir + "/pipeline", "--worker",
                              "--port", str(port)],
                             stdout=subprocess.PIPE, text=True)
        w.stdout.readline()  # "worker listening on ..."
        workers.append(w)
        ports.append("127.0.0.1:%d" % port)
    try:
        rate, cpu, result = crawl(args, ["--workers", ",".join(ports)])
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        cpu_workers = sum(wait_cpu(w) for w in workers)
    return rate, cpu + cpu_workers, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--pages", type=int, default=50000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    setups = [("one process", one_process),
              ("coordinator + 2 workers", with_workers)]
    rates = {name: [] for name, _ in setups}
    cpus = {name: [] for name, _ in setups}
    for r in range(args.rounds):
        results = []
        for name, run in setups:
            rate, cpu, result = run(args)
            rates[name].append(rate)
            cpus[name].append(cpu)
            results.append(result)
            print("round %d: %-24s %7d pages/s  %6.1f us CPU/page"
                  % (r + 1, name, rate, cpu * 1e6 / args.pages), flush=True)
        if results[0] != results[1]:
            sys.exit("the two set-ups disagree:\n%s\n%s" % results)
    base = statistics.median(rates[setups[0][0]])
    print("\n%d pages, concurrency %d, median of %d rounds"
          % (args.pages, args.concurrency, args.rounds))
    print("| set-up | pages/s | CPU us/page (all processes) | vs one process |")
    print("|---|---|---|---|")
    for name, _ in setups:
        rate = statistics.median(rates[name])
        cpu = statistics.median(cpus[name]) * 1e6 / args.pages
        print("| %s | %d | %.1f | %.2fx |" % (name, rate, cpu, rate / base))


if __name__ == "__main__":
    main()
