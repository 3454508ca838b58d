"""Serving an ASGI app from a background thread (uvicorn), with the bound port known."""

from __future__ import annotations

import threading
import time

import uvicorn


class HttpServer:
    def __init__(self, app: object, *, host: str, port: int) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)
        self.host = host
        self.port = port

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"HTTP server could not listen on {self.host}:{self.port}")
            if time.monotonic() > deadline:
                raise RuntimeError("HTTP server did not start in time")
            time.sleep(0.02)  # start-up handshake with uvicorn's thread, not a test wait
        sockets = [s for server in self._server.servers for s in server.sockets]
        self.port = sockets[0].getsockname()[1]

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
