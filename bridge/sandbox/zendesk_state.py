"""The Zendesk emulator's state: tickets, comments, audits, change feed. Thread-safe.

Every create/update bumps a global change sequence stored on the ticket (`_seq`); the
incremental cursor export walks that sequence, so an update landing in the same second
as a page boundary is never skipped (the real service's cursor has the same guarantee).
"""

from __future__ import annotations

import base64
import copy
import secrets
import threading
from datetime import datetime
from typing import Any, Callable, Iterable

from bridge.sandbox.common import Clock, Sequence, iso_z
from bridge.sandbox.zendesk_directory import Directory, ZendeskApiError
from bridge.sandbox.zendesk_events import audit_events, ticket_event, webhook_events
from bridge.sandbox.zendesk_files import ZendeskFiles
from bridge.sandbox.zendesk_shapes import (API_VIA, AUDIT_METADATA, BRAND_ID, COMMENT_KEYS,
                                           CUSTOM_STATUS_IDS, FORM_ID, NOT_FOUND, TICKET_KEYS,
                                           html_body, record_invalid)
from bridge.sandbox.zendesk_tickets import apply_ticket_changes

def _epoch(stamp: Any) -> float:
    if not stamp:
        return 0.0
    return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()


Publisher = Callable[[list[dict[str, Any]]], None]


def encode_cursor(epoch: int, seq: int) -> str:
    """Opaque to clients; shaped like Zendesk's (`MTcwNzI3MTc0MS4wfHw0MDQ1fA==`)."""
    return base64.b64encode(f"{epoch}.0||{seq}|".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor.encode()).decode().split("||")[1].rstrip("|"))
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ZendeskApiError(400, {"error": "InvalidPaginationParameter",
                                    "description": "cursor is invalid"}) from exc


TIER_GROUPS = ("Tier 1 Help Desk", "Tier 2 Support", "Tier 3 Engineering", "Tier 4 Development")


