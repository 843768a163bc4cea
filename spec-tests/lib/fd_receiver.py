# The receiving end of what tdrun-init hands over with SCM_RIGHTS (the console socket's pty
# master, the seccomp listener's notify fd), for the spec-tests' helper servers: Node cannot
# receive fds.
import array, socket


def receive_one(path):
    """Listens on `path`, prints "READY", accepts one connection and returns (message, fds)."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print("READY", flush=True)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(16 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return msg, list(fds)
