#!/usr/bin/python3
"""WebSocket echo benchmark: gale's http_server example (/ws, callback
handler) against a minimal single-threaded Boost.Beast echo server and a
Tornado echo server, in the same run. C connections send S-byte text
messages back to back (bench_ws_echo_load, one thread); the server is
pinned to one core and the load to the other. Each server runs R rounds,
interleaved, so drift on a shared machine hits all of them alike; the
report gives the median round trips/s, the server's CPU per round trip,
and the ratios to Beast.

Usage: ws_echo_bench.py BUILD_DIR [--seconds S] [--rounds R]
                        [--connections C] [--size S]
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time

TORNADO_SERVER = r"""
import sys, tornado.ioloop, tornado.web, tornado.websocket
class Echo(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))
app = tornado.web.Application([(r"/ws", Echo)])
app.listen(int(sys.argv[1]), "127.0.0.1")
print("listening", flush=True)
tornado.ioloop.IOLoop.current().start()
"""


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


def start(command, core):
    p = subprocess.Popen(["taskset", "-c", str(core)] + command,
                         stdout=subprocess.PIPE, text=True)
    p.stdout.readline()  # "listening ..."
    return p


def measure(args, command):
    port = free_port()
    server = start([c.replace("PORT", str(port)) for c in command],
                   args.server_core)
    try:
        before = cpu_seconds(server.pid)
        out = subprocess.check_output(
            ["taskset", "-c", str(args.client_core),
             os.path.join(args.build, "tests/benchmarks/bench_ws_echo_load"),
             str(port), str(args.connections), str(args.size),
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--server-core", type=int, default=1)
    ap.add_argument("--client-core", type=int, default=0)
    args = ap.parse_args()
    servers = [
        ("gale", [os.path.join(args.build, "examples/http_server"),
                  "--port", "PORT"]),
        ("beast", [os.path.join(args.build,
                                "tests/benchmarks/bench_ws_echo_beast"),
                   "PORT"]),
        ("tornado", ["/usr/bin/python3", "-c", TORNADO_SERVER, "PORT"]),
    ]
    results = {name: [] for name, _ in servers}
    for _ in range(args.rounds):
        for name, command in servers:
            results[name].append(measure(args, command))
    beast = statistics.median(r for r, _ in results["beast"])
    print("%d connections, %d-byte messages, %d x %gs rounds" % (
        args.connections, args.size, args.rounds, args.seconds))
    for name, rows in results.items():
        rate = statistics.median(r for r, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        print("%-8s %8d round trips/s  %5.2f us server CPU/trip  %.2fx beast"
              % (name, rate, cpu, rate / beast), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
