"""What the echo benchmarks share: servers pinned to one core, the load
client (bench_echo_load) pinned to the other, rounds interleaved between
the servers so drift on a shared machine hits them alike, and a report of
median round trips/s, server CPU per round trip, and ratios to a peer."""
import argparse
import os
import re
import socket
import statistics
import subprocess


def arguments(doc, connections, size):
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("build")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=connections)
    ap.add_argument("--size", type=int, default=size)
    ap.add_argument("--server-core", type=int, default=1)
    ap.add_argument("--client-core", type=int, default=0)
    return ap.parse_args()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(args, mode, command):
    """One round against the server `command` ("PORT" is replaced):
    (round trips/s, server CPU microseconds per round trip)."""
    port = free_port()
    server = subprocess.Popen(
        ["taskset", "-c", str(args.server_core)] +
        [c.replace("PORT", str(port)) for c in command],
        stdout=subprocess.PIPE, text=True)
    server.stdout.readline()  # "listening ..."
    try:
        before = cpu_seconds(server.pid)
        out = subprocess.check_output(
            ["taskset", "-c", str(args.client_core),
             os.path.join(args.build, "tests/benchmarks/bench_echo_load"),
             mode, str(port), str(args.connections), str(args.size),
             str(args.seconds)], text=True)
        cpu = cpu_seconds(server.pid) - before
        trips = int(re.search(r"^(\d+) round trips", out).group(1))
        rate = int(re.search(r"(\d+) per second", out).group(1))
        # CPU over warm-up + window; trips over the window only: scale.
        window = args.seconds / (args.seconds + 1.0)
        return rate, cpu * window / trips * 1e6
    finally:
        server.terminate()
        server.wait()


def run(args, mode, servers, peer):
    """Runs every server `args.rounds` times, interleaved, and prints the
    medians and the ratios to `peer` (a name in `servers`)."""
    results = {name: [] for name, _ in servers}
    for _ in range(args.rounds):
        for name, command in servers:
            results[name].append(measure(args, mode, command))
    reference = statistics.median(r for r, _ in results[peer])
    print("%d connections, %d-byte messages, %d x %gs rounds" % (
        args.connections, args.size, args.rounds, args.seconds))
    for name, rows in results.items():
        rate = statistics.median(r for r, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        print("%-8s %8d round trips/s  %5.2f us server CPU/trip  %.2fx %s"
              % (name, rate, cpu, rate / reference, peer), flush=True)
