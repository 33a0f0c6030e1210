#!/usr/bin/python3
"""line_echo as a user (and the benchmark) runs it: it prints where it
listens, echoes every line on many connections at once (split lines
included), ends a connection whose line is too long without disturbing
the others, and stops on SIGTERM with exit 0.

Usage: line_echo_cli.py BIN_DIR
"""
import os
import signal
import socket
import subprocess
import sys
import time

from checks import check, free_port, summary


def main():
    binary = os.path.join(sys.argv[1], "line_echo")
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port)],
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline().strip()
    check("prints where it listens", line == "listening on 127.0.0.1:%d"
          % port, line)
    conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
    for i, c in enumerate(conns):
        c.settimeout(5)
        c.sendall(b"line %d" % i)
    time.sleep(0.05)
    for c in conns:
        c.sendall(b" ends\nsecond\n")
    ok = True
    for i, c in enumerate(conns):
        want = b"line %d ends\nsecond\n" % i
        got = b""
        while len(got) < len(want):
            chunk = c.recv(4096)
            if not chunk:
                break
            got += chunk
        ok = ok and got == want
    check("50 connections, split lines, each echoed in order", ok)
    long_one = conns[0]
    long_one.sendall(b"x" * (70 * 1024) + b"\n")
    closed = False
    try:
        while long_one.recv(65536):
            pass
        closed = True
    except (ConnectionResetError, socket.timeout):
        closed = True
    check("a line over 64 KiB ends its connection", closed)
    conns[1].sendall(b"still\n")
    check("... and nobody else's", conns[1].recv(100) == b"still\n")
    server.send_signal(signal.SIGTERM)
    check("SIGTERM stops it with 0", server.wait(timeout=10) == 0)
    usage = subprocess.run([binary], capture_output=True)
    check("no --port: usage, exit 2", usage.returncode == 2)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
