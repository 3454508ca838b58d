"""Slack Web API, through slack-sdk: the only module that talks to Slack."""

from __future__ import annotations

import ssl
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bridge.connectors.errors import ApiError, PermanentError, RetriableError, from_status
from bridge.connectors.marker import digest

SERVICE = "slack"
METADATA_EVENT = "escalation_bridge_notice"
T = TypeVar("T")

# Slack answers most errors with HTTP 200 and {"ok": false}; these codes are worth a retry.
# https://docs.slack.dev/apis/web-api/rate-limits
_RETRIABLE_CODES = frozenset({"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
_AUTH_CODES = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "missing_scope"})

def posted_at(ts: str) -> datetime:
    """When a message was posted: its `ts` is the Unix time, to the microsecond."""
    return datetime.fromtimestamp(float(ts), timezone.utc)


class SlackConnector:
    def __init__(self, *, token: str, base_url: str, ca_bundle: Path | None = None, timeout: float = 15) -> None:
        context = ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else None
        # No retry handlers: a retry inside a call could outlast the action's lease; the executor retries.
        self._client = WebClient(
            token=token, base_url=base_url, timeout=max(1, round(timeout)), ssl=context, retry_handlers=[]
        )

    def post(
        self,
        *,
        channel: str,
        text: str,
        action_key: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> tuple[str, str]:
        """Post a message (a reply when `thread_ts` is given); returns (channel id, ts).

        The action key rides along as message metadata, so a retry can find the message
        an earlier attempt posted. https://docs.slack.dev/messaging/message-metadata
        """
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"action": digest(action_key)}}
        response = self._call(
            lambda: self._client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False, metadata=metadata
            )
        )
        return str(response["channel"]), str(response["ts"])

    def find_posted(self, *, channel: str, action_key: str, thread_ts: str | None = None) -> tuple[str, str] | None:
        """The message an earlier attempt posted for `action_key`, if any (recent messages only)."""
        wanted = digest(action_key)

        def search() -> tuple[str, str] | None:
            if thread_ts:
                page = self._client.conversations_replies(channel=channel, ts=thread_ts, include_all_metadata=True, limit=200)
            else:
                page = self._client.conversations_history(channel=channel, include_all_metadata=True, limit=200)
            for message in page.get("messages") or ():
                payload = ((message.get("metadata") or {}).get("event_payload") or {})
                if payload.get("action") == wanted:
                    return str(page.get("channel") or channel), str(message["ts"])
            return None

        return self._call(search)

    def _call(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except SlackApiError as exc:
            code = str(exc.response.get("error", "")) if exc.response is not None else ""
            status = exc.response.status_code if exc.response is not None else 0
            headers = exc.response.headers if exc.response is not None else None
            if status != 200:
                raise from_status(SERVICE, status, code or str(exc)[:200], headers=headers) from exc
            if code in _RETRIABLE_CODES:
                raise RetriableError(SERVICE, code) from exc
            if code in _AUTH_CODES:
                raise from_status(SERVICE, 401, code) from exc
            raise PermanentError(SERVICE, code or "request failed") from exc
        except ApiError:
            raise
        except (SlackClientError, OSError) as exc:
            raise RetriableError(SERVICE, f"unreachable: {type(exc).__name__}") from exc
