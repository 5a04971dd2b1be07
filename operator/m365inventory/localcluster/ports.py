"""Pick free loopback TCP ports for the components.

All sockets are held open until every port is chosen so one call never returns the same
port twice; another process may still take a port before a component binds it (a small race
that a fresh start resolves).
"""

from __future__ import annotations

import contextlib
import socket


def free_ports(*, count: int) -> list[int]:
    """``count`` distinct TCP ports that were free on 127.0.0.1 a moment ago."""
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports
