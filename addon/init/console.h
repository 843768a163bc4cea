// process.terminal: a pty made inside the container, its master handed to whoever holds the
// console socket (runc protocol), its slave the process's stdio and controlling terminal.
#pragma once
#include "plan.h"
#include "status.h"

namespace console {

// Gets the console socket while the host's filesystem is still visible: plan.consoleSocketFd, or
// a connection to plan.consoleSocket. Call only when process.terminal is set.
Status connect(const plan::Plan& p, int& sock);

// In the container (after pivot_root for create): opens /dev/ptmx, sizes the pty, bind-mounts
// the slave over /dev/console when `bindConsole`, sends the master on `sock` (closing it) and
// makes the slave fds 0-2 and the controlling terminal. The caller must be a session leader.
Status setup(const plan::Plan& p, int sock, bool bindConsole);

}  // namespace console
