#!/usr/bin/python3
"""remote_fetch as a user runs it: one process publishes an HTTP client
actor, another fetches through it (responses of every status, transport
errors by name, exit 1 when any fetch failed); an address where nothing
listens, or something that is no actor system -> a clear error and exit
1 (within seconds); usage errors -> exit 2; the serving
process stops on SIGTERM with exit 0.

Usage: remote_fetch_cli.py BIN_DIR
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from checks import check, eventually, free_port, summary


def main():
    binary = os.path.join(sys.argv[1], "remote_fetch")
    site = tempfile.mkdtemp(prefix="gale-remote-")
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write("hello, remote\n")
    web_port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
         str(web_port)], cwd=site, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    server = subprocess.Popen([binary, "--serve"], stdout=subprocess.PIPE,
                              text=True)
    try:
        line = server.stdout.readline().strip()
        check("--serve prints where it listens",
              line.startswith("serving on 127.0.0.1:"), line)
        via = line.rsplit(" ", 1)[-1]
        base = "http://127.0.0.1:%d" % web_port
        eventually(lambda: subprocess.run(
            ["curl", "-s", "-o", "/dev/null", base + "/"]).returncode == 0)

        ok = subprocess.run([binary, "--via", via, base + "/index.html",
                             base + "/missing"],
                            capture_output=True, text=True, timeout=30)
        lines = sorted(ok.stdout.splitlines())
        check("fetched through the other process, every status a response",
              ok.returncode == 0 and lines == [
                  "200 14 %s/index.html" % base,
                  "404 %s %s/missing" % (lines[1].split()[1], base)]
              if len(lines) == 2 else False, ok.stdout + ok.stderr)

        refused = "http://127.0.0.1:%d/" % free_port()
        bad = subprocess.run([binary, "--via", via, refused,
                              base + "/index.html"],
                             capture_output=True, text=True, timeout=30)
        check("a transport error is named and makes the exit status 1",
              bad.returncode == 1
              and "error: %s: Connection refused" % refused in bad.stdout
              and "200 14 %s/index.html" % base in bad.stdout,
              bad.stdout + bad.stderr)

        nobody = subprocess.run([binary, "--via", "127.0.0.1:%d" % free_port(),
                                 base + "/"],
                                capture_output=True, text=True, timeout=30)
        check("nothing at --via: a clear error, exit 1",
              nobody.returncode == 1 and "cannot reach 127.0.0.1:"
              in nobody.stderr, nobody.stderr)

        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        start = time.monotonic()
        mute = subprocess.run([binary, "--via", "127.0.0.1:%d"
                               % silent.getsockname()[1], base + "/"],
                              capture_output=True, text=True, timeout=30)
        silent.close()
        check("--via a port where no actor system answers: exit 1 in 10 s",
              mute.returncode == 1 and time.monotonic() - start < 10
              and "no actor system answered" in mute.stderr, mute.stderr)

        for args, why in [([], "no mode"), (["--serve", "--via", via], "both"),
                          (["--via", via], "no URL"),
                          (["--via", "nohostport", base], "bad --via"),
                          (["--via", "127.0.0.1:0", base], "port 0"),
                          (["--serve", "--port", "70000"], "bad --port"),
                          (["--serve", base], "URL with --serve"),
                          (["--via", via, "--port", "1", base], "--port with --via"),
                          (["--frobnicate"], "unknown option")]:
            r = subprocess.run([binary] + args, capture_output=True, text=True,
                               timeout=30)
            check("usage error (%s): exit 2" % why,
                  r.returncode == 2 and "usage:" in r.stderr, r.stderr)

        server.send_signal(signal.SIGTERM)
        check("--serve stops on SIGTERM with exit 0", server.wait(10) == 0)
    finally:
        for p in (server, web):
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(site, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
