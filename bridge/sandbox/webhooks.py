"""Outgoing webhooks: signing schemes and background delivery.

Deliveries never run on the API request path: the API code enqueues, one worker thread
per target posts. A target that is down or slow only delays its own queue, and its
failures are recorded (see `WebhookTarget.log`), never raised into the emulator.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

import httpx

log = logging.getLogger(__name__)

Signer = Callable[[bytes, str], dict[str, str]]

ATTEMPTS = 3  # Zendesk and Jira both retry failed deliveries a few times
BACKOFF_S = (0.1, 0.5)
TIMEOUT_S = 5.0  # Jira's documented connect timeout is 5 s


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, TIMESTAMP + BODY)) with the secret used as-is.

    https://developer.zendesk.com/documentation/webhooks/verifying/
    """
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def jira_signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the raw body>`, the WebSub format Jira Cloud uses."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    event_id: str
    body: bytes
    headers: dict[str, str]


class WebhookTarget:
    """One registered URL with its own queue and worker thread."""

    def __init__(self, url: str, secret: str, *, verify: Any = True) -> None:
        self.url = url
        self.secret = secret
        self.log: deque[dict[str, Any]] = deque(maxlen=500)
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._client = httpx.Client(timeout=TIMEOUT_S, verify=verify, trust_env=False)
        self.pending = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._work, name=f"webhook:{url}", daemon=True)
        self._thread.start()

    def enqueue(self, delivery: Delivery) -> None:
        with self._lock:
            self.pending += 1
        self._queue.put(delivery)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                if not self._closed.is_set():
                    self._deliver(item)
            finally:
                with self._lock:
                    self.pending -= 1

    def _deliver(self, item: Delivery) -> None:
        for attempt in range(ATTEMPTS):
            headers = dict(item.headers)
            if attempt:
                headers["X-Atlassian-Webhook-Retry"] = str(attempt)  # ignored by non-Jira receivers
            status: int | None = None
            error = ""
            try:
                status = self._client.post(self.url, content=item.body, headers=headers).status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            self.log.append({"url": self.url, "event_id": item.event_id, "attempt": attempt + 1,
                             "status": status, "error": error, "at": time.time()})
            if status is not None and status < 500 and status != 429:
                return
            if attempt < ATTEMPTS - 1 and self._closed.wait(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]):
                return  # closed while backing off
        log.warning("webhook %s to %s failed after %d attempts", item.event_id, self.url, ATTEMPTS)

    def close(self) -> None:
        self._closed.set()
        self._queue.put(None)
        self._thread.join(timeout=2)
        self._client.close()


class WebhookHub:
    """All targets of one service; `publish` signs per target and enqueues."""

    def __init__(self, sign: Callable[[str, bytes], dict[str, str]]) -> None:
        self._sign = sign
        self._lock = threading.Lock()
        self.targets: list[WebhookTarget] = []

    def add(self, url: str, secret: str, *, verify: Any = True) -> WebhookTarget:
        target = WebhookTarget(url, secret, verify=verify)
        with self._lock:
            self.targets.append(target)
        return target

    def publish(self, event_id: str, body: bytes, extra_headers: dict[str, str] | None = None) -> None:
        with self._lock:
            targets = list(self.targets)
        for target in targets:
            headers = {"Content-Type": "application/json", **(extra_headers or {}),
                       **self._sign(target.secret, body)}
            target.enqueue(Delivery(event_id=event_id, body=body, headers=headers))

    def deliveries(self) -> list[dict[str, Any]]:
        """Every delivery attempt to every target, oldest first per target."""
        with self._lock:
            return [entry for t in self.targets for entry in list(t.log)]

    def target_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"url": t.url, "pending": t.pending} for t in self.targets]

    def idle(self) -> bool:
        with self._lock:
            return all(t.pending == 0 for t in self.targets)

    def close(self) -> None:
        with self._lock:
            targets, self.targets = self.targets, []
        for target in targets:
            target.close()
