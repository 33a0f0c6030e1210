#!/usr/bin/python3
"""line_chat as a user runs it, with clients nobody here wrote: socat and
Python's socket and ssl modules, over TCP, a Unix socket and TLS; gale's
own client beside them. Members hear each other and the joins and leaves;
an overlong line ends that member only; the server stops on SIGTERM with
exit 0; usage errors exit 2.

Usage: line_chat_cli.py BIN_DIR
"""
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from checks import check, free_port, summary


class member:
    """A chat member on a socket: lines in, lines out."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(5)
        self.buffer = b""

    def line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def say(self, text):
        self.sock.sendall(text.encode() + b"\n")

    def closed(self):
        try:
            while True:
                self.line()
        except (EOFError, ConnectionResetError):
            return True
        except socket.timeout:
            return False


def start(binary, *args):
    server = subprocess.Popen([binary] + list(args), stdout=subprocess.PIPE,
                              text=True)
    return server, server.stdout.readline().strip()


def stop(server, name):
    server.send_signal(signal.SIGTERM)
    try:
        status = server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        status = "hung"
    check(name + ": SIGTERM stops the server with 0", status == 0, status)


def room_checks(name, connect):
    a, b = member(connect()), member(connect())
    check(name + ": a newcomer learns its name", a.line().startswith(
        "* you are guest-"))
    b_name = b.line()[len("* you are "):]
    check(name + ": the room hears a join", a.line() == "* %s joined" % b_name)
    a.say("hello, room")
    check(name + ": a line reaches the others",
          b.line().endswith(": hello, room"))
    b.say("x" * 5000)
    check(name + ": an overlong line is refused",
          b.line() == "* line too long")
    check(name + ": ... and ends that member's connection", b.closed())
    check(name + ": the room hears the leave", a.line() == "* %s left" %
          b_name)
    c = member(connect())
    c.line()
    a.line()  # c joined
    c.say("still here")
    check(name + ": nobody else was disturbed",
          a.line().endswith(": still here"))
    for m in (a, c):
        m.sock.close()


def socat_says(address, text, extra=()):
    """Sends one line through socat (a client nobody here wrote) and
    returns what socat printed while the line was going out."""
    out = subprocess.run(["socat", "-t", "0.5"] + list(extra) +
                         ["-", address], input=text + "\n",
                         capture_output=True, text=True, timeout=20)
    return out.stdout


def main():
    binary = os.path.join(sys.argv[1], "line_chat")
    work = tempfile.mkdtemp(prefix="gale-line-chat-")

    # TCP, with Python's socket and socat.
    port = free_port()
    server, line = start(binary, "--port", str(port))
    check("tcp: prints where it listens", line == "listening on 127.0.0.1:%d"
          % port, line)
    room_checks("tcp", lambda: socket.create_connection(("127.0.0.1", port)))
    watcher = member(socket.create_connection(("127.0.0.1", port)))
    watcher.line()
    said = socat_says("TCP:127.0.0.1:%d" % port, "from socat")
    check("tcp: socat is welcomed", "* you are guest-" in said, said)
    watcher.line()  # socat joined
    check("tcp: socat's line reaches the room",
          watcher.line().endswith(": from socat"))
    gale_client = subprocess.run(
        [binary, "--connect", "127.0.0.1:%d" % port],
        input="from gale's client\n", capture_output=True, text=True,
        timeout=20)
    check("tcp: gale's client exits 0 at the end of its input",
          gale_client.returncode == 0, gale_client.stderr)
    seen = [watcher.line() for _ in range(3)]  # socat left, joined, line
    check("tcp: gale's client's line reaches the room",
          any(s.endswith(": from gale's client") for s in seen), seen)
    watcher.sock.close()
    stop(server, "tcp")

    # A Unix domain socket.
    path = os.path.join(work, "chat.sock")
    server, line = start(binary, "--unix", path)
    check("unix: prints where it listens", line == "listening on " + path,
          line)

    def unix_connect():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        return s

    room_checks("unix", unix_connect)
    said = socat_says("UNIX-CONNECT:" + path, "hi")
    check("unix: socat is welcomed", "* you are guest-" in said, said)
    stop(server, "unix")
    check("unix: the socket file is gone after the stop",
          not os.path.exists(path))

    # TLS, checked against the certificate by Python's ssl module.
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert],
                   capture_output=True, check=True)
    port = free_port()
    server, line = start(binary, "--port", str(port), "--tls-cert", cert,
                         "--tls-key", key)
    check("tls: prints where it listens", line.endswith(":%d" % port), line)
    context = ssl.create_default_context(cafile=cert)
    room_checks("tls", lambda: context.wrap_socket(
        socket.create_connection(("127.0.0.1", port)),
        server_hostname="localhost"))
    plain = member(socket.create_connection(("127.0.0.1", port)))
    plain.say("no TLS here")
    check("tls: a plaintext client is dropped", plain.closed())
    watcher = member(context.wrap_socket(
        socket.create_connection(("127.0.0.1", port)),
        server_hostname="localhost"))
    watcher.line()
    said = socat_says("OPENSSL:localhost:%d,cafile=%s" % (port, cert),
                      "socat over tls")
    check("tls: socat is welcomed", "* you are guest-" in said, said)
    seen = [watcher.line() for _ in range(3)]  # joined, line, left
    check("tls: socat's line reaches the room",
          seen[1].endswith(": socat over tls"), seen)
    gale_client = subprocess.run(
        [binary, "--connect", "localhost:%d" % port, "--tls-ca", cert,
         "--tls-name", "localhost"],
        input="over tls\n", capture_output=True, text=True, timeout=20)
    # It leaves once its input is sent: what the room said to it meanwhile
    # may or may not have arrived, so only its exit is checked here.
    check("tls: gale's client verifies, talks and exits 0",
          gale_client.returncode == 0, gale_client.stderr)
    seen = [watcher.line() for _ in range(2)]
    check("tls: gale's client's line reaches the room",
          seen[-1].endswith(": over tls"), seen)
    stranger = subprocess.run(
        [binary, "--connect", "127.0.0.1:%d" % port, "--tls-name",
         "localhost"], input="x\n", capture_output=True, text=True,
        timeout=20)
    check("tls: a client that does not trust the certificate exits 1",
          stranger.returncode == 1 and "cannot connect" in stranger.stderr,
          stranger.stderr)
    watcher.sock.close()
    stop(server, "tls")

    # Usage.
    for args in ([], ["--port"], ["--port", "1", "--connect", "h:1"],
                 ["--bogus", "1"], ["--port", "1", "--tls-cert", cert]):
        status = subprocess.run([binary] + args, capture_output=True).returncode
        check("usage error exits 2: %s" % " ".join(args), status == 2, status)
    check("--help exits 0", subprocess.run(
        [binary, "--help"], capture_output=True).returncode == 0)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
