"""``make run``'s launcher (accessreq/dev.py): its port check, as a restart right after Ctrl-C
meets it."""

from __future__ import annotations

import socket

import pytest

from accessreq.dev import HOST, _port_free

from helpers import free_port


def _leave_time_wait(port: int) -> None:
    """Serve one connection on ``port`` and close the server's side first, as a stopped server
    does: the port is left with a connection in TIME_WAIT and nothing listening. The listener
    reuses the address, as Werkzeug's and aiosmtpd's servers do (Linux lets a new socket share
    a port with a TIME_WAIT connection only when both asked for it)."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
        listener.listen()
        client = socket.create_connection((HOST, port), timeout=5)
        served, _ = listener.accept()
        served.close()  # the server closes first: its end goes to TIME_WAIT
        client.recv(1)  # sees the close
        client.close()


def test_a_port_left_in_time_wait_by_a_stopped_server_is_free():
    port = free_port()
    _leave_time_wait(port)
    # The situation is real: a bind without address reuse (the old check) is refused...
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind((HOST, port))
    # ...but a server (which reuses the address) could listen, so the check says free.
    assert _port_free(port)
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((HOST, port))
        server.listen()


@pytest.mark.parametrize("address", [HOST, "0.0.0.0"])
def test_a_port_with_a_real_listener_is_taken(address):
    port = free_port()
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, port))
        listener.listen()
        assert not _port_free(port)
    assert _port_free(port)
