"""Text the bridge puts into a Slack message: what people wrote is shown, never obeyed."""

from __future__ import annotations


def escaped(text: str) -> str:
    """`text` as literal mrkdwn: `&`, `<` and `>` escaped, as Slack asks. Unescaped, a ticket
    subject `<!channel>` would ping the whole channel and `<https://x|y>` would be a disguised
    link. https://docs.slack.dev/messaging/formatting-message-text#escaping"""
    if "&" not in text and "<" not in text and ">" not in text:
        return text  # nearly every subject: no copy
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
