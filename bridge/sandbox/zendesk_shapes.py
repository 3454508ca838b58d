"""Zendesk JSON shapes: the keys and defaults of tickets, users, organisations, comments.

Key sets and orders follow the recorded responses in shared/reference/zendesk/decoded
(TestTicketCreateUpdateDelete, TestDeletedTickets, TestAttachmentUpload cassettes).
"""

from __future__ import annotations

from typing import Any

ACCOUNT_ID = 18525119
BRAND_ID = 360000000001
FORM_ID = 360000000002
# custom_status_id per status category, as accounts with custom statuses report it.
CUSTOM_STATUS_IDS = {"new": 360000000011, "open": 360000000012, "pending": 360000000013,
                     "hold": 360000000014, "solved": 360000000015, "closed": 360000000016}
STATUSES = tuple(CUSTOM_STATUS_IDS)
PRIORITIES = ("urgent", "high", "normal", "low")
TYPES = ("problem", "incident", "question", "task")
API_VIA = {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}}

TICKET_KEYS = (
    "url", "id", "external_id", "via", "created_at", "updated_at", "type", "subject",
    "raw_subject", "description", "priority", "status", "recipient", "requester_id",
    "submitter_id", "assignee_id", "organization_id", "group_id", "collaborator_ids",
    "follower_ids", "email_cc_ids", "forum_topic_id", "problem_id", "has_incidents",
    "is_public", "due_at", "tags", "custom_fields", "satisfaction_rating",
    "sharing_agreement_ids", "custom_status_id", "fields", "followup_ids", "ticket_form_id",
    "brand_id", "allow_channelback", "allow_attachments", "from_messaging_channel")

USER_DEFAULTS: dict[str, Any] = {
    "time_zone": "Etc/UTC", "iana_time_zone": "Etc/UTC", "phone": None,
    "shared_phone_number": None, "photo": None, "locale_id": 1, "locale": "en-US",
    "organization_id": None, "role": "end-user", "verified": True, "external_id": None,
    "tags": [], "alias": None, "active": True, "shared": False, "shared_agent": False,
    "last_login_at": None, "two_factor_auth_enabled": None, "signature": None,
    "details": None, "notes": None, "role_type": None, "custom_role_id": None,
    "moderator": False, "ticket_restriction": "requested", "only_private_comments": False,
    "restricted_agent": True, "suspended": False, "default_group_id": None,
    "report_csv": False, "user_fields": {}}
USER_KEY_ORDER = ("id", "url", "name", "email", "created_at", "updated_at", *USER_DEFAULTS)

ORG_KEYS = ("url", "id", "name", "shared_tickets", "shared_comments", "external_id",
            "created_at", "updated_at", "domain_names", "details", "notes", "group_id",
            "tags", "organization_fields")

GROUP_KEYS = ("url", "id", "is_public", "name", "description", "default", "deleted",
              "created_at", "updated_at")

COMMENT_KEYS = ("id", "type", "author_id", "body", "html_body", "plain_body", "public",
                "attachments", "audit_id", "via", "created_at", "metadata")

AUDIT_METADATA: dict[str, Any] = {
    "system": {"client": "", "ip_address": "127.0.0.1", "location": "Loopback",
               "latitude": 0.0, "longitude": 0.0},
    "custom": {}}


def html_body(text: str) -> str:
    """Zendesk wraps plain comments this way (see the recorded audit events)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    paragraphs = "".join(f'<p dir="auto">{p}</p>' for p in escaped.split("\n\n") if p) or '<p dir="auto"></p>'
    return f'<div class="zd-comment" dir="auto">{paragraphs}</div>'


def normalize_tags(tags: Any) -> list[str]:
    """Zendesk lower-cases tags and splits them on whitespace; order of first appearance."""
    if isinstance(tags, str):
        tags = [tags]
    out: list[str] = []
    for tag in tags or ():
        for part in str(tag).lower().split():
            if part not in out:
                out.append(part)
    return out


def record_invalid(field: str, description: str, error: str | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"description": description}
    if error:
        detail["error"] = error
    return {"error": "RecordInvalid", "description": "Record validation errors",
            "details": {field: [detail]}}


NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
