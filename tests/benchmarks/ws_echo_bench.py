#!/usr/bin/python3
"""WebSocket echo benchmark: gale's http_server example (/ws, callback
handler) against a minimal single-threaded Boost.Beast echo server and a
Tornado echo server, in the same run. C connections send S-byte text
messages back to back (bench_echo_load ws, one thread); the server is
pinned to one core and the load to the other. Each server runs R rounds,
interleaved, so drift on a shared machine hits all of them alike; the
report gives the median round trips/s, the server's CPU per round trip,
and the ratios to Beast.

Usage: ws_echo_bench.py BUILD_DIR [--seconds S] [--rounds R]
                        [--connections C] [--size S]
"""
import os
import sys

import echo_rounds

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


def main():
    args = echo_rounds.arguments(__doc__, connections=64, size=32)
    servers = [
        ("gale", [os.path.join(args.build, "examples/http_server"),
                  "--port", "PORT"]),
        ("beast", [os.path.join(args.build,
                                "tests/benchmarks/bench_ws_echo_beast"),
                   "PORT"]),
        ("tornado", ["/usr/bin/python3", "-c", TORNADO_SERVER, "PORT"]),
    ]
    echo_rounds.run(args, "ws", servers, "beast")
    return 0


if __name__ == "__main__":
    sys.exit(main())
