"""Applying a create/update request body to a ticket record, with Zendesk's validation.

Accepted keys follow https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
(json properties and the write-only helpers `requester`, `additional_tags`,
`remove_tags`, `email_ccs`, `followers`, `collaborators`).
"""

from __future__ import annotations

from typing import Any

from bridge.sandbox.zendesk_directory import Directory, ZendeskApiError
from bridge.sandbox.zendesk_shapes import (CUSTOM_STATUS_IDS, PRIORITIES, STATUSES, TYPES,
                                           normalize_tags, record_invalid)

PLAIN_FIELDS = ("external_id", "due_at", "problem_id", "recipient")


def _enum(field: str, value: Any, allowed: tuple[str, ...]) -> Any:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise ZendeskApiError(422, record_invalid(field, f"{field.title()}: {value} is not valid", "InvalidValue"))
    return value


def _user_id(directory: Directory, ref: Any) -> int:
    """A user reference: an id, an e-mail, or `{name, email}` (created when unknown)."""
    if isinstance(ref, dict):
        if ref.get("user_id") is not None:
            return directory.get_user(ref["user_id"])["id"]
        email = ref.get("user_email") or ref.get("email")
        return directory.find_or_create_user({"name": ref.get("user_name") or ref.get("name"), "email": email})["id"]
    if isinstance(ref, str) and "@" in ref:
        return directory.find_or_create_user({"email": ref})["id"]
    try:
        return directory.get_user(int(ref))["id"]
    except (TypeError, ValueError) as exc:
        raise ZendeskApiError(422, record_invalid("base", f"Invalid user reference {ref!r}", "InvalidValue")) from exc


def _edit_list(current: list[int], directory: Directory, changes: list[Any]) -> list[int]:
    """`email_ccs` / `followers` entries: `{user_id|user_email, action: put|delete}`."""
    out = list(current)
    for change in changes or ():
        user_id = _user_id(directory, change)
        if isinstance(change, dict) and change.get("action") == "delete":
            out = [i for i in out if i != user_id]
        elif user_id not in out:
            out.append(user_id)
    return out


def _group_id(directory: Directory, group_id: Any) -> int:
    """A ticket's group must be one Zendesk has: a deleted one is a validation error of the
    ticket (422), not a missing ticket."""
    try:
        return int(directory.get_group(group_id)["id"])
    except ZendeskApiError:
        raise ZendeskApiError(422, record_invalid("group", "Group: is invalid", "InvalidValue")) from None


def _custom_fields(record: dict[str, Any], values: list[dict[str, Any]], known: dict[int, dict[str, Any]]) -> None:
    current = {f["id"]: f["value"] for f in record["custom_fields"]}
    for item in values or ():
        field_id = int(item["id"])
        if known and field_id not in known:
            raise ZendeskApiError(422, record_invalid("base", f"Ticket field {field_id} does not exist", "InvalidValue"))
        current[field_id] = item.get("value")
    ordered = sorted(current) if not known else [fid for fid in known if fid in current] + \
        [fid for fid in current if fid not in known]
    record["custom_fields"] = [{"id": fid, "value": current[fid]} for fid in ordered]
    record["fields"] = [dict(f) for f in record["custom_fields"]]


def apply_ticket_changes(record: dict[str, Any], data: dict[str, Any], *, directory: Directory,
                         ticket_fields: dict[int, dict[str, Any]], creating: bool) -> None:
    if "subject" in data:
        record["subject"] = record["raw_subject"] = data["subject"]
    if "raw_subject" in data:
        record["raw_subject"] = data["raw_subject"]
    if "type" in data:
        record["type"] = _enum("type", data["type"], TYPES)
    if "priority" in data:
        record["priority"] = _enum("priority", data["priority"], PRIORITIES)
    for field in PLAIN_FIELDS:
        if field in data:
            record[field] = data[field]
    if data.get("requester") is not None:
        record["requester_id"] = _user_id(directory, data["requester"])
    elif data.get("requester_id") is not None:
        record["requester_id"] = _user_id(directory, data["requester_id"])
    if data.get("submitter_id") is not None:
        record["submitter_id"] = _user_id(directory, data["submitter_id"])
    if "assignee_id" in data:
        record["assignee_id"] = None if data["assignee_id"] is None else _user_id(directory, data["assignee_id"])
    if data.get("assignee_email"):
        record["assignee_id"] = _user_id(directory, data["assignee_email"])
    if "group_id" in data:
        record["group_id"] = None if data["group_id"] is None else _group_id(directory, data["group_id"])
    if "organization_id" in data:
        record["organization_id"] = None if data["organization_id"] is None else directory.get_org(data["organization_id"])["id"]
    elif record.get("_org_from_requester") or ("requester" in data or "requester_id" in data):
        record["organization_id"] = directory.get_user(record["requester_id"])["organization_id"]
    if "tags" in data:
        record["tags"] = normalize_tags(data["tags"])
    if "additional_tags" in data:
        record["tags"] = normalize_tags(record["tags"] + normalize_tags(data["additional_tags"]))
    if "remove_tags" in data:
        drop = set(normalize_tags(data["remove_tags"]))
        record["tags"] = [t for t in record["tags"] if t not in drop]
    if "custom_fields" in data or "fields" in data:
        _custom_fields(record, data.get("custom_fields") or data.get("fields") or [], ticket_fields)
    if "collaborator_ids" in data:
        record["collaborator_ids"] = [_user_id(directory, ref) for ref in data["collaborator_ids"] or ()]
    if "collaborators" in data:
        record["collaborator_ids"] = _edit_list(record["collaborator_ids"], directory, data["collaborators"])
    if "email_ccs" in data:
        record["email_cc_ids"] = _edit_list(record["email_cc_ids"], directory, data["email_ccs"])
    if "email_cc_ids" in data:
        record["email_cc_ids"] = [_user_id(directory, ref) for ref in data["email_cc_ids"] or ()]
    if "followers" in data:
        record["follower_ids"] = _edit_list(record["follower_ids"], directory, data["followers"])
    if "follower_ids" in data:
        record["follower_ids"] = [_user_id(directory, ref) for ref in data["follower_ids"] or ()]
    # Zendesk keeps collaborator_ids as the union of CCs and followers.
    for user_id in record["email_cc_ids"] + record["follower_ids"]:
        if user_id not in record["collaborator_ids"]:
            record["collaborator_ids"].append(user_id)
    status = data.get("status")
    if status is not None:
        record["status"] = _enum("status", status, STATUSES)
        if record["status"] == "new" and not creating:
            raise ZendeskApiError(422, record_invalid("status", "Status: new is not valid for an existing ticket"))
    elif record["status"] == "new" and record["assignee_id"] is not None:
        record["status"] = "open"  # assigning a new ticket opens it, as in Zendesk
    if record["status"] in ("solved", "closed") and data.get("assignee_id", record["assignee_id"]) is None \
            and record["assignee_id"] is None:
        record["assignee_id"] = directory_agent_id(directory)
    record["custom_status_id"] = CUSTOM_STATUS_IDS[record["status"]]


def directory_agent_id(directory: Directory) -> int:
    """Solving an unassigned ticket assigns it to the acting agent; the first admin stands in."""
    return next(u["id"] for u in directory.users.values() if u["role"] in ("admin", "agent"))