class ZendeskState:
    def __init__(self, *, clock: Clock, agent_email: str, agent_name: str = "Sandbox Agent",
                 colleague_email: str = "colleague@sandbox.test") -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.ids = Sequence(360_000_100_000)
        self.ticket_ids = Sequence(1)
        self.change_seq = Sequence(1)
        self.directory = Directory(clock=clock, ids=self.ids)
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.audits: dict[int, list[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []  # incremental ticket events, oldest first
        self.jobs: dict[str, dict[str, Any]] = {}
        self.ticket_fields: dict[int, dict[str, Any]] = {}
        self.files = ZendeskFiles(clock=clock, ids=self.ids)
        self.publish: Publisher = lambda _events: None
        self.subscribed: Callable[[], bool] = lambda: False  # build payloads only for someone
        self.agent = self.directory.create_user({"name": agent_name, "email": agent_email, "role": "admin"})
        # A second agent with credentials of its own: people who are not the bridge (tests, demo).
        self.colleague = self.directory.create_user({"name": "Sam Colleague", "email": colleague_email, "role": "agent"})
        # The groups of the reference process's tiers (rules.yaml routes tickets to them by name).
        for name in TIER_GROUPS:
            self.directory.create_group({"name": name})
        self.authenticity_token = secrets.token_urlsafe(48)  # only /users/me.json carries it

    # ---- reads -------------------------------------------------------------------
    def ticket(self, ticket_id: int, *, include_deleted: bool = False) -> dict[str, Any]:
        record = self.tickets.get(int(ticket_id))
        if record is None or (record["_deleted"] and not include_deleted):
            raise ZendeskApiError(404, dict(NOT_FOUND))
        return record

    def ticket_json(self, record: dict[str, Any], base: str, *, generated: bool = False) -> dict[str, Any]:
        out = {key: copy.deepcopy(record.get(key)) for key in TICKET_KEYS}
        out["url"] = f"{base}/tickets/{record['id']}.json"
        out["custom_fields"] = self._every_field(record["custom_fields"])
        out["fields"] = copy.deepcopy(out["custom_fields"])
        if record["_deleted"]:
            out["status"] = "deleted"
        if generated:
            out["generated_timestamp"] = record["_ts"]
        return out

    def _every_field(self, values: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Zendesk lists every active custom field on every ticket, null where it is unset
        (search_result_ticket_item.json), and a field given a value before it was removed."""
        given = {field["id"]: field["value"] for field in values}
        listed = [fid for fid, field in self.ticket_fields.items() if field.get("active", True)]
        listed += [fid for fid in given if fid not in listed]
        return [{"id": fid, "value": copy.deepcopy(given.get(fid))} for fid in listed]

    def comment_json(self, comment: dict[str, Any]) -> dict[str, Any]:
        return {key: copy.deepcopy(comment.get(key)) for key in COMMENT_KEYS}

    def live_tickets(self) -> list[dict[str, Any]]:
        return [t for t in self.tickets.values() if not t["_deleted"]]

    # ---- writes --------------------------------------------------------------------
    def create_ticket(self, data: dict[str, Any], *, actor_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        comment_data = data.get("comment") or ({"body": data["description"]} if data.get("description") else None)
        if not comment_data or not (comment_data.get("body") or comment_data.get("html_body")):
            raise ZendeskApiError(422, record_invalid("base", "Description: cannot be blank", "BlankValue"))
        now = self.clock()
        stamp = iso_z(now)
        record: dict[str, Any] = {
            "id": self.ticket_ids(), "external_id": None, "via": copy.deepcopy(API_VIA),
            "created_at": stamp, "updated_at": stamp, "type": None, "subject": None, "raw_subject": None,
            "description": "", "priority": None, "status": "new", "recipient": None,
            "requester_id": actor_id, "submitter_id": actor_id, "assignee_id": None,
            "organization_id": None, "group_id": None, "collaborator_ids": [], "follower_ids": [],
            "email_cc_ids": [], "forum_topic_id": None, "problem_id": None, "has_incidents": False,
            "is_public": True, "due_at": None, "tags": [], "custom_fields": [],
            "satisfaction_rating": None, "sharing_agreement_ids": [], "custom_status_id": CUSTOM_STATUS_IDS["new"],
            "fields": [], "followup_ids": [], "ticket_form_id": FORM_ID, "brand_id": BRAND_ID,
            "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
            "_deleted": False, "_seq": 0, "_ts": int(now)}
        fields = {k: v for k, v in data.items() if k not in ("comment", "description")}
        if "organization_id" not in fields:
            record["_org_from_requester"] = True
        apply_ticket_changes(record, fields, directory=self.directory, ticket_fields=self.ticket_fields, creating=True)
        record.pop("_org_from_requester", None)
        if record["subject"] is None:
            body = comment_data.get("body") or ""
            record["subject"] = record["raw_subject"] = body.split("\n")[0][:80] or None
        self.tickets[record["id"]] = record
        self.comments[record["id"]] = []
        comment_data = {"author_id": record["submitter_id"], **comment_data}
        return self._commit(None, record, comment_data, actor_id=actor_id, now=now)

    def update_ticket(self, ticket_id: int, data: dict[str, Any], *, actor_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        record = self.ticket(ticket_id)
        if record["status"] == "closed":
            raise ZendeskApiError(422, record_invalid("status", "Status: closed prevents ticket update"))
        if data.get("safe_update") and data.get("updated_stamp"):
            self._refuse_if_changed_since(record, data["updated_stamp"])
        before = copy.deepcopy(record)
        fields = {k: v for k, v in data.items() if k not in ("comment", "id", "url", "safe_update", "updated_stamp")}
        try:
            apply_ticket_changes(record, fields, directory=self.directory, ticket_fields=self.ticket_fields, creating=False)
        except ZendeskApiError:
            record.clear()
            record.update(before)
            raise
        comment_data = data.get("comment")
        if comment_data is not None and not (comment_data.get("body") or comment_data.get("html_body")):
            comment_data = None
        if comment_data is None and record == before:  # nothing changed: Zendesk records no audit
            return record, {"id": None, "ticket_id": record["id"], "created_at": record["updated_at"],
                            "author_id": actor_id, "metadata": copy.deepcopy(AUDIT_METADATA), "events": [],
                            "via": copy.deepcopy(API_VIA)}
        now = self.clock()
        record["updated_at"] = iso_z(now)
        return self._commit(before, record, comment_data, actor_id=actor_id, now=now)

    @staticmethod
    def _refuse_if_changed_since(record: dict[str, Any], stamp: Any) -> None:
        """Zendesk's safe update: 409 when the ticket was updated after the stamp the caller saw.
        https://developer.zendesk.com/documentation/ticketing/managing-tickets/creating-and-updating-tickets/#protecting-against-ticket-update-collisions"""
        if _epoch(record["updated_at"]) > _epoch(stamp):
            raise ZendeskApiError(409, {
                "error": "UpdateConflict",
                "description": "Safe Update prevented the update due to outdated ticket data. "
                               "Please fetch the latest ticket data and try again.",
            })

    def _commit(self, before: dict[str, Any] | None, record: dict[str, Any], comment_data: dict[str, Any] | None,
                *, actor_id: int, now: float) -> tuple[dict[str, Any], dict[str, Any]]:
        audit_id = self.ids()
        comment: dict[str, Any] | None = None
        if comment_data is not None:
            comment = self._add_comment(record, comment_data, audit_id=audit_id, actor_id=actor_id, now=now)
        audit = {"id": audit_id, "ticket_id": record["id"], "created_at": iso_z(now), "author_id": actor_id,
                 "metadata": copy.deepcopy(AUDIT_METADATA),
                 "events": audit_events(before, record, comment=comment, next_id=self.ids),
                 "via": copy.deepcopy(API_VIA)}
        self.audits.setdefault(record["id"], []).append(audit)
        self.events.append(ticket_event(audit, epoch=int(now)))
        record["_seq"] = self.change_seq()
        record["_ts"] = int(now)
        author = self.directory.users.get(comment["author_id"]) if comment else None
        if self.subscribed():
            self.publish(webhook_events(before, record, actor_id=actor_id, comment=comment, author=author, now=now))
        return record, audit

    def _add_comment(self, record: dict[str, Any], data: dict[str, Any], *, audit_id: int, actor_id: int,
                     now: float) -> dict[str, Any]:
        body = data.get("body")
        if body is None:  # html-only comment: keep a crude plain text
            body = str(data.get("html_body", "")).replace("<br>", "\n")
        first = not self.comments[record["id"]]
        public = bool(data.get("public", True))
        comment: dict[str, Any] = {"id": self.ids(), "type": "Comment", "author_id": int(data.get("author_id") or actor_id),
                   "body": body, "html_body": data.get("html_body") or html_body(body), "plain_body": body,
                   "public": public, "attachments": self.files.take(data.get("uploads")), "audit_id": audit_id,
                   "via": copy.deepcopy(API_VIA), "created_at": iso_z(now),
                   "metadata": copy.deepcopy(AUDIT_METADATA)}
        self.comments[record["id"]].append(comment)
        if first:
            record["description"] = body
            record["is_public"] = public
        return comment

    def merge_tickets(self, target_id: int, source_ids: list[int], data: dict[str, Any], *,
                      actor_id: int) -> list[dict[str, Any]]:
        """Zendesk's merge: each source is closed (with `source_comment`), the target gets
        `target_comment`, and when that is public the sources' requesters and CCs as CCs.
        Comments are internal unless `*_comment_is_public`. Checked first, done whole: a refused
        merge changes nothing."""
        target = self.ticket(target_id)
        sources = [self.ticket(i) for i in source_ids]
        if not sources or len(sources) > 5:
            raise ZendeskApiError(400, {"error": "InvalidValue", "description": "ids: give 1 to 5 tickets to merge"})
        for record in [target, *sources]:
            if record["status"] == "closed":
                raise ZendeskApiError(422, record_invalid("base", f"Ticket #{record['id']} is closed and cannot be merged"))
        if target_id in source_ids:
            raise ZendeskApiError(422, record_invalid("base", "A ticket cannot be merged into itself"))
        results = []
        for record in sources:
            closing: dict[str, Any] = {"status": "closed"}
            if data.get("source_comment"):
                closing["comment"] = {"body": data["source_comment"], "public": bool(data.get("source_comment_is_public"))}
            self.update_ticket(record["id"], closing, actor_id=actor_id)
            results.append({"action": "merge", "status": "Merged", "success": True, "id": record["id"]})
        joining: dict[str, Any] = {}
        if data.get("target_comment_is_public"):  # (Zendesk's help: only a public comment copies them)
            copied = [u for r in sources for u in [r["requester_id"], *r["email_cc_ids"]] if u != target["requester_id"]]
            joining["email_ccs"] = [{"user_id": u, "action": "put"} for u in dict.fromkeys(copied)]
        if data.get("target_comment"):
            joining["comment"] = {"body": data["target_comment"], "public": bool(data.get("target_comment_is_public"))}
        self.update_ticket(target_id, joining, actor_id=actor_id)
        return results

    def delete_ticket(self, ticket_id: int) -> None:
        self._deleted(self.ticket(ticket_id), True)

    def restore_ticket(self, ticket_id: int) -> None:
        self._deleted(self.ticket(ticket_id, include_deleted=True), False)

    def _deleted(self, record: dict[str, Any], deleted: bool) -> None:
        # Deleting and restoring are updates (recorded: updated_at moves), so the export reports them.
        now = self.clock()
        record.update(_deleted=deleted, _seq=self.change_seq(), _ts=int(now), updated_at=iso_z(now))

    def import_ticket(self, raw: dict[str, Any], comments: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
        """Store a ticket exactly as Zendesk returned it (recorded payloads, demo seeds)."""
        record = {key: copy.deepcopy(raw.get(key)) for key in TICKET_KEYS if key != "url"}
        record.update(_deleted=False, _seq=self.change_seq(), _ts=int(_epoch(raw.get("updated_at"))))
        ticket_id = int(raw["id"])
        self.tickets[ticket_id] = record
        self.comments[ticket_id] = [{key: copy.deepcopy(c.get(key)) for key in COMMENT_KEYS} for c in comments]
        self.ticket_ids.advance_past(ticket_id)
        return record

    # ---- incremental export --------------------------------------------------------------
    def incremental_page(self, *, start_time: int | None, cursor: str | None,
                         per_page: int) -> tuple[list[dict[str, Any]], str, bool]:
        """(tickets, after_cursor, end_of_stream) in change order."""
        if cursor is not None:
            after_seq = decode_cursor(cursor)
            pool = [t for t in self.tickets.values() if t["_seq"] > after_seq]
        else:
            pool = [t for t in self.tickets.values() if t["_ts"] >= (start_time or 0)]
            after_seq = self.change_seq.peek() - 1 if not pool else 0
        pool.sort(key=lambda t: t["_seq"])
        page = pool[:per_page]
        if page:
            after = encode_cursor(page[-1]["_ts"], page[-1]["_seq"])
        else:
            after = cursor if cursor is not None else encode_cursor(start_time or 0, after_seq)
        return page, after, len(pool) <= per_page

    def ticket_events_since(self, start_time: int, limit: int) -> list[dict[str, Any]]:
        return [e for e in self.events if e["timestamp"] >= start_time][:limit]

    # ---- jobs ---------------------------------------------------------------------------------
    def record_job(self, job_id: str, *, job_type: str, results: list[dict[str, Any]]) -> None:
        self.jobs[job_id] = {"id": job_id, "job_type": job_type, "total": len(results), "results": results,
                             "finished": iso_z(self.clock()).replace("T", " ").replace("Z", " +0000")}

    # ---- persistence ---------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy({"directory": self.directory.dump(), "tickets": list(self.tickets.values()),
                                  "comments": {str(k): v for k, v in self.comments.items()},
                                  "audits": {str(k): v for k, v in self.audits.items()},
                                  "events": self.events, "ticket_fields": list(self.ticket_fields.values()),
                                  "agent_id": self.agent["id"], "colleague_id": self.colleague["id"],
                                  "files": self.files.dump()})

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            agent_email, colleague_email = self.agent["email"], self.colleague["email"]
            self.directory.load(data["directory"])
            self.tickets = {t["id"]: t for t in data.get("tickets", [])}
            self.comments = {int(k): v for k, v in data.get("comments", {}).items()}
            self.audits = {int(k): v for k, v in data.get("audits", {}).items()}
            self.events = list(data.get("events", []))
            self.ticket_fields = {f["id"]: f for f in data.get("ticket_fields", [])}
            self.files.load(data.get("files", {}))
            for ticket in self.tickets.values():
                self.ticket_ids.advance_past(ticket["id"])
                self.change_seq.advance_past(ticket["_seq"])
            for rows in (*self.comments.values(), *self.audits.values()):
                for row in rows:
                    self.ids.advance_past(row["id"])
            self.agent = self.directory.users[data["agent_id"]]
            self.agent["email"] = agent_email  # credentials are per run; the identity persists
            if "colleague_id" in data:
                self.colleague = self.directory.users[data["colleague_id"]]
                self.colleague["email"] = colleague_email
