"""Webhook signature schemes of Zendesk and Jira, checked in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from bridge.connectors.zendesk_json import parse_time

# Older deliveries are refused as replays.
MAX_AGE = timedelta(minutes=5)


class SignatureError(ValueError):
    """The delivery's signature or timestamp does not check out."""


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, timestamp + body)).

    https://developer.zendesk.com/documentation/webhooks/verifying/
    """
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_zendesk(*, secret: str, signature: str | None, timestamp: str | None, body: bytes, now: datetime) -> None:
    if not signature or not timestamp:
        raise SignatureError("missing X-Zendesk-Webhook-Signature or -Timestamp header")
    expected = zendesk_signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureError("bad signature")
    try:
        sent = parse_time(timestamp)
    except ValueError:
        raise SignatureError("unreadable timestamp") from None
    if abs(now - sent) > MAX_AGE:
        raise SignatureError("timestamp older than 5 minutes (replay?)")


def jira_signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256(secret, body)>`, the X-Hub-Signature of Jira admin webhooks.

    https://developer.atlassian.com/cloud/jira/platform/webhooks/ (secure admin webhooks)
    """
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_jira(*, secret: str, signature: str | None, body: bytes) -> None:
    if not signature:
        raise SignatureError("missing X-Hub-Signature header")
    if not hmac.compare_digest(jira_signature(secret, body).encode(), signature.strip().encode()):
        raise SignatureError("bad signature")
