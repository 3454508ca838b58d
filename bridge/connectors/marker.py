"""The signature the bridge leaves on every comment it writes, on either side.

It does two jobs: a comment carrying it is never mirrored back (no echo), and a retried
write can tell whether an earlier attempt already landed (its action's digest is in it).
"""

from __future__ import annotations

import hashlib
import re

PREFIX = "[escalation-bridge"
_SIGNATURE = re.compile(re.escape(PREFIX) + r" [0-9a-f]{10}\]")


def digest(action_key: str) -> str:
    return hashlib.sha1(action_key.encode()).hexdigest()[:10]


def sign(body: str, action_key: str) -> str:
    return f"{body}\n\n{PREFIX} {digest(action_key)}]"


def is_signed(body: str) -> bool:
    """Written by the bridge: the signature is the body's last line. A reply that quotes one
    of the bridge's comments carries the signature too, but not there (or after a `>`)."""
    return _SIGNATURE.fullmatch(_last_line(body)) is not None


def signed_for(body: str, action_key: str) -> bool:
    return _last_line(body) == f"{PREFIX} {digest(action_key)}]"


def _last_line(body: str) -> str:
    return body.rstrip().rpartition("\n")[2].strip()
