"""A TCP relay: a store URL can point at a port that is closed now and starts answering later, or that stalls.

``Relay(target_port).start()`` listens on :attr:`Relay.port` (chosen free at construction, closed until
``start``) and forwards every connection to 127.0.0.1:target_port.

``stall()`` makes it a peer that is there but answers nothing, as a hung server or a black-holed network path
looks to a client: the connections it relays stay open and forward nothing more in either direction, and new
connections are accepted and never forwarded. ``resume()`` closes the stalled connections (their clients see the
connection drop) and forwards new connections again.

``stall_at(b"COMMIT", deliver=True)`` stalls at the first message a client sends that contains ``COMMIT``, after
forwarding it (the server commits, its answer never arrives: a commit in doubt that was applied) or, with
``deliver=False``, before (the server never sees it: a commit in doubt that was not). :attr:`Relay.trapped` is set
once it has: a test whose client may give up before it sends the marker asserts that it did.
"""

from __future__ import annotations

import socket
import threading


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Relay:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._stalled_sockets: list[socket.socket] = []
        self._stalled = threading.Event()
        self._lock = threading.Lock()
        self._trap: tuple[bytes, bool] | None = None
        self.trapped = threading.Event()

    def start(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def stall(self) -> None:
        """From now on, forward nothing: every open connection and every new one hangs (they stay open)."""
        with self._lock:
            self._stalled.set()
            self._stalled_sockets += self._sockets
            self._sockets = []

    def stall_at(self, marker: bytes, *, deliver: bool) -> None:
        """Stall when a client sends ``marker``, after forwarding that message (``deliver``) or before."""
        self._trap = (marker, deliver)

    def resume(self) -> None:
        """Drop the stalled connections and forward new ones again."""
        with self._lock:
            stalled, self._stalled_sockets = self._stalled_sockets, []
            self._stalled.clear()
            self._trap = None
        _close(stalled)

    def close(self) -> None:
        with self._lock:
            sockets = [self._server, *self._sockets, *self._stalled_sockets]
            self._sockets, self._stalled_sockets = [], []
        _close([sock for sock in sockets if sock is not None])

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                if self._stalled.is_set():  # accepted, and never answered
                    self._stalled_sockets.append(client)
                    continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if self._stalled.is_set():  # hold everything from now on; the sockets stay open
                    return
                trap = self._trap
                if from_client and trap is not None and trap[0] in data:
                    self.stall()  # before forwarding: the answer must not get through
                    if trap[1]:
                        target.sendall(data)
                    self.trapped.set()
                    return
                target.sendall(data)
        except OSError:
            pass
        if self._stalled.is_set():
            return
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _close(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        try:  # shutdown first: close() alone leaves the connection open while a pipe thread waits in recv()
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            sock.close()
        except OSError:
            pass
