#!/usr/bin/python3
"""The pipeline example as a user runs it: one process, then a coordinator
with two worker processes, one of them killed (SIGKILL) mid-run: the
report's counts must be the same. Also: no worker reachable -> a clear
error and exit 1; --url crawls another site (same host, --max-pages);
usage errors -> exit 2.

Usage: pipeline_cli.py BIN_DIR
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from checks import check, eventually, free_port, summary


def counts(report):
    """The lines that must not depend on where or how fast it ran."""
    keep = [l for l in report.splitlines()
            if re.match(r"(pages|links|bytes|errors|words|top) ", l)
            or l.startswith("        ")]
    return [re.sub(r"127\.0\.0\.1:\d+", "SITE", l) for l in keep]


def worker(bin_dir, port=None):
    port = port or free_port()
    p = subprocess.Popen([bin_dir + "/pipeline", "--worker", "--port",
                          str(port)], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    check("worker prints where it listens",
          line == "worker listening on 127.0.0.1:%d" % port, line)
    return p, port


def crawl_other_site(bin_dir):
    """--url: a site served by Python's http.server; links off the host
    are not followed, --max-pages bounds the crawl."""
    site = tempfile.mkdtemp(prefix="gale-site-")
    pages = {"index.html": '<a href="a.html">a</a> <a href="b.html">b</a>'
                           ' <a href="http://elsewhere.invalid/x">x</a>',
             "a.html": 'alpha alpha <a href="c.html">c</a>'
                       ' <a href="/index.html#top">home</a>',
             "b.html": "beta", "c.html": "gamma <a href='a.html'>a</a>"}
    for name, body in pages.items():
        with open(os.path.join(site, name), "w") as f:
            f.write("<html><body>%s</body></html>" % body)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
         str(port)], cwd=site, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        eventually(lambda: subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:%d/" % port])
            .returncode == 0)
        url = "http://127.0.0.1:%d/index.html" % port
        whole = subprocess.run([bin_dir + "/pipeline", "--url", url],
                               capture_output=True, text=True, timeout=60)
        check("--url: the site's four pages, nothing off the host",
              whole.returncode == 0 and "pages   4\n" in whole.stdout
              and "errors  0\n" in whole.stdout, whole.stdout + whole.stderr)
        check("--url: its words", "top     alpha 2" in whole.stdout,
              whole.stdout)
        two = subprocess.run([bin_dir + "/pipeline", "--url", url,
                              "--max-pages", "2"],
                             capture_output=True, text=True, timeout=60)
        check("--url with --max-pages 2: two pages",
              two.returncode == 0 and "pages   2\n" in two.stdout,
              two.stdout + two.stderr)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(site, ignore_errors=True)


def frozen_worker(bin_dir, reference, pages):
    """A worker frozen mid-crawl (SIGSTOP: its connection stays open, it
    answers nothing): declared lost after the 5 s connection timeout, its
    items run on the other worker, the counts stay exact."""
    w1, p1 = worker(bin_dir)
    w2, p2 = worker(bin_dir)
    try:
        start = time.monotonic()
        # Under ASan, CAF 0.17.6's middleman leaks its BASP broker (a
        # reference cycle inside libcaf_io) when the coordinator exits while
        # a handshake with the frozen worker, re-dialled, is still open;
        # LeakSanitizer then fails the exit and drops unflushed output. The
        # leak is CAF's, so leak checking is off for this coordinator only.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        coord = subprocess.Popen(
            [bin_dir + "/pipeline", "--pages", pages, "--workers",
             "127.0.0.1:%d,127.0.0.1:%d" % (p1, p2)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env)
        time.sleep(0.4)
        frozen_mid_run = coord.poll() is None
        w1.send_signal(signal.SIGSTOP)
        out, err = coord.communicate(timeout=120)
        took = time.monotonic() - start
        check("a worker was frozen while the crawl ran", frozen_mid_run)
        check("a frozen worker: exit 0, the same counts as one process",
              coord.returncode == 0 and counts(out) == counts(reference),
              out + err)
        check("a frozen worker: its items were retried, within 60 s",
              re.search(r"retried \d+ items", out) is not None and took < 60,
              "%.1f s\n%s" % (took, out))
    finally:
        w1.send_signal(signal.SIGCONT)
        for w in (w1, w2):
            w.send_signal(signal.SIGTERM)
            w.wait(timeout=10)


def not_workers(bin_dir):
    """--workers naming a port where something else listens (it accepts and
    never speaks): the coordinator gives up on it after 2 s, not never."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    where = "127.0.0.1:%d" % silent.getsockname()[1]
    try:
        start = time.monotonic()
        alone = subprocess.run([bin_dir + "/pipeline", "--workers", where],
                               capture_output=True, text=True, timeout=60)
        check("only a port that is no worker: exit 1 within 10 s, saying why",
              alone.returncode == 1 and time.monotonic() - start < 10
              and "cannot reach any worker (%s: timed out: no actor system"
              " answered" % where in alone.stderr, alone.stderr)
        w, port = worker(bin_dir)
        try:
            mixed = subprocess.run(
                [bin_dir + "/pipeline", "--pages", "300", "--workers",
                 "%s,127.0.0.1:%d" % (where, port)],
                capture_output=True, text=True, timeout=60)
            reference = subprocess.run(
                [bin_dir + "/pipeline", "--pages", "300"],
                capture_output=True, text=True, timeout=60)
            check("a real worker and a port that is no worker: the crawl"
                  " completes on the worker, the other is named",
                  mixed.returncode == 0
                  and counts(mixed.stdout) == counts(reference.stdout)
                  and "%s given up" % where in mixed.stderr,
                  mixed.stdout + mixed.stderr)
        finally:
            w.send_signal(signal.SIGTERM)
            w.wait(timeout=10)
    finally:
        silent.close()


