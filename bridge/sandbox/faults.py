"""Fault injection, per-service rate limits and request counters.

One `ServiceGuard` per emulator. It decides, before a request reaches the API code,
whether the request is answered normally, delayed, failed with a 5xx, refused with 429,
or has its connection dropped. Randomness comes from a seeded `random.Random`, so a test
that sets `seed` sees the same sequence of faults on every run.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

Verdict = Literal["pass", "error", "ratelimit", "drop"]

# Numeric path segments and Jira keys are folded so counters group by endpoint.
_NUMBER = re.compile(r"(?<!api/)(?<=/)\d+(?=[/.]|$)")
_JIRA_KEY = re.compile(r"(?<=/)[A-Z][A-Z0-9]+-\d+(?=[/.]|$)")


def endpoint_name(method: str, path: str) -> str:
    """`GET /api/v2/tickets/12.json` -> `GET /api/v2/tickets/{id}.json`."""
    path = _JIRA_KEY.sub("{key}", path)
    return f"{method.upper()} {_NUMBER.sub('{id}', path)}"


@dataclass(frozen=True)
class FaultConfig:
    """What to inject. Rates are probabilities per request, in [0, 1]."""

    error_rate: float = 0.0
    error_status: int = 503
    ratelimit_rate: float = 0.0
    retry_after: int = 1  # whole seconds: every client parses it with int()
    latency_ms: int = 0
    drop_rate: float = 0.0
    only: tuple[str, ...] = ()  # endpoint-name substrings the faults apply to; empty = all

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["only"] = list(self.only)
        return data


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    latency_s: float = 0.0
    status: int = 200
    retry_after: int = 0


class RateLimiter:
    """Sliding 60-second window, like the per-minute budgets the vendors publish.

    `retry_after()` is the whole seconds until the oldest request in the window expires,
    which is what Zendesk and Slack put in Retry-After.
    """

    def __init__(self, per_minute: int | None) -> None:
        self.per_minute = per_minute
        self._hits: deque[float] = deque()

    def take(self, now: float) -> int:
        """Record a request; 0 if allowed, else the seconds to wait (>= 1)."""
        if not self.per_minute:
            return 0
        while self._hits and now - self._hits[0] >= 60.0:
            self._hits.popleft()
        if len(self._hits) >= self.per_minute:
            return max(1, int(60.0 - (now - self._hits[0]) + 0.999))
        self._hits.append(now)
        return 0

    def remaining(self, now: float) -> int:
        if not self.per_minute:
            return 0
        live = sum(1 for hit in self._hits if now - hit < 60.0)
        return max(0, self.per_minute - live)


@dataclass
class ServiceGuard:
    """Faults, rate limit and counters for one emulated service. Thread-safe."""

    name: str
    base_latency_ms: int = 0
    default_rate_limit: int | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)
    seed: int | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self.limiter = RateLimiter(self.default_rate_limit)
        self.endpoints: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()

    def configure(self, **changes: Any) -> FaultConfig:
        """Replace some fault settings (`error_rate=0.3`); unspecified ones stay."""
        with self._lock:
            if "seed" in changes:
                self._rng = random.Random(changes.pop("seed"))
            if "rate_limit" in changes:
                self.limiter = RateLimiter(changes.pop("rate_limit"))
            if "only" in changes:
                changes["only"] = tuple(changes["only"] or ())
            self.faults = replace(self.faults, **changes)
            return self.faults

    def set_default_rate_limit(self, per_minute: int | None) -> None:
        """The limit `clear_faults` returns to."""
        with self._lock:
            self.default_rate_limit = per_minute
            self.limiter = RateLimiter(per_minute)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults = FaultConfig()
            if self.limiter.per_minute != self.default_rate_limit:  # same limit: keep its window
                self.limiter = RateLimiter(self.default_rate_limit)

    def decide(self, endpoint: str, now: float | None = None) -> Decision:
        now = time.monotonic() if now is None else now
        with self._lock:
            self.endpoints[endpoint] += 1
            cfg = self.faults
            applies = not cfg.only or any(part in endpoint for part in cfg.only)
            latency = (self.base_latency_ms + (cfg.latency_ms if applies else 0)) / 1000.0
            if applies and cfg.drop_rate and self._rng.random() < cfg.drop_rate:
                return Decision("drop", latency)
            if applies and cfg.error_rate and self._rng.random() < cfg.error_rate:
                return Decision("error", latency, status=cfg.error_status)
            if applies and cfg.ratelimit_rate and self._rng.random() < cfg.ratelimit_rate:
                return Decision("ratelimit", latency, status=429, retry_after=cfg.retry_after)
            wait = self.limiter.take(now)
            if wait:
                return Decision("ratelimit", latency, status=429, retry_after=wait)
            return Decision("pass", latency)

    def record_status(self, status: int) -> None:
        with self._lock:
            self.statuses[str(status)] += 1

    def rate_headers(self) -> tuple[int, int]:
        """(limit, remaining) for the vendor's informational headers."""
        with self._lock:
            limit = self.limiter.per_minute or 0
            return limit, self.limiter.remaining(time.monotonic())

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self.endpoints)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": sum(self.endpoints.values()), "endpoints": dict(self.endpoints),
                    "statuses": dict(self.statuses), "faults": self.faults.to_json(),
                    "rate_limit_per_minute": self.limiter.per_minute}

    def reset_counters(self) -> None:
        with self._lock:
            self.endpoints.clear()
            self.statuses.clear()
