"""Files attached to a ticket, copied to its Jira issue. Pure: the actions; the executor copies.

The issue's text lists every file with its Zendesk link; developers who cannot sign in to
Zendesk need the files themselves. An escalation copies the files of every comment it
carries (internal notes too); a public reply mirrored later brings its own. Each file is
one action, keyed by its URL: copied once, whichever decision plans it.
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import sha1

from bridge.model import Action, ActionKind, Comment


def copy_files(ticket_id: int, comments: Iterable[Comment], *, after: str, issue_key: str | None = None) -> list[Action]:
    """A copy of each file of `comments`, once the action `after` is done (the issue exists, or
    the reply that brings it is on the issue)."""
    actions, seen = [], set()
    for comment in comments:
        for name, url in comment.attachments:
            if url and url not in seen and not comment.by_bridge:
                seen.add(url)
                actions.append(Action(
                    ActionKind.COPY_FILE, f"copy_file:{ticket_id}:{sha1(url.encode()).hexdigest()[:16]}",
                    ticket_id=ticket_id, issue_key=issue_key, params={"name": name, "url": url}, after=after,
                ))
    return actions