def main(bin_dir):
    pages = "30000"
    single = subprocess.run([bin_dir + "/pipeline", "--pages", pages],
                            capture_output=True, text=True, timeout=120)
    check("one process: exit 0", single.returncode == 0, single.stderr)
    check("one process: every page", "pages   30000" in single.stdout,
          single.stdout)
    check("one process: the site's broken links are per-item errors",
          re.search(r"errors  [1-9]\d*\n.*HTTP 404", single.stdout)
          is not None, single.stdout)

    w1, p1 = worker(bin_dir)
    w2, p2 = worker(bin_dir)
    try:
        coord = subprocess.Popen(
            [bin_dir + "/pipeline", "--pages", pages, "--workers",
             "127.0.0.1:%d,127.0.0.1:%d" % (p1, p2)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.4)
        killed_mid_run = coord.poll() is None
        w1.send_signal(signal.SIGKILL)
        w1.wait()
        # The same worker comes back on its address: the coordinator
        # dials it again and it joins the running crawl.
        w1, _ = worker(bin_dir, p1)
        back_mid_run = coord.poll() is None
        out, err = coord.communicate(timeout=120)
        check("a worker was killed while the crawl ran", killed_mid_run)
        if back_mid_run:
            # At least it: the other worker counts too when the first
            # dial of it at the start failed and it joined later (seen
            # once on a loaded machine: "joined  2").
            check("the worker restarted on its address joined again",
                  re.search(r"joined  [1-9]\d* workers? ", out)
                  is not None, out + err)
        else:
            print("note: the crawl ended before the worker was back; its"
                  " rejoining was not checked")
        check("two workers, one killed: exit 0", coord.returncode == 0, err)
        check("two workers, one killed: the same counts as one process",
              counts(out) == counts(single.stdout),
              "\n".join(counts(out)) + "\n---\n"
              + "\n".join(counts(single.stdout)))
        check("the report says items were retried",
              re.search(r"retried \d+ items", out) is not None, out)
    finally:
        for w in (w1, w2):
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
            w.wait(timeout=10)
    check("a worker exits 0 on SIGTERM", w2.returncode == 0, w2.returncode)
    frozen_worker(bin_dir, single.stdout, pages)
    not_workers(bin_dir)

    dead = free_port()
    nobody = subprocess.run(
        [bin_dir + "/pipeline", "--workers", "127.0.0.1:%d" % dead],
        capture_output=True, text=True, timeout=60)
    check("no worker reachable: exit 1 with a clear message",
          nobody.returncode == 1
          and "cannot reach any worker" in nobody.stderr, nobody.stderr)
    crawl_other_site(bin_dir)
    logged = subprocess.run([bin_dir + "/pipeline", "--pages", "20",
                             "--access-log"],
                            capture_output=True, text=True, timeout=60)
    access = [l for l in logged.stderr.splitlines() if "[gale.access]" in l]
    check("--access-log: a line per page the site answered",
          logged.returncode == 0 and len(access) >= 20
          and any(re.search(r"\] 200 GET / \(127\.0\.0\.1\) [\d.]+ms \d+B$",
                            l) for l in access), logged.stderr[-2000:])
    for args in (["--help"], ["-h"], ["--worker", "--help"]):
        helped = subprocess.run([bin_dir + "/pipeline"] + args,
                                capture_output=True, text=True, timeout=30)
        check("%s: usage on standard output, exit 0" % " ".join(args),
              helped.returncode == 0 and helped.stdout.startswith("usage:")
              and "--worker" in helped.stdout, helped)
    dead = free_port()
    unreachable = subprocess.run(
        [bin_dir + "/pipeline", "--url", "http://127.0.0.1:%d/" % dead],
        capture_output=True, text=True, timeout=60)
    check("a root that cannot be fetched: exit 1, saying why",
          unreachable.returncode == 1
          and "nothing could be crawled" in unreachable.stderr
          and "pages   0" in unreachable.stdout, unreachable)
    for args in (["--log-level", "shouting"], ["--pages", "0"], ["--workers", "nohostport"],
                 ["--url", "ftp://example.com/"], ["--url", "not a url"],
                 ["--port", "1"], ["--worker", "--port", "1", "--url",
                                   "http://x/"],
                 ["--worker"], ["--bogus", "1"]):
        bad = subprocess.run([bin_dir + "/pipeline"] + args,
                             capture_output=True, text=True, timeout=30)
        check("usage error %s: exit 2" % " ".join(args),
              bad.returncode == 2 and "usage:" in bad.stderr, bad.stderr)
    return summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
