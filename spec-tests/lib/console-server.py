#!/usr/bin/env python3
# The engine side of --console-socket (Node cannot receive fds): listens on argv[1], prints
# "READY", accepts one connection, receives the pty master with SCM_RIGHTS, prints one JSON line
# describing what it got, then copies everything the container writes to the pty to stdout
# until the slave side closes.
import array, fcntl, json, os, socket, struct, sys, termios

path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("READY", flush=True)
conn, _ = srv.accept()
fds = array.array("i")
msg, anc, _flags, _addr = conn.recvmsg(4096, socket.CMSG_SPACE(16 * fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
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
