"""The signature the bridge leaves on every comment it writes, on either side.

It does two jobs: a comment carrying it is never mirrored back (no echo), and a retried
write can tell whether an earlier attempt already landed (its action's digest is in it).
"""

from __future__ import annotations

import hashlib
import re

PREFIX = "[escalation-bridge"
_SIGNATURE = re.compile(r"\\?" + re.escape(PREFIX) + r" [0-9a-f]{10}\\?\]")


def digest(action_key: str) -> str:
    return hashlib.sha1(action_key.encode()).hexdigest()[:10]


def sign(body: str, action_key: str) -> str:
    return f"{body}\n\n{PREFIX} {digest(action_key)}]"


def is_signed(body: str) -> bool:
    """Written by the bridge: a line of the body is the signature, on its own. A reply quoting
    one of the bridge's comments carries it too, but after a `>` or inside other text; a
    comment of the bridge's that someone edited keeps it. (Backslashes before the brackets are
    allowed: Jira's editor may escape them.)"""
    return any(_SIGNATURE.fullmatch(line) for line in _lines(body))


def signed_for(body: str, action_key: str) -> bool:
    signature = f"{PREFIX} {digest(action_key)}]"
    return any(line.replace("\\", "") == signature for line in _lines(body))


def _lines(body: str) -> list[str]:
    return [line.strip() for line in body.splitlines()]
