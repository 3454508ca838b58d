"""The signature the bridge leaves on every comment it writes, on either side.

It does two jobs: a comment carrying it is never mirrored back (no echo), and a retried
write can tell whether an earlier attempt already landed (its action's digest is in it).
"""

from __future__ import annotations

import hashlib

PREFIX = "[escalation-bridge"


def digest(action_key: str) -> str:
    return hashlib.sha1(action_key.encode()).hexdigest()[:10]


def sign(body: str, action_key: str) -> str:
    return f"{body}\n\n{PREFIX} {digest(action_key)}]"


def is_signed(body: str) -> bool:
    return PREFIX in body


def signed_for(body: str, action_key: str) -> bool:
    return f"{PREFIX} {digest(action_key)}]" in body
