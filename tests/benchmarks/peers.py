"""What the benchmarks share to run a peer beside gale: a free loopback
port, waiting for a server to listen, and Debian's nginx with one worker
in a directory of its own."""
import os
import socket
import subprocess
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port):
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("server did not start on %d" % port)


def start_nginx(tmp, port, core, http, top="",
                events="worker_connections 1024;"):
    """nginx with one worker pinned to `core`, its files in `tmp`, no
    access log; `http` is the rest of the http block (its server blocks
    listen on `port`), `top` more main-context lines. Returns the master
    process and the worker's pid (the worker serves; the master waits)."""
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
{top}
events {{ {events} }}
http {{
  access_log off;
  client_body_temp_path {tmp}/b; proxy_temp_path {tmp}/p;
  fastcgi_temp_path {tmp}/f; uwsgi_temp_path {tmp}/u; scgi_temp_path {tmp}/s;
{http}
}}
""")
    os.chmod(tmp, 0o755)
    p = subprocess.Popen(["taskset", "-c", str(core), "nginx", "-p", tmp,
                          "-c", conf, "-g", "daemon off;"])
    wait_port(port)
    worker = int(subprocess.check_output(["pgrep", "-P", str(p.pid)]).split()[0])
    return p, worker
