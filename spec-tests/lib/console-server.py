#!/usr/bin/env python3
# The engine side of --console-socket (Node cannot receive fds): listens on argv[1], prints
# "READY", accepts one connection, receives the pty master with SCM_RIGHTS, prints one JSON line
# describing what it got, then copies everything the container writes to the pty to stdout
# until the slave side closes.
import fcntl, json, os, struct, sys, termios
from fd_receiver import receive_one

msg, fds = receive_one(sys.argv[1])
info = {"fds": len(fds), "message": msg.decode("utf8", "replace")}
if len(fds) >= 1:
    master = fds[0]
    info["isatty"] = os.isatty(master)
    try:
        info["ptsName"] = os.ttyname(master)
    except OSError as e:
        info["ptsName"] = "error: " + e.strerror
    rows, cols = struct.unpack("HHHH", fcntl.ioctl(master, termios.TIOCGWINSZ, b"\0" * 8))[:2]
    info["winsize"] = {"rows": rows, "cols": cols}
print(json.dumps(info), flush=True)
if len(fds) >= 1:
    out = b""
    while True:
        try:
            chunk = os.read(fds[0], 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    sys.stdout.write(out.decode("utf8", "replace"))
    sys.stdout.flush()
