#!/usr/bin/python3
"""password_login as a user runs it: hashes checked against Python's own
scrypt (hashlib, on OpenSSL's), bad input refused with 400, and GET /
answered from the loop in far less than a hash takes while four hashes
run on the pool. SIGTERM stops it with exit 0; usage errors exit 2.

Usage: password_login_cli.py BIN_DIR
"""
import hashlib
import http.client
import os
import signal
import subprocess
import sys
import threading
import time

from checks import check, summary


def scrypt_hex(password, salt):
    return hashlib.scrypt(password, salt=salt, n=32768, r=8, p=1,
                          maxmem=64 * 1024 * 1024, dklen=32).hex()


def request(port, method, target, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    began = time.monotonic()
    c.request(method, target, body=body)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data.decode(errors="replace"), time.monotonic() - began


def main():
    binary = os.path.join(sys.argv[1], "password_login")
    server = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE,
                              text=True)
    line = server.stdout.readline().strip()
    check("prints where it listens", line.startswith("listening on 127.0.0.1:"),
          line)
    port = int(line.rsplit(":", 1)[1])

    status, body, _ = request(port, "GET", "/")
    check("GET / says hello", (status, body) == (200, "Hello, world"),
          (status, body))
    status, body, one_hash = request(port, "POST", "/hash?salt=pepper",
                                     b"correct horse")
    check("a hash matches Python's scrypt",
          status == 200
          and body.strip() == scrypt_hex(b"correct horse", b"pepper"),
          (status, body))
    status, body, _ = request(port, "POST", "/hash?salt=s%20alt",
                              "pässwörd".encode())
    check("salt and password are bytes as sent (the salt URL-decoded)",
          status == 200
          and body.strip() == scrypt_hex("pässwörd".encode(), b"s alt"),
          (status, body))
    status, body, _ = request(port, "POST", "/hash?salt=x", b"")
    check("an empty password hashes too",
          status == 200 and body.strip() == scrypt_hex(b"", b"x"), body)

    for name, target, password in [
            ("no salt", "/hash", b"pw"),
            ("an empty salt", "/hash?salt=", b"pw"),
            ("a password over 1 KiB", "/hash?salt=s", b"x" * 1025)]:
        status, body, _ = request(port, "POST", target, password)
        check("400 for %s" % name, status == 400, (status, body))
    status, _, _ = request(port, "POST", "/hash?salt=s", b"x" * 1024)
    check("a password of exactly 1 KiB is hashed", status == 200, status)
    check("404 elsewhere", request(port, "GET", "/nope")[0] == 404)
    check("405 for GET /hash", request(port, "GET", "/hash?salt=s")[0] == 405)

    # Four hashes at once: the loop goes on answering GET / meanwhile.
    results = []
    hashers = [threading.Thread(target=lambda i=i: results.append(
        request(port, "POST", "/hash?salt=salt%d" % i, b"pw%d" % i)))
        for i in range(4)]
    for t in hashers:
        t.start()
    time.sleep(0.02)
    hellos = [request(port, "GET", "/")[2] for _ in range(5)]
    for t in hashers:
        t.join()
    slowest_hello = max(hellos)
    check("GET / answers in well under a hash's time while four run",
          slowest_hello < one_hash / 3,
          "GET / took up to %.1f ms, one hash %.1f ms" % (
              slowest_hello * 1000, one_hash * 1000))
    check("the four hashes are right",
          len(results) == 4 and all(s == 200 for s, _, _ in results)
          and sorted(b.strip() for _, b, _ in results)
          == sorted(scrypt_hex(b"pw%d" % i, b"salt%d" % i) for i in range(4)),
          results)
    print("one hash %.1f ms; GET / during four: up to %.1f ms"
          % (one_hash * 1000, slowest_hello * 1000))

    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        code = "hung"
    check("SIGTERM stops it with 0", code == 0, code)

    for args in ([], ["--port"], ["--port", "x"], ["--bogus", "1"]):
        status = subprocess.run([binary] + args,
                                capture_output=True).returncode
        check("usage error exits 2: %s" % " ".join(args), status == 2, status)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
