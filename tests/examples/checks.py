"""What the black-box example tests share: named checks that report and
go on, a free loopback port, and waiting for a condition."""
import socket
import time

failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name, flush=True)
    if not condition:
        failures.append(name)
        if detail:
            print("     " + str(detail).replace("\n", "\n     "))


def summary():
    """Prints the outcome; the process's exit status."""
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def eventually(probe, timeout=10.0):
    """The first true value of probe() within timeout, else its last."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
