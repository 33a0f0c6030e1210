#!/usr/bin/python3
"""The chat example end to end in a real browser: Debian's headless
Chromium, driven over the DevTools protocol (python3-websocket), opens the
page twice - one over a WebSocket, one forced onto long polling - and a
message typed into either page appears in the other. A third check posts
with curl-like HTTP and expects both pages to show it.

Usage: chat_browser.py BIN_DIR
"""
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import websocket  # Debian's python3-websocket

from checks import check, eventually, free_port, summary


class Page:
    """One browser tab, spoken to over its DevTools WebSocket."""

    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=20)
        self.ids = itertools.count(1)

    def call(self, method, **params):
        ident = next(self.ids)
        self.ws.send(json.dumps({"id": ident, "method": method,
                                 "params": params}))
        while True:
            answer = json.loads(self.ws.recv())
            if answer.get("id") == ident:
                if "error" in answer:
                    raise RuntimeError("%s: %s" % (method, answer["error"]))
                return answer.get("result", {})

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def type_and_send(self, name, text):
        """Types as a user would: focus, keystrokes, Enter."""
        self.js("document.getElementById('name').value = %s"
                % json.dumps(name))
        self.js("document.getElementById('text').focus()")
        self.call("Input.insertText", text=text)
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key="Enter",
                      code="Enter", windowsVirtualKeyCode=13,
                      **({"text": "\r"} if kind == "keyDown" else {}))

    def texts(self):
        return self.js("[...document.querySelectorAll('#messages li')]"
                       ".map(li => li.querySelector('.name').textContent"
                       " + ': ' + li.querySelector('.text').textContent)")

    def transport(self):
        return self.js("document.getElementById('transport').textContent")


def start_browser(profile):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--no-first-run", "--disable-extensions",
            "--remote-debugging-port=0", "--remote-allow-origins=*",
            "--user-data-dir=" + profile, "about:blank"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    port_file = os.path.join(profile, "DevToolsActivePort")
    if not eventually(lambda: os.path.exists(port_file)
                      and open(port_file).read().strip(), 30):
        proc.kill()
        raise RuntimeError("chromium did not open its DevTools port")
    return proc, int(open(port_file).read().split()[0])


def open_tab(devtools_port, url):
    request = urllib.request.Request(
        "http://127.0.0.1:%d/json/new?%s" % (devtools_port, url),
        method="PUT")
    with urllib.request.urlopen(request, timeout=10) as answer:
        page = Page(json.load(answer)["webSocketDebuggerUrl"])
    if not eventually(lambda: page.js("document.readyState") == "complete"
                      and page.js("location.href") == url):
        raise RuntimeError("%s did not load" % url)
    return page


def status_of(request):
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def bad_input(base, port):
    """Refused with a clear answer; the room stays as it was."""
    def post(body):
        return status_of(urllib.request.Request(
            base + "chat/messages", method="POST", data=body,
            headers={"Content-Type": "application/json"}))
    for name, body in [("not JSON", b"hello"),
                       ("no text", b'{"name": "x"}'),
                       ("empty text", b'{"text": ""}'),
                       ("text over 2000 bytes",
                        json.dumps({"text": "x" * 2001}).encode()),
                       ("invalid UTF-8", b'{"text": "\xff\xfe"}'),
                       ("a name over 40 bytes",
                        json.dumps({"name": "n" * 41, "text": "t"}).encode())]:
        status, answer = post(body)
        check("POST with %s: 400 with the reason" % name,
              status == 400 and b"expected" in answer, (status, answer))
    status, answer = status_of(base + "chat/messages?after=x")
    check("a poll with after=x: 400", status == 400
          and b"after must be a number" in answer, (status, answer))
    status, _ = status_of(urllib.request.Request(base + "chat/messages",
                                                 method="DELETE"))
    check("DELETE /chat/messages: 405", status == 405, status)
    status, _ = status_of(base + "no-such-file.html")
    check("an unknown file: 404", status == 404, status)
    ws = websocket.create_connection("ws://127.0.0.1:%d/chat/ws" % port,
                                     timeout=10)
    ws.send_binary(b"\x00\x01")
    opcode, frame = ws.recv_data(control_frame=True)
    code = int.from_bytes(frame[:2], "big") if len(frame) >= 2 else None
    check("a binary WebSocket message: closed with 1003",
          opcode == websocket.ABNF.OPCODE_CLOSE and code == 1003,
          (opcode, frame))
    ws.close()
    # One good message now: it must be the room's first.
    status, _ = post(json.dumps({"name": "setup", "text": "first"}).encode())
    status, answer = status_of(base + "chat/messages?after=0")
    check("nothing bad reached the room",
          status == 200 and json.loads(answer) == [
              {"id": 1, "name": "setup", "text": "first"}], (status, answer))


def main(bin_dir):
    port = free_port()
    server = subprocess.Popen([bin_dir + "/chat", "--port", str(port)],
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline().strip()
    check("chat prints where it listens",
          line == "listening on 127.0.0.1:%d" % port, line)
    base = "http://127.0.0.1:%d/" % port
    bad_input(base, port)
    profile = tempfile.mkdtemp(prefix="gale-chromium-")
    browser = None
    try:
        browser, devtools = start_browser(profile)
        alice = open_tab(devtools, base)
        bob = open_tab(devtools, base + "?transport=poll")
        check("page one talks over a WebSocket",
              eventually(lambda: alice.transport() == "websocket"),
              alice.transport())
        check("page two falls back to long polling",
              eventually(lambda: bob.transport() == "long polling"),
              bob.transport())

        alice.type_and_send("alice", "hello from the websocket page")
        want = "alice: hello from the websocket page"
        check("a message typed in page one appears in page two",
              eventually(lambda: want in bob.texts()), bob.texts())
        check("... and in page one itself",
              eventually(lambda: want in alice.texts()), alice.texts())

        bob.type_and_send("bob", "and hello from the polling page <b>!</b>")
        want = "bob: and hello from the polling page <b>!</b>"
        check("a message typed in page two appears in page one (as text)",
              eventually(lambda: want in alice.texts()), alice.texts())
        check("... and in page two itself",
              eventually(lambda: want in bob.texts()), bob.texts())

        posted = urllib.request.Request(
            base + "chat/messages", method="POST",
            data=json.dumps({"name": "carol", "text": "über HTTP"}).encode(),
            headers={"Content-Type": "application/json"})
        urllib.request.urlopen(posted, timeout=10).read()
        want = "carol: über HTTP"
        check("a message posted over HTTP reaches both pages",
              eventually(lambda: want in alice.texts()
                         and want in bob.texts()),
              (alice.texts(), bob.texts()))

        for i in range(20):
            (alice if i % 2 else bob).type_and_send("burst", "n%d" % i)
        want = ["burst: n%d" % i for i in range(20)]
        order = lambda page: [t for t in page.texts() if t.startswith("burst")]
        check("a burst of 20 arrives whole and in one order on both pages",
              eventually(lambda: len(order(alice)) == 20
                         and order(alice) == order(bob)
                         and sorted(order(alice)) == sorted(want)),
              (order(alice), order(bob)))

        carl = open_tab(devtools, base)
        check("a page opened later catches up on the history",
              eventually(lambda: len(carl.texts()) == len(alice.texts())
                         and carl.texts() == alice.texts()),
              carl.texts())
    finally:
        if browser:
            browser.kill()
            browser.wait()
        shutil.rmtree(profile, ignore_errors=True)
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            code = None
        check("chat exits 0 on SIGTERM with pages connected", code == 0, code)
    return summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
