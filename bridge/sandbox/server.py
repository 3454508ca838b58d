"""Run several ASGI apps as uvicorn servers on ONE asyncio loop in ONE background thread.

Sockets are bound before the thread starts, so port 0 resolves to a real port that
`start()` can report, and a port already in use fails loudly in the caller's thread.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)

START_TIMEOUT_S = 15.0


@dataclass
class AppSpec:
    name: str
    app: ASGIApp
    host: str
    port: int
    certfile: Path | None = None
    keyfile: Path | None = None


def bind(host: str, port: int) -> socket.socket:
    # proto must be IPPROTO_TCP (not 0): asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP, and without it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class ServerThread:
    """Owns the loop thread; `ports` maps app name -> bound port once started."""

    def __init__(self, specs: list[AppSpec]) -> None:
        self._specs = specs
        self._sockets: dict[str, socket.socket] = {}
        self._servers: list[uvicorn.Server] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self.ports: dict[str, int] = {}

    def start(self) -> dict[str, int]:
        try:
            for spec in self._specs:
                self._sockets[spec.name] = bind(spec.host, spec.port)
                self.ports[spec.name] = self._sockets[spec.name].getsockname()[1]
        except OSError:
            for sock in self._sockets.values():  # a port in use must not leak the others
                sock.close()
            raise
        for spec in self._specs:
            config = uvicorn.Config(
                # log_config=None: leave the host process's logging alone (configured once, in the CLI)
                spec.app, host=spec.host, port=self.ports[spec.name], log_level="warning", log_config=None,
                access_log=False, lifespan="off", loop="asyncio", http="h11",
                ssl_certfile=str(spec.certfile) if spec.certfile else None,
                ssl_keyfile=str(spec.keyfile) if spec.keyfile else None,
                timeout_keep_alive=30)
            self._servers.append(uvicorn.Server(config))
        self._thread = threading.Thread(target=self._run, name="bridge-sandbox", daemon=True)
        self._thread.start()
        self._wait_started()
        return dict(self.ports)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve_all())
        except BaseException as exc:  # surfaced to the starting thread
            self._error = exc
            log.exception("sandbox servers stopped with an error")
        finally:
            self._loop.close()

    async def _serve_all(self) -> None:
        await asyncio.gather(*(
            server.serve(sockets=[self._sockets[spec.name]])
            for spec, server in zip(self._specs, self._servers)))

    def _wait_started(self) -> None:
        deadline = threading.Event()
        for _ in range(int(START_TIMEOUT_S / 0.01)):
            if self._error is not None:
                raise RuntimeError(f"sandbox failed to start: {self._error}") from self._error
            if all(server.started for server in self._servers):
                return
            deadline.wait(0.01)
        raise RuntimeError("sandbox servers did not start in time")

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._loop

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
            # Idle keep-alive TLS connections would hold a graceful shutdown for the SSL
            # close timeout (30 s); the sandbox has nothing to drain, so do not wait.
            server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        for sock in self._sockets.values():
            sock.close()
