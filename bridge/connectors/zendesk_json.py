"""Zendesk JSON -> the bridge's model. Pure: no I/O, so `rules explain` and tests use it too.

Shapes follow the recorded API responses in shared/reference/zendesk (ticket objects of
`GET /api/v2/tickets/{id}.json`, comment objects of `GET /api/v2/tickets/{id}/comments.json`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Mapping

from bridge.connectors.marker import is_signed
from bridge.model import Comment, Event, EventSource, Ticket


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CALENDAR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ])", re.ASCII)


def parse_time(value: Any) -> datetime:
    """Zendesk timestamps are ISO 8601 UTC with a trailing Z (`2023-09-18T23:25:58Z`)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not value:
        return _EPOCH
    text = str(value)
    if not _CALENDAR_DATE.match(text):  # (Python also reads ISO week and ordinal dates: 2026-W10-1, 2026-061)
        raise ValueError(f"{value!r} is not a timestamp like 2026-03-02T10:00:00Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    try:
        return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-01:00: past the last moment a datetime holds
        raise ValueError(f"{value!r} is out of range") from None


def unwrap_ticket(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """Accept both `{"ticket": {...}}` (as the API returns it) and the bare object."""
    inner = document.get("ticket")
    return inner if isinstance(inner, Mapping) else document


def comment_from_json(raw: Mapping[str, Any], *, users: Mapping[int, Mapping[str, Any]] = MappingProxyType({})) -> Comment:
    body = str(raw.get("plain_body") or raw.get("body") or "")
    author = users.get(raw.get("author_id"), {})
    role = author.get("role")  # end-user, agent or admin
    return Comment(
        id=str(raw.get("id", "")),
        body=body,
        public=bool(raw.get("public", True)),
        author=str(author.get("email") or author.get("name") or raw.get("author_id") or ""),
        created_at=parse_time(raw.get("created_at")),
        by_bridge=is_signed(body),
        attachments=tuple(
            # (no link for a file Zendesk found malware in: listed by name, never copied)
            (str(a.get("file_name") or "attachment"),
             "" if a.get("malware_scan_result") == "malware_found" else str(a.get("content_url") or ""))
            for a in raw.get("attachments") or ()
            if isinstance(a, Mapping) and not a.get("deleted")
        ),
        by_staff=role in ("agent", "admin") if role else None,
    )


def ticket_from_json(
    raw: Mapping[str, Any],
    *,
    users: Mapping[int, Mapping[str, Any]] = MappingProxyType({}),
    organizations: Mapping[int, Mapping[str, Any]] = MappingProxyType({}),
    groups: Mapping[int, Mapping[str, Any]] = MappingProxyType({}),
    comments: tuple[Comment, ...] = (),
    agent_base_url: str = "",
) -> Ticket:
    """Build a Ticket from a Zendesk ticket object and whatever was side-loaded with it.

    `users`, `organizations` and `groups` are keyed by id, as `?include=users,organizations,groups`
    returns them; names that were not side-loaded stay None rather than being guessed.
    """
    raw = unwrap_ticket(raw)
    requester = users.get(raw.get("requester_id"), {})
    organization = organizations.get(raw.get("organization_id"), {})
    group = groups.get(raw.get("group_id"), {})
    custom = {  # Zendesk lists every field, null where unset: an unset field is left out
        str(field["id"]): field["value"]
        for field in raw.get("custom_fields") or ()
        if isinstance(field, Mapping) and "id" in field and field.get("value") is not None
    }
    ticket_id = int(raw["id"]) if raw.get("id") is not None else 0
    return Ticket(
        id=ticket_id,
        subject=str(raw.get("subject") or raw.get("raw_subject") or ""),
        description=str(raw.get("description") or ""),
        status=str(raw.get("status") or "new"),
        priority=raw.get("priority") or None,
        type=raw.get("type") or None,
        tags=frozenset(raw.get("tags") or ()),
        created_at=parse_time(raw.get("created_at")),
        updated_at=parse_time(raw.get("updated_at")),
        requester_email=requester.get("email"),
        requester_name=requester.get("name"),
        organization=organization.get("name"),
        group=group.get("name"),
        custom_fields=MappingProxyType(custom),
        comments=comments,
        url=f"{agent_base_url.rstrip('/')}/agent/tickets/{ticket_id}" if agent_base_url else "",
    )


class MalformedTicket(ValueError):
    """A ticket file that is JSON but not a Zendesk ticket the rules can judge."""


_NUMBER = re.compile(r"[1-9][0-9]{0,18}", re.ASCII)


def ticket_number(value: Any) -> int | None:
    """A Zendesk id as JSON gives it (a number, or text from a trigger's placeholder): a positive
    64-bit number; None for anything else (true, 1.9, -5, ١٢)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not _NUMBER.fullmatch(str(value)):
        return None
    number = int(value)
    return number if number < 2**63 else None


_TEXT_KEYS = ("subject", "raw_subject", "description", "status", "priority", "type")


def ticket_from_document(document: Any) -> Ticket:
    """One ticket from a file, as `rules explain` reads it, checked: a wrong shape is a
    MalformedTicket saying what is wrong, never a ticket made of defaults.

    The file is what `GET /api/v2/tickets/{id}.json?include=users,organizations,groups`
    returns (`{"ticket": {...}, "users": [...], ...}`), or the bare ticket object; the
    requester's, organisation's and group's names come from the side-loads, and `comments`,
    if given, as `GET /api/v2/tickets/{id}/comments.json` returns them (their authors in `users`);
    both beside "ticket" or inside it.
    """
    if not isinstance(document, Mapping):
        raise MalformedTicket(f"expected a JSON object (a Zendesk ticket), got {_kind(document)}")
    if "ticket" not in document and isinstance(document.get("tickets"), list):
        raise MalformedTicket('this is a list of tickets ("tickets"); give one: {"ticket": {...}}')
    raw = document.get("ticket", document)
    if not isinstance(raw, Mapping):
        raise MalformedTicket(f'"ticket" must be an object, got {_kind(raw)}')
    _check_ticket(raw)
    side = {key: _by_id(_holding(key, document, raw), key) for key in ("users", "organizations", "groups")}
    comments = _holding("comments", document, raw).get("comments", [])
    if not isinstance(comments, list) or not all(isinstance(c, Mapping) for c in comments):
        raise MalformedTicket('"comments" must be a list of comment objects')
    for number, comment in enumerate(comments, 1):
        if not isinstance(comment.get("created_at"), str) or not comment["created_at"].strip():
            raise MalformedTicket(f"comment {number}: created_at must be an ISO 8601 time, got {comment.get('created_at')!r}")
        if not isinstance(comment.get("public", True), bool):
            raise MalformedTicket(f"comment {number}: public must be true or false, got {comment['public']!r}")
    try:
        if comments:
            # Who wrote each comment tells agents' replies from the requester's: the authors'
            # records must be there, as ?include=users gives them.
            missing = {c.get("author_id") for c in comments} | {raw.get("requester_id")}
            missing -= set(side["users"]) | {None}
            if missing:
                raise MalformedTicket(f'"users" has no record of {sorted(missing, key=str)} (the requester and the comments\' authors)')
        parsed = tuple(comment_from_json(c, users=side["users"]) for c in comments)
        ticket = ticket_from_json(raw, **side, comments=parsed)
    except MalformedTicket:
        raise
    except ValueError as error:
        raise MalformedTicket(f"a comment's created_at is not an ISO 8601 time ({error})") from None
    except (TypeError, AttributeError) as error:  # a side-load or comment of another shape
        raise MalformedTicket(f"not the shape of a Zendesk ticket and its side-loads ({error})") from None
    # No updated_at: nothing changed since creation (not "updated in 1970").
    return ticket if raw.get("updated_at") else replace(ticket, updated_at=ticket.created_at)


def _holding(key: str, document: Mapping[str, Any], ticket: Mapping[str, Any]) -> Mapping[str, Any]:
    """Where a file keeps `comments` or a side-load: beside "ticket", as the API gives it, or
    inside it, as people write it by hand (read there too: a file whose comments went
    unseen was judged as if nobody had replied)."""
    if key in ticket and ticket is not document:
        if key in document:
            raise MalformedTicket(f'"{key}" is both beside "ticket" and inside it: give it once')
        return ticket
    return document


def _check_ticket(raw: Mapping[str, Any]) -> None:
    ticket_id = raw.get("id")
    if ticket_number(ticket_id) is None:
        shown = ticket_id if len(str(ticket_id)) <= 40 else f"{str(ticket_id)[:40]}…"
        raise MalformedTicket(f"ticket.id must be the ticket's number, got {shown!r}")
    for key in ("created_at", "updated_at"):
        value = raw.get(key)
        if value is None and key == "updated_at":
            continue
        if not isinstance(value, str) or not value.strip():
            raise MalformedTicket(f"ticket.{key} must be an ISO 8601 time like 2026-11-23T09:00:00Z, got {value!r}")
        try:
            parse_time(value)
        except ValueError:
            raise MalformedTicket(f"ticket.{key}: {value!r} is not an ISO 8601 time like 2026-11-23T09:00:00Z") from None
    for key in _TEXT_KEYS:
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise MalformedTicket(f"ticket.{key} must be text or null, got {raw[key]!r}")
    tags = raw.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
        raise MalformedTicket(f"ticket.tags must be a list of tags, got {tags!r}")
    fields = raw.get("custom_fields")
    if fields is not None and not (isinstance(fields, list) and all(isinstance(f, Mapping) for f in fields)):
        raise MalformedTicket('ticket.custom_fields must be a list of {"id": ..., "value": ...}')


def _by_id(document: Mapping[str, Any], key: str) -> dict[Any, Mapping[str, Any]]:
    """A side-loaded list (`users`, `organizations`, `groups`) keyed by id."""
    records = document.get(key, [])
    if not isinstance(records, list) or not all(
        isinstance(r, Mapping) and isinstance(r.get("id"), int) and not isinstance(r["id"], bool) for r in records
    ):
        raise MalformedTicket(f'"{key}" must be a list of objects with a numeric "id", as ?include={key} returns them')
    for record in records:
        for text in ("name", "email"):
            if record.get(text) is not None and not isinstance(record[text], str):
                raise MalformedTicket(f'{key} {record["id"]!r}: "{text}" must be text, got {record[text]!r}')
    return {record["id"]: record for record in records}


def _kind(value: Any) -> str:
    return {list: "a list", str: "text", type(None): "null", bool: "true/false"}.get(type(value), type(value).__name__)


class MalformedPayload(ValueError):
    """A webhook body that is JSON but not the shape Zendesk sends."""


class NotAboutTickets(Exception):
    """A well-formed webhook about something the bridge does not follow (a user, a project)."""


def event_from_webhook(body: Mapping[str, Any], *, own_user_id: int | None = None) -> Event:
    """An inbox event from a Zendesk webhook body.

    Accepts event-subscription webhooks (`{"type": "zen:event-type:ticket.…", "detail": {…}}`)
    and trigger webhooks whose body carries `{"ticket": {"id", "updated_at", "actor_id"}}` (the
    body the README tells admins to configure). The event id matches the poller's, so a change that
    arrives both ways is processed once — except a change made by the bridge's own user
    (`own_user_id`): it gets an id of its own, so it cannot hide another person's change
    made in the same second, and the executor's record of that update covers it.
    """
    kind_of_event = body.get("type")
    if isinstance(kind_of_event, str) and kind_of_event.startswith("zen:event-type:") and not kind_of_event.startswith(
        "zen:event-type:ticket."
    ):
        raise NotAboutTickets(f"{kind_of_event} is not about a ticket")  # a user or organisation event: its id is no ticket's
    detail = body.get("detail") if isinstance(body.get("detail"), Mapping) else unwrap_ticket(body)
    ticket_id = ticket_number(detail.get("id"))
    if ticket_id is None:
        raise MalformedPayload("a Zendesk webhook needs detail.id or ticket.id (the ticket's number)")
    updated = detail.get("updated_at")
    if not updated and not (isinstance(body.get("id"), str) and body["id"].strip()):
        # Every such delivery would share one event id: all but the first would be dropped as seen.
        raise MalformedPayload(
            'a trigger\'s webhook body needs ticket.updated_at: {"ticket": {"id": "{{ticket.id}}", '
            '"updated_at": "{{ticket.updated_at_with_timestamp}}", "actor_id": "{{current_user.id}}"}}'
        )
    occurred = parse_time(updated) if updated else parse_time(body.get("time"))
    if isinstance(body.get("detail"), Mapping):  # read later by the worker: what it cannot read is refused now
        for key in ("created_at", "updated_at"):
            if detail.get(key) is not None:
                parse_time(detail[key])
        if detail.get("tags") is not None and not isinstance(detail["tags"], list):
            raise MalformedPayload("detail.tags must be a list")
    if not updated:
        event_id, kind = f"zendesk-event:{body['id']}", "ticket.changed"
    elif own_user_id is not None and str(detail.get("actor_id")) == str(own_user_id):
        event_id, kind = own_change_id(ticket_id, occurred), OWN_CHANGE
    else:
        event_id, kind = f"ticket:{ticket_id}:{occurred.strftime('%Y-%m-%dT%H:%M:%SZ')}", "ticket.changed"
    payload: dict[str, Any] = {"type": str(body.get("type") or "trigger")}
    if kind != OWN_CHANGE and isinstance(body.get("detail"), Mapping) and updated:
        payload["detail"] = ticket_from_detail(detail)
    return Event(
        source=EventSource.ZENDESK,
        kind=kind,
        event_id=event_id,
        subject=str(ticket_id),
        occurred_at=occurred,
        payload=payload,
    )


def ticket_from_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """An event-subscription webhook's `detail` as a ticket object of the REST API: the same
    keys, ids as numbers and enum values in lower case (the webhook sends "OPEN", "HIGH").
    It has no custom fields and no names: see ZendeskConnector.completed."""

    def number(key: str) -> int | None:
        value = detail.get(key)
        return int(value) if value not in (None, "") else None

    def lower(key: str) -> str | None:
        value = detail.get(key)
        return str(value).lower() if value else None

    return {
        "id": number("id"),
        "subject": str(detail.get("subject") or ""),
        "description": str(detail.get("description") or ""),
        "status": lower("status") or "new",
        "priority": lower("priority"),
        "type": lower("type"),
        "tags": [str(tag) for tag in detail.get("tags") or ()],
        "created_at": detail.get("created_at"),
        "updated_at": detail.get("updated_at"),
        "requester_id": number("requester_id"),
        "organization_id": number("organization_id"),
        "group_id": number("group_id"),
    }


OWN_CHANGE = "ticket.own_change"


def own_change_id(ticket_id: int, updated_at: datetime, audit_id: int | None = None) -> str:
    """The event id of an update the bridge made itself (see sync/own_update.py): a webhook
    of it knows only the second, the executor also the update's audit id."""
    stem = f"ticket:{ticket_id}:{updated_at.strftime('%Y-%m-%dT%H:%M:%SZ')}:own"
    return stem if audit_id is None else f"{stem}:{audit_id}"
