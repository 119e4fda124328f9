#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Test helper: plays systemd's side of sd_notify(3). Binds an AF_UNIX
# datagram socket at PATH (a leading '@' makes it abstract), writable by
# anyone (the service may run as another user), and appends every datagram
# received to OUT, one a line (newlines inside shown as '|'), until SECONDS
# pass or a datagram contains STOPPING=1.
#
#   notify_listen.py PATH OUT SECONDS
import os
import socket
import sys
import time


def main(argv):
    path, out, secs = argv[1], argv[2], float(argv[3])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    addr = "\0" + path[1:] if path.startswith("@") else path
    s.bind(addr)
    if not path.startswith("@"):
        os.chmod(path, 0o666)
    end = time.monotonic() + secs
    with open(out, "a", encoding="utf-8") as f:
        f.write("LISTENING\n")
        f.flush()
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                data = s.recv(65536)
            except socket.timeout:
                break
            msg = data.decode("utf-8", "replace")
            f.write(msg.replace("\n", "|") + "\n")
            f.flush()
            if "STOPPING=1" in msg:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
