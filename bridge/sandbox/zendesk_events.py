"""What a ticket change looks like from outside: audits, incremental ticket events and
event-subscription webhook payloads (`zen:event-type:ticket.*`).

Webhook payloads follow https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events :
ids are strings in `detail`, enum values are upper-case, and every action carries a
`meta.sequence` shared by the events it raised.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from bridge.sandbox.zendesk_shapes import ACCOUNT_ID

EVENT_VERSION = "2022-11-06"
# ticket field -> webhook event type for simple previous/current changes
CHANGE_EVENTS = {
    "status": "ticket.status_changed",
    "priority": "ticket.priority_changed",
    "assignee_id": "ticket.agent_assignment_changed",
    "group_id": "ticket.group_assignment_changed",
    "subject": "ticket.subject_changed",
    "type": "ticket.type_changed",
    "requester_id": "ticket.requester_changed",
    "organization_id": "ticket.organization_changed",
    "external_id": "ticket.external_id_changed",
    "due_at": "ticket.task_due_at_changed",
}
AUDITED_FIELDS = ("subject", "requester_id", "priority", "type", "status", "organization_id",
                  "assignee_id", "group_id", "tags", "external_id", "due_at", "problem_id",
                  "collaborator_ids", "follower_ids", "email_cc_ids")


def _s(value: Any) -> Any:
    return None if value is None else str(value)


def _upper(value: Any) -> Any:
    return None if value is None else str(value).upper()


def webhook_detail(ticket: dict[str, Any], actor_id: int) -> dict[str, Any]:
    return {
        "actor_id": _s(actor_id), "assignee_id": _s(ticket["assignee_id"]),
        "brand_id": _s(ticket["brand_id"]), "created_at": ticket["created_at"],
        "custom_status": _s(ticket["custom_status_id"]), "description": ticket["description"],
        "external_id": _s(ticket["external_id"]), "form_id": _s(ticket["ticket_form_id"]),
        "group_id": _s(ticket["group_id"]), "id": _s(ticket["id"]), "is_public": ticket["is_public"],
        "organization_id": _s(ticket["organization_id"]), "priority": _upper(ticket["priority"]),
        "requester_id": _s(ticket["requester_id"]), "status": _upper(ticket["status"]),
        "subject": ticket["subject"], "submitter_id": _s(ticket["submitter_id"]),
        "tags": list(ticket["tags"]), "type": _upper(ticket["type"]),
        "updated_at": ticket["updated_at"], "via": {"channel": "api_call"},
    }


def _envelope(kind: str, ticket: dict[str, Any], actor_id: int, event: dict[str, Any], now: float) -> dict[str, Any]:
    moment = datetime.fromtimestamp(now, tz=timezone.utc)
    return {"account_id": ACCOUNT_ID, "detail": webhook_detail(ticket, actor_id), "event": event,
            "id": str(uuid.uuid4()), "subject": f"zen:ticket:{ticket['id']}",
            "time": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}000Z",
            "type": f"zen:event-type:{kind}", "zendesk_event_version": EVENT_VERSION}


def webhook_events(before: dict[str, Any] | None, after: dict[str, Any], *, actor_id: int,
                   comment: dict[str, Any] | None, author: dict[str, Any] | None,
                   now: float) -> list[dict[str, Any]]:
    """The event-subscription payloads one create or update raises, in a stable order."""
    bodies: list[tuple[str, dict[str, Any]]] = []
    if before is None:
        bodies.append(("ticket.created", {}))
    else:
        for field, kind in CHANGE_EVENTS.items():
            if before.get(field) != after.get(field):
                previous, current = before.get(field), after.get(field)
                if field in ("status", "priority", "type"):
                    previous, current = _upper(previous), _upper(current)
                elif field.endswith("_id"):
                    previous, current = _s(previous), _s(current)
                bodies.append((kind, {"current": current, "previous": previous}))
        added = [t for t in after["tags"] if t not in before["tags"]]
        removed = [t for t in before["tags"] if t not in after["tags"]]
        if added or removed:
            bodies.append(("ticket.tags_changed", {"tags_added": added, "tags_removed": removed}))
        old_cf = {f["id"]: f["value"] for f in before["custom_fields"]}
        for cf in after["custom_fields"]:
            if old_cf.get(cf["id"]) != cf["value"]:
                bodies.append(("ticket.custom_field_changed", {
                    "current": cf["value"], "previous": old_cf.get(cf["id"]),
                    "custom_field": {"id": str(cf["id"])}}))
        for field, kind in (("follower_ids", "ticket.followers_changed"), ("email_cc_ids", "ticket.ccs_changed")):
            gained = [str(i) for i in after[field] if i not in before[field]]
            lost = [str(i) for i in before[field] if i not in after[field]]
            if gained or lost:
                bodies.append((kind, {"added": gained, "removed": lost}))
    if comment is not None and before is not None:  # a new ticket's first comment is its description
        bodies.append(("ticket.comment_added", {"comment": {
            "id": str(comment["id"]), "body": comment["body"], "is_public": comment["public"],
            "author": {"id": str(comment["author_id"]),
                       "is_staff": bool(author and author.get("role") in ("agent", "admin")),
                       "name": (author or {}).get("name", "")}}}))
    sequence = uuid.uuid4().hex.upper()
    out = []
    for position, (kind, event) in enumerate(bodies, start=1):
        event = {**event, "meta": {"sequence": {"id": sequence, "position": position, "total": len(bodies)}}}
        out.append(_envelope(kind, after, actor_id, event, now))
    return out


def audit_events(before: dict[str, Any] | None, after: dict[str, Any], *, comment: dict[str, Any] | None,
                 next_id: Any) -> list[dict[str, Any]]:
    """The `events` of an audit: a Comment event, then Create (new ticket) or Change events."""
    events: list[dict[str, Any]] = []
    if comment is not None:
        # Recorded: the Comment event's id is the comment's own id.
        events.append({"id": comment["id"], "type": "Comment", "author_id": comment["author_id"],
                       "body": comment["body"], "html_body": comment["html_body"],
                       "plain_body": comment["plain_body"], "public": comment["public"],
                       "attachments": [], "audit_id": comment["audit_id"]})
    for field in AUDITED_FIELDS:
        value = after.get(field)
        if before is None:
            if field in ("tags", "collaborator_ids", "follower_ids", "email_cc_ids") and not value:
                continue
            events.append({"id": next_id(), "type": "Create", "value": _audit_value(value), "field_name": field})
        elif before.get(field) != value:
            events.append({"id": next_id(), "type": "Change", "value": _audit_value(value),
                           "field_name": field, "previous_value": _audit_value(before.get(field))})
    return events


def _audit_value(value: Any) -> Any:
    if isinstance(value, list):
        return [str(v) for v in value]
    return None if value is None else str(value)


def ticket_event(audit: dict[str, Any], *, epoch: int) -> dict[str, Any]:
    """One row of GET /api/v2/incremental/ticket_events.json: the audit as child events."""
    children = []
    comment = next((e for e in audit["events"] if e["type"] == "Comment"), None)
    for event in audit["events"]:
        child: dict[str, Any] = {"id": event["id"], "via": "Web service", "via_reference_id": None,
                                 "event_type": event["type"]}
        if event["type"] == "Comment":
            child.update(comment_present=True, comment_public=event["public"], body=event["body"],
                         author_id=event["author_id"], public=event["public"])
        else:
            child[event["field_name"]] = event["value"]
            if event["type"] == "Change":
                child["previous_value"] = event["previous_value"]
        children.append(child)
    return {"id": audit["id"], "ticket_id": audit["ticket_id"], "timestamp": epoch,
            "created_at": audit["created_at"], "updater_id": audit["author_id"], "via": "Web service",
            "system": audit["metadata"]["system"], "event_type": "Audit",
            "comment_present": comment is not None,
            "comment_public": bool(comment and comment["public"]), "child_events": children}
