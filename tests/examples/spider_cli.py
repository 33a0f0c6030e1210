#!/usr/bin/python3
"""spider as a user runs it: its own generated site crawled whole, each
page once; a site that Python's http.server serves, with relative,
absolute and broken links; the start URL's folder as the limit; refused
connections and bad arguments.

Usage: spider_cli.py BIN_DIR
"""
import functools
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading

from checks import check, free_port, summary

DONE = re.compile(r"^done: (\d+) pages in \d+(\.\d+)? s$")


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout.splitlines(), p.stderr


def fetched(lines):
    return [l[len("fetched "):] for l in lines if l.startswith("fetched ")]


def errors(lines):
    return [l for l in lines if l.startswith("error: ")]


def own_site(binary):
    for concurrency in ("1", "10", "40"):
        status, lines, err = run(binary, "--concurrency", concurrency)
        urls = fetched(lines)
        check("own site, concurrency %s: exit 0" % concurrency, status == 0,
              err)
        base = urls[0] if urls else ""
        check("own site: the crawl starts at the root",
              re.fullmatch(r"http://127\.0\.0\.1:\d+/", base), urls[:1])
        expected = {base} | {base + "page/%d" % k for k in range(1, 40)}
        check("own site: every page once, nothing else",
              len(urls) == 40 and set(urls) == expected,
              sorted(set(urls) ^ expected)[:10])
        check("own site: no errors", not errors(lines), errors(lines))
        m = DONE.match(lines[-1]) if lines else None
        check("own site: ends with done and the count",
              m is not None and m.group(1) == "40", lines[-1:])


def make_tree(root):
    pages = {
        "index.html": '<a href="a.html">a</a> <a href="/sub/">sub</a>'
                      ' <a href="sub/b.html#part">b</a>'
                      ' <a href="missing.html">gone</a>'
                      ' <a href="http://outside.invalid/">out</a>',
        "a.html": "<A HREF='index.html'>home</A> <a href={ABS}c.html>c</a>",
        "c.html": "<p>no links</p><!-- <a href=\"hidden.html\"> -->",
        "hidden.html": "never linked but from a comment",
        "sub/b.html": '<a href="../a.html">up</a> <a href="b.html">self</a>'
                      ' <a href="d.txt">text</a>',
        "sub/d.txt": '<a href="/never.html">not html</a>',
    }
    os.makedirs(os.path.join(root, "sub"))
    return pages


def python_site(binary):
    with tempfile.TemporaryDirectory() as root:
        pages = make_tree(root)
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass
        handler = functools.partial(Quiet, directory=root)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        port = server.server_address[1]
        base = "http://127.0.0.1:%d/" % port
        for name, body in pages.items():
            with open(os.path.join(root, name), "w") as f:
                f.write(body.replace("{ABS}", base))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            status, lines, err = run(binary, "--url", base,
                                     "--concurrency", "3")
            urls = fetched(lines)
            expected = {base + p for p in ("", "a.html", "index.html",
                                           "c.html", "sub/", "sub/b.html",
                                           "sub/d.txt")}
            check("http.server: exit 0", status == 0, err)
            check("http.server: each reachable page once, by every kind of "
                  "link", len(urls) == len(set(urls)) and set(urls) == expected,
                  sorted(set(urls) ^ expected))
            check("http.server: the broken link is an error line",
                  errors(lines) == ["error: %smissing.html: 404 File not found"
                                    % base], errors(lines))
            m = DONE.match(lines[-1]) if lines else None
            check("http.server: done counts the pages fetched",
                  m is not None and int(m.group(1)) == len(expected),
                  lines[-1:])

            status, lines, err = run(binary, "--url", base + "sub/b.html")
            check("a start in a folder keeps the crawl in that folder",
                  status == 0 and set(fetched(lines))
                  == {base + "sub/b.html", base + "sub/d.txt"},
                  fetched(lines))
        finally:
            server.shutdown()


def failures(binary):
    url = "http://127.0.0.1:%d/" % free_port()
    status, lines, err = run(binary, "--url", url)
    check("a refused connection is an error line, and the crawl ends",
          status == 0 and len(lines) == 2
          and lines[0].startswith("error: " + url + ": ")
          and lines[1].startswith("done: 0 pages in "), lines)
    for args in (["--concurrency", "0"], ["--url", "ftp://x/"], ["--url"],
                 ["--what"], ["--url", "not a url"]):
        status, _, err = run(binary, *args)
        check("bad arguments %s exit 2" % args, status == 2, err)
    status, lines, _ = run(binary, "--help")
    check("--help prints the usage", status == 0
          and lines[0].startswith("usage: spider"), lines)


def main():
    binary = os.path.join(sys.argv[1], "spider")
    own_site(binary)
    python_site(binary)
    failures(binary)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
