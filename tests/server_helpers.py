"""The example server in a real uvicorn process on 127.0.0.1, for the tests that need a real server.

``with example_server_process(tmp_path, env={...}) as server:`` starts ``uvicorn example_server.app:app`` on a free
port (its store: ``$GQLEVOLVE_DB``, by default a SQLite file in ``tmp_path``), waits until it answers, and stops it
afterwards (SIGTERM, then SIGKILL after 15 s). Its output goes to a file (``server.log``): a pipe nobody reads
would fill up and stall the server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["ServerProcess", "example_server_process", "free_port"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        """The server's resident memory now (VmRSS, KiB; 0 once it has exited)."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0
        return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM (uvicorn's graceful shutdown: the store is flushed and closed), then SIGKILL after ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@contextlib.contextmanager
def example_server_process(
    tmp_path: Path, *, env: dict[str, str] | None = None, app: str = "example_server.app:app"
) -> Iterator[ServerProcess]:
    """The example app (or another ``module:attribute`` that serves ``/api/v2/graphql``) in a real uvicorn process
    (see the module); ``env`` is added to this process's."""
    port = free_port()
    log = tmp_path / "server.log"
    environment = {**os.environ, "GQLEVOLVE_DB": f"sqlite:///{tmp_path / 'usage.db'}", **(env or {})}
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )
    server = ServerProcess(process, port, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"uvicorn exited early:\n{log.read_text()}")
            try:
                httpx.get(f"{server.base_url}/api/v2/graphql", params={"query": "{ __typename }"}, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(f"uvicorn did not answer within 30 s:\n{log.read_text()}")
                time.sleep(0.1)
        yield server
    finally:
        server.stop()
