#!/usr/bin/python3
"""Line echo benchmark: examples/line_echo (gale's stream API: read_until
and write) against the same echo on raw Asio (bench_line_echo_asio:
async_read_until into a dynamic buffer, async_write back, one thread), in
the same run. C connections send S-byte lines back to back (bench_echo_load
line, one thread); the server is pinned to one core and the load to the
other; rounds interleave. Reports the median round trips/s, the server's
CPU per round trip, and the ratio to raw Asio.

Usage: line_echo_bench.py BUILD_DIR [--seconds S] [--rounds R]
                          [--connections C] [--size S]
"""
import os
import sys

import echo_rounds


def main():
    args = echo_rounds.arguments(__doc__, connections=100, size=32)
    servers = [
        ("gale", [os.path.join(args.build, "examples/line_echo"),
                  "--port", "PORT"]),
        ("asio", [os.path.join(args.build,
                               "tests/benchmarks/bench_line_echo_asio"),
                  "PORT"]),
    ]
    echo_rounds.run(args, "line", servers, "asio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
