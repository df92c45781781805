"""Local TCP ports for the emulator and webhook servers."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """Find a currently free TCP port by binding port 0.

    Args:
        host: Interface to probe.

    Returns:
        A port number that was free a moment ago.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
