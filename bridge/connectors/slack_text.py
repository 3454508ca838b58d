"""Text the bridge puts into a Slack message: what people wrote is shown, never obeyed."""

from __future__ import annotations

import re

# A conversation's id, as Slack names it in every answer: C… (channels), G… (older private
# ones), D… (direct messages); upper case, where a channel's name is lower case.
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")
CHANNEL_ID_HINT = (
    "a channel id (C…), not a name: it is at the foot of the channel's details in Slack. "
    "Slack answers with ids, and a retried notice looks for itself by the id"
)


def is_channel_id(channel: str) -> bool:
    return CHANNEL_ID.fullmatch(channel) is not None


def escaped(text: str) -> str:
    """`text` as literal mrkdwn: `&`, `<` and `>` escaped, as Slack asks. Unescaped, a ticket
    subject `<!channel>` would ping the whole channel and `<https://x|y>` would be a disguised
    link. https://docs.slack.dev/messaging/formatting-message-text#escaping"""
    if "&" not in text and "<" not in text and ">" not in text:
        return text  # nearly every subject: no copy
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
