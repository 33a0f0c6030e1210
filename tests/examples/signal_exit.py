#!/usr/bin/env python3
"""Starts the signals example, sends it SIGTERM once it is ready, and checks
that it reports the signal and exits 0."""
import signal
import subprocess
import sys

proc = subprocess.Popen([sys.argv[1]], stdout=subprocess.PIPE, text=True)
ready = proc.stdout.readline()
if "waiting" not in ready:
    proc.kill()
    sys.exit(f"unexpected first line: {ready!r}")
proc.send_signal(signal.SIGTERM)
try:
    out, _ = proc.communicate(timeout=20)
except subprocess.TimeoutExpired:
    proc.kill()
    sys.exit("no exit within 20 s of SIGTERM")
if proc.returncode != 0:
    sys.exit(f"exit code {proc.returncode}")
if f"callback: got signal {int(signal.SIGTERM)}" not in out:
    sys.exit(f"signal not reported: {out!r}")
print("ok:", out.strip().replace("\n", " | "))
