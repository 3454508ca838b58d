"""JQL lexing and literals: tokens, date values, the error type."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

from bridge.sandbox.jira_shapes import errors

Issue = dict[str, Any]
Predicate = Callable[[Issue], bool]
_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(!=|!~|>=|<=|=|~|>|<)|([(),])|([^\s,()=!<>~"\']+))')
_REL = re.compile(r"^([+-]?\d+)([mhdw])$")
_UNIT = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
DATE_FIELDS = {"created": "created", "createddate": "created", "updated": "updated", "updateddate": "updated",
               "resolved": "resolutiondate", "resolutiondate": "resolutiondate", "duedate": "duedate", "due": "duedate"}


class JqlError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.body = errors(message)


class Value(str):
    """A literal; `quoted` distinguishes "EMPTY" from EMPTY and "now()" from now()."""

    quoted: bool = False


def tokenize(text: str) -> list[Value]:
    tokens: list[Value] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise JqlError(f"Error in the JQL Query: The character '{text[pos]}' is a reserved JQL character. (line 1, character {pos + 1})")
        quoted, op, punct, word = match.groups()
        if quoted:
            tok = Value(quoted[1:-1].replace('\\"', '"').replace("\\'", "'"))
            tok.quoted = True
        else:
            tok = Value(op or punct or word)
        tokens.append(tok)
        pos = match.end()
    return tokens


def parse_time(value: str, now: float) -> float:
    text = value.strip()
    lower = text.lower()
    if lower in ("now()", "now"):
        return now
    day = now - now % 86400
    if lower == "startofday()":
        return day
    if lower == "endofday()":
        return day + 86399
    rel = _REL.match(lower)
    if rel:
        return now + int(rel.group(1)) * _UNIT[rel.group(2)]
    for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    raise JqlError(f"Date value '{value}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.")
