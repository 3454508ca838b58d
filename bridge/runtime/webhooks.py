"""Webhook endpoints: verify, store in the inbox, answer fast. Processing happens after.

A bad delivery is answered with a status and a log line, never an exception, and nothing
of it is stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect
from starlette.concurrency import run_in_threadpool

from bridge.connectors import jira_json, zendesk_json
from bridge.connectors.signatures import SignatureError, verify_jira, verify_zendesk
from bridge.connectors.zendesk_json import OWN_CHANGE
from bridge.model import Event
from bridge.runtime.metrics import Metrics
from bridge.runtime.outage import FailureLog
from bridge.store import Store, store_unavailable
from bridge.sync.own_update import OWN_REPORT_WAIT
from bridge.sync.poll import SECOND_CLOSED

log = logging.getLogger(__name__)

STORE_RETRY_AFTER = 10  # seconds a sender is asked to wait while the store is unavailable

# What a signed but odd body can raise in the parsers (a date that is no date, a list where
# an object belongs, an absurd timestamp): the sender gets a 400 and nothing is stored.
UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, OverflowError, OSError)
# The inbox's columns (PostgreSQL refuses longer text, and NUL anywhere).
_STORED_LENGTHS = (("event_id", 255), ("kind", 64), ("subject", 64))


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    zendesk_secret: str
    jira_secret: str
    max_bytes: int
    # A sender that stalls mid-body gets a 408 after this long rather than holding a connection.
    body_seconds: float = 30.0


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Ignored(Exception):
    """A signed, well-formed delivery about something the bridge does not follow: answered 200,
    so the sender neither retries it nor reports a failing webhook, and nothing is stored."""


def webhook_router(
    *,
    store: Store,
    config: WebhookConfig,
    metrics: Metrics,
    clock: Callable[[], datetime],
    on_new: Callable[[], None],
    own_zendesk_user: Callable[[], int | None] = lambda: None,
) -> APIRouter:
    """`own_zendesk_user` gives the bridge's own Zendesk user id once known (no I/O): its own
    changes are recognised on arrival (see zendesk_json.event_from_webhook)."""
    router = APIRouter()
    outage = FailureLog(log, "webhooks")  # on the event loop only: no lock needed

    async def receive(source: str, request: Request, parse: Callable[[bytes, Request], Event]) -> JSONResponse:
        try:
            body = await _read_limited(request, config.max_bytes, within=config.body_seconds)
            event = _storable(parse(body, request))
        except Rejected as exc:
            metrics.webhooks.labels(source=source, outcome=str(exc.status)).inc()
            log.warning("%s webhook refused (%s): %s", source, exc.status, exc.reason)
            return JSONResponse({"error": exc.reason}, status_code=exc.status)
        except Ignored as exc:
            metrics.webhooks.labels(source=source, outcome="ignored").inc()
            log.info("%s webhook ignored: %s", source, exc)
            return JSONResponse({"stored": False, "ignored": str(exc)})
        now = clock()
        # Zendesk stamps changes to the second: wait until that second is surely over, so one
        # read sees every change made in it (see sync/poll.py). A report of the bridge's own
        # update waits longer, for the executor's record of it (see sync/own_update.py). A
        # time ahead of the bridge's clock waits no longer than one just made.
        wait = OWN_REPORT_WAIT if event.kind == OWN_CHANGE else SECOND_CLOSED
        settle = min(event.occurred_at, now) + wait if source == "zendesk" else None
        try:
            new = await run_in_threadpool(
                store.inbox.add, [event], now=now, not_before=settle if settle and settle > now else None
            )
        except Exception as error:
            if not store_unavailable(error):
                raise
            # A sender that retries waits Retry-After; the poll finds the change whether or not
            # it does, so refusing it now loses nothing.
            metrics.webhooks.labels(source=source, outcome="503").inc()
            outage.failed(error)
            return JSONResponse(
                {"error": "the bridge's store is unavailable; send it again later"},
                status_code=503, headers={"Retry-After": str(STORE_RETRY_AFTER)},
            )
        outage.succeeded()
        metrics.webhooks.labels(source=source, outcome="200").inc()
        if new:
            metrics.events_new.labels(source=source).inc()
            on_new()
        return JSONResponse({"stored": bool(new), "event_id": event.event_id})

    @router.post("/webhooks/zendesk")
    async def zendesk_webhook(request: Request) -> JSONResponse:
        return await receive(
            "zendesk", request, lambda body, req: _zendesk_event(config, clock(), own_zendesk_user(), body, req)
        )

    @router.post("/webhooks/jira")
    async def jira_webhook(request: Request) -> JSONResponse:
        return await receive("jira", request, lambda body, req: _jira_event(config, clock(), body, req))

    return router


def _zendesk_event(config: WebhookConfig, now: datetime, own_user: int | None, body: bytes, request: Request) -> Event:
    """The event a signed Zendesk delivery reports, or Rejected with the status to answer."""
    if not config.zendesk_secret:
        raise Rejected(403, "BRIDGE_ZENDESK_WEBHOOK_SECRET is not set: Zendesk webhooks are refused")
    try:
        verify_zendesk(
            secret=config.zendesk_secret,
            signature=request.headers.get("x-zendesk-webhook-signature"),
            timestamp=request.headers.get("x-zendesk-webhook-signature-timestamp"),
            body=body,
            now=now,
        )
    except SignatureError as exc:
        raise Rejected(401, str(exc)) from None
    try:
        return zendesk_json.event_from_webhook(_json_object(body), own_user_id=own_user)
    except zendesk_json.NotAboutTickets as exc:
        raise Ignored(str(exc)) from None
    except UNREADABLE as exc:
        raise Rejected(400, f"unreadable Zendesk payload: {exc}") from None


def _jira_event(config: WebhookConfig, now: datetime, body: bytes, request: Request) -> Event:
    """The event a signed Jira delivery reports, or Rejected with the status to answer."""
    if not config.jira_secret:
        raise Rejected(403, "BRIDGE_JIRA_WEBHOOK_SECRET is not set: Jira webhooks are refused")
    try:
        verify_jira(secret=config.jira_secret, signature=request.headers.get("x-hub-signature"), body=body)
    except SignatureError as exc:
        raise Rejected(401, str(exc)) from None
    try:
        return jira_json.event_from_webhook(
            _json_object(body), received_at=now, delivery_id=request.headers.get("x-atlassian-webhook-identifier")
        )
    except jira_json.NotAboutIssues as exc:
        raise Ignored(str(exc)) from None
    except UNREADABLE as exc:
        raise Rejected(400, f"unreadable Jira payload: {exc}") from None


async def _read_limited(request: Request, limit: int, *, within: float) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Rejected(413, f"body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(within):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Rejected(413, f"body over {limit} bytes")
                chunks.append(chunk)
    except ClientDisconnect:
        raise Rejected(400, "the sender went away before the body was complete") from None
    except TimeoutError:
        raise Rejected(408, f"the body did not arrive within {within:g} s") from None
    return b"".join(chunks)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected(400, f"malformed JSON: {exc}") from None
    except RecursionError:
        raise Rejected(400, "malformed JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise Rejected(400, "the body must be a JSON object")
    return value


def _storable(event: Event) -> Event:
    """The event, if the inbox can keep its id, kind and subject as they are (no length beyond
    the columns', no NUL, no half of a UTF-16 pair); else Rejected: a truncated id would merge
    two events into one."""
    for name, limit in _STORED_LENGTHS:
        value = getattr(event, name)
        if len(value) > limit:
            raise Rejected(400, f"{name} of {len(value)} characters: longer than any Zendesk or Jira sends")
        if "\x00" in value:
            raise Rejected(400, f"{name} {value[:40]!r} holds a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Rejected(400, f"{name} {value[:40]!r} is not text (a lone UTF-16 surrogate)") from None
    return event
