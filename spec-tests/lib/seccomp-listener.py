#!/usr/bin/env python3
# A seccomp agent for the spec-tests (runtime-spec config-linux.md "seccomp", runtime.md
# "containerProcessState"): listens on argv[1], prints "READY", accepts one connection, receives
# the notify fd with SCM_RIGHTS and prints one JSON line: {"fds": N, "state": <the message>}.
# Mode argv[2]:
#   answer ERRNO  answers every notification with -ERRNO until the filter has no task left,
#                 printing {"syscall": NR} for each
#   die           exits at once, closing the notify fd (the kernel then fails notified calls)
import fcntl, json, select, struct, sys
from fd_receiver import receive_one

SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif), 80 bytes
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp), 24 bytes

mode = sys.argv[2]
msg, fds = receive_one(sys.argv[1])
print(json.dumps({"fds": len(fds), "state": json.loads(msg.decode("utf8"))}), flush=True)
if mode == "die" or len(fds) != 1:
    sys.exit(0)

notify = fds[0]
errno_answer = int(sys.argv[3])
poller = select.poll()
poller.register(notify, select.POLLIN)
while True:
    events = poller.poll(20000)
    if not events or events[0][1] & select.POLLHUP:
        break  # no task uses the filter any more
    notif = bytearray(80)
    try:
        fcntl.ioctl(notify, SECCOMP_IOCTL_NOTIF_RECV, notif, True)
    except OSError:
        continue  # the task died or was interrupted before we got it
    notif_id, _pid, _flags, nr = struct.unpack_from("=QIIi", notif)
    print(json.dumps({"syscall": nr}), flush=True)
    resp = bytearray(struct.pack("=QqiI", notif_id, 0, -errno_answer, 0))
    try:
        fcntl.ioctl(notify, SECCOMP_IOCTL_NOTIF_SEND, resp, True)
    except OSError:
        pass  # the task is gone
