"""Jira's wiki markup as plain text, for comments that go to Zendesk.

REST v2 gives a comment as wiki markup. Zendesk shows a comment's text as written, so a
developer's `*fixed*`, `{code}` or `[~accountid:5b10…]` would reach the agents, and in a
public reply the customer, as raw markup. What carries meaning is kept: code and quoted text
line for line, a link's address, an attachment's name; the markup itself goes.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(r"\{(code|noformat)(?::[^}]*)?\}(.*?)\{\1\}", re.DOTALL)
_QUOTE = re.compile(r"\{quote\}(.*?)\{quote\}", re.DOTALL)
_PANEL = re.compile(r"\{(?:panel|color)(?::[^}]*)?\}|\{(?:panel|color)\}")
_MENTION = re.compile(r"\[~(?:accountid:)?([^\]|]+)\]")
_LINK = re.compile(r"\[([^\]|\n]+)\|([^\]\n]+)\]")
_BARE_LINK = re.compile(r"\[((?:https?|mailto):[^\]\s]+)\]")
_IMAGE = re.compile(r"!([^!\s|][^!|\n]*?\.[A-Za-z0-9]{2,5})(?:\|[^!\n]*)?!")  # !name.png! or !name.png|thumbnail!
_HEADING = re.compile(r"^h[1-6]\.\s*", re.MULTILINE)
_TABLE_ROW = re.compile(r"^\s*\|\|?(.*?)\|\|?\s*$", re.MULTILINE)
_BULLET = re.compile(r"^([*#-]+)\s+", re.MULTILINE)
_MONOSPACE = re.compile(r"\{\{(.+?)\}\}")
# *bold*, _italic_, +underline+, ??citation??: only around words, so 2*3*4 and snake_case stay.
_EMPHASIS = re.compile(r"(?<![\w*_+?])([*_+]|\?\?)(?=\S)(.+?)(?<=\S)\1(?![\w*_+?])")
_PLACEHOLDER = "\x00{}\x00"


def wiki_to_text(markup: str) -> str:
    """Plain text from Jira wiki markup; text inside {code} and {noformat} is left exactly as it is."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(2).strip("\n"))
        return _PLACEHOLDER.format(len(kept) - 1)

    text = _BLOCK.sub(keep, markup)
    text = _QUOTE.sub(lambda m: "\n".join(f"> {line}" for line in m.group(1).strip("\n").splitlines()), text)
    text = _PANEL.sub("", text)
    text = _MENTION.sub(lambda m: "@" + ("a Jira user" if _looks_like_account_id(m.group(1)) else m.group(1)), text)
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text)
    text = _BARE_LINK.sub(r"\1", text)
    text = _IMAGE.sub(r"[attachment in Jira: \1]", text)
    text = _HEADING.sub("", text)
    text = _TABLE_ROW.sub(lambda m: " | ".join(cell.strip() for cell in re.split(r"\|\|?", m.group(1))), text)
    text = _BULLET.sub(lambda m: "  " * (len(m.group(1)) - 1) + "- ", text)
    text = _MONOSPACE.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = text.replace("\\\\", "\n")
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], text)


def _looks_like_account_id(name: str) -> bool:
    """Cloud's account ids (`5b10a2844c20165700ede21g`, `557058:f58131cb-…`) name nobody a reader knows."""
    return bool(re.fullmatch(r"(?:\d+:)?[0-9a-z-]{20,}", name)) and any(c.isdigit() for c in name)
