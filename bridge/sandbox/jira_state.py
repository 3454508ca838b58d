"""The Jira emulator's state: one project, its issues, comments, links, remote links,
properties and changelog. Thread-safe through `lock`; callers of mutators hold it.
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Callable

from bridge.sandbox.common import Clock, Sequence, iso_jira
from bridge.sandbox.jira_render import (comment_json, issue_fields, issue_json, link_json, project_json,
                                        select_fields)
from bridge.sandbox.jira_shapes import (CUSTOM_FIELDS, ISSUE_TYPES, LINK_TYPES, PRIORITIES, RESOLUTIONS,
                                        TRANSITIONS, WORKFLOW, errors, user_json)
from bridge.sandbox.jira_webhooks import changelog_items, comment_event, issue_event, link_event

Publisher = Callable[[list[tuple[str, dict[str, Any]]]], None]
TEXT_LIMIT = 32_767  # Jira's limit for a text field (jira.text.field.character.limit)
TOO_LONG = f"The entered text is too long. It exceeds the allowed limit of {TEXT_LIMIT:,} characters."
def _units(text: str) -> int:
    """A text's length as Jira counts it: UTF-16 units (Java strings)."""
    return len(text.encode("utf-16-le")) // 2


SETTABLE = {"summary", "description", "issuetype", "project", "priority", "labels", "assignee", "reporter",
            "duedate", "environment", "components", "fixVersions", *CUSTOM_FIELDS}

class JiraApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

def not_found(what: str = "Issue does not exist or you do not have permission to see it.") -> JiraApiError:
    return JiraApiError(404, errors(what))

def _by_name_or_id(table: dict[str, Any], ref: Any, field: str) -> str:
    ref = ref or {}
    name = ref.get("name") if isinstance(ref, dict) else ref
    ident = ref.get("id") if isinstance(ref, dict) else None
    for key, value in table.items():
        vid = value[0] if isinstance(value, tuple) else value
        if name == key or (ident is not None and str(ident) == vid):
            return key
    raise JiraApiError(400, errors(**{field: f"Specify a valid value for {field}"}))

class JiraState:
    def __init__(self, *, clock: Clock, email: str, project_key: str = "SUP",
                 project_name: str = "Support Escalations", developer_token: str = "") -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.base = "http://127.0.0.1"
        self.issue_ids = Sequence(10001)
        self.ids = Sequence(10001)
        self.project: dict[str, Any] = {"key": project_key, "id": "10000", "name": project_name, "issue_types": list(ISSUE_TYPES),
                        "next_number": 1}
        self.me = "557058:" + "0" * 8 + "-sandbox-bridge"
        # A developer with an account of their own (a second API token), for people who are not the bridge.
        self.developer = "557058:" + "0" * 8 + "-sandbox-developer"
        self.users: dict[str, dict[str, Any]] = {
            self.me: {"accountId": self.me, "emailAddress": email, "displayName": "Escalation Bridge"},
            self.developer: {"accountId": self.developer, "emailAddress": "dev@sandbox.test",
                             "displayName": "Devon Developer", "apiToken": developer_token}}
        self.issues: dict[str, dict[str, Any]] = {}
        self.links: dict[str, dict[str, Any]] = {}
        self.publish: Publisher = lambda _events: None
        self.subscribed: Callable[[], bool] = lambda: False  # render payloads only for someone

    def _emit(self, build: Callable[[], list[tuple[str, dict[str, Any]]]]) -> None:
        if self.subscribed():
            self.publish(build())

    # ---- lookups ---------------------------------------------------------------------------
    def issue(self, ref: str) -> dict[str, Any]:
        found = self.issues.get(ref.upper()) or next(
            (i for i in self.issues.values() if i["id"] == ref or ref.upper() in i.get("former_keys", ())), None
        )  # as in Jira, a moved issue's former key still finds it
        if found is None:
            raise not_found()
        return found

    def issue_links(self, issue: dict[str, Any]) -> list[dict[str, Any]]:
        return [l for l in self.links.values() if issue["key"] in (l["inward"], l["outward"])]

    def render(self, issue: dict[str, Any], *, fields: list[str] | None = None, expand: str = "",
               properties: list[str] | None = None, base: str | None = None) -> dict[str, Any]:
        base = base or self.base
        full = issue_fields(base, issue, project=self.project, users=self.users, links=self.issue_links(issue),
                            issues=self.issues)
        props = {k: v for k, v in issue["properties"].items() if k in (properties or [])} or None
        out = issue_json(base, issue, select_fields(full, fields), expand=expand, properties=props)
        if "changelog" in out:
            for history in out["changelog"]["histories"]:
                history["author"] = user_json(base, self.users[history["author"]])
                history["created"] = iso_jira(history["created"])
        return out

    def render_comment(self, issue: dict[str, Any], comment: dict[str, Any], base: str | None = None) -> dict[str, Any]:
        return comment_json(base or self.base, issue["id"], comment, self.users)

    def user_ref(self, ref: Any) -> str | None:
        if ref is None:
            return None
        account = ref.get("accountId") or ref.get("id") or ref.get("name") if isinstance(ref, dict) else ref
        if account in self.users:
            return account
        by_mail = next((u["accountId"] for u in self.users.values() if u["emailAddress"] == account), None)
        if by_mail is None:
            raise JiraApiError(400, errors(assignee=f"User '{account}' does not exist."))
        return by_mail

    # ---- issues --------------------------------------------------------------------------------
    def _set_fields(self, issue: dict[str, Any], fields: dict[str, Any]) -> None:
        f = issue["fields"]
        unknown = {k: f"Field '{k}' cannot be set. It is not on the appropriate screen, or unknown."
                   for k in fields if k not in SETTABLE}
        if unknown:
            raise JiraApiError(400, errors(**unknown))
        for key, value in fields.items():
            if key == "issuetype":
                f["issuetype"] = _by_name_or_id(ISSUE_TYPES, value, "issuetype")
            elif key == "priority":
                f["priority"] = _by_name_or_id(PRIORITIES, value, "priority")
            elif key == "labels":
                bad = [label for label in value or [] if " " in str(label)]
                if bad:
                    raise JiraApiError(400, errors(labels=f"The label '{bad[0]}' contains spaces which is invalid."))
                f["labels"] = list(dict.fromkeys(str(label) for label in value or []))
            elif key in ("assignee", "reporter"):
                f[key] = self.user_ref(value)
            elif key == "project":
                if value and str(value.get("key", value.get("id"))) not in (self.project["key"], self.project["id"]):
                    raise JiraApiError(400, errors(project="valid project is required"))
            elif key in CUSTOM_FIELDS:
                f["custom"][key] = value
            elif key in ("components", "fixVersions"):
                continue
            else:
                f[key] = value

    def create_issue(self, fields: dict[str, Any], *, actor: str) -> dict[str, Any]:
        if not fields.get("project"):
            raise JiraApiError(400, errors(project="Specify a valid project ID or key"))
        if not fields.get("issuetype"):
            raise JiraApiError(400, errors(issuetype="Specify an issue type"))
        if not str(fields.get("summary") or "").strip():
            raise JiraApiError(400, errors(summary="You must specify a summary of the issue."))
        if _units(str(fields.get("description") or "")) > TEXT_LIMIT:
            raise JiraApiError(400, errors(description=TOO_LONG))
        now = self.clock()
        key = f"{self.project['key']}-{self.project['next_number']}"
        issue = {"id": str(self.issue_ids()), "key": key, "comments": [], "changelog": [], "remote_links": [],
                 "properties": {},
                 "fields": {"summary": "", "description": None, "issuetype": "Task", "priority": "Medium", "labels": [],
                            "status": "To Do", "resolution": None, "resolutiondate": None, "assignee": None,
                            "reporter": actor, "created": now, "updated": now,
                            "duedate": None, "environment": None, "custom": {}}}
        self._set_fields(issue, fields)
        self.project["next_number"] += 1
        self.issues[key] = issue
        self._emit(lambda: [("jira:issue_created", issue_event("jira:issue_created", "issue_created", self, issue, actor))])
        return issue

    def _history(self, issue: dict[str, Any], actor: str, before: dict[str, Any]) -> list[dict[str, Any]]:
        items = changelog_items(before, issue["fields"])
        if items:
            issue["changelog"].append({"id": str(self.ids()), "author": actor, "created": self.clock(), "items": items})
        return items

    def edit_issue(self, ref: str, fields: dict[str, Any], update: dict[str, Any], *, actor: str) -> None:
        issue = self.issue(ref)
        before = copy.deepcopy(issue["fields"])
        fields = dict(fields)
        for op in update.get("labels", []):
            labels = list(fields.get("labels", issue["fields"]["labels"]))
            if "add" in op and op["add"] not in labels:
                labels.append(op["add"])
            if "remove" in op:
                labels = [label for label in labels if label != op["remove"]]
            if "set" in op:
                labels = list(op["set"])
            fields["labels"] = labels
        try:
            self._set_fields(issue, fields)
        except JiraApiError:
            issue["fields"] = before
            raise
        comments = [op["add"] for op in update.get("comment", []) if "add" in op]
        self._after_change(issue, before, actor, kind="issue_updated")
        for comment in comments:
            self.add_comment(issue["key"], comment.get("body", ""), comment.get("visibility"), actor=actor)

    def _after_change(self, issue: dict[str, Any], before: dict[str, Any], actor: str, *, kind: str) -> None:
        items = self._history(issue, actor, before)
        if not items:
            return
        issue["fields"]["updated"] = self.clock()
        history = issue["changelog"][-1]
        self._emit(lambda: [("jira:issue_updated", issue_event("jira:issue_updated", kind, self, issue, actor, changelog={
            "id": history["id"], "items": history["items"]}))])

    def attachment_added(self, issue: dict[str, Any], attachment: dict[str, Any]) -> None:
        """The issue's history and webhook for a file added (Jira: an `Attachment` changelog item)."""
        actor = attachment["author"]
        items = [{"field": "Attachment", "fieldtype": "jira", "fieldId": "attachment", "from": None, "fromString": None,
                  "to": attachment["id"], "toString": attachment["filename"]}]
        history = {"id": str(self.ids()), "author": actor, "created": attachment["created"], "items": items}
        issue["changelog"].append(history)
        issue["fields"]["updated"] = attachment["created"]
        self._emit(lambda: [("jira:issue_updated", issue_event("jira:issue_updated", "issue_updated", self, issue, actor,
                                                              changelog={"id": history["id"], "items": items}))])

    def delete_issue(self, ref: str, *, actor: str) -> None:
        """Gone for good, as in Jira; its webhook shows the issue as it was."""
        issue = self.issue(ref)
        rendered = issue_event("jira:issue_deleted", "issue_deleted", self, issue, actor)
        del self.issues[issue["key"]]
        self._emit(lambda: [("jira:issue_deleted", rendered)])

    def move_issue(self, ref: str, new_key: str, *, actor: str) -> dict[str, Any]:
        """What moving an issue to another project does to it here: a new key (the old one
        still finds it), a `Key` item in its history, an issue_updated webhook."""
        issue = self.issue(ref)
        old_key = issue["key"]
        del self.issues[old_key]
        issue["key"] = new_key.upper()
        issue.setdefault("former_keys", []).append(old_key)
        self.issues[issue["key"]] = issue
        now = self.clock()
        items = [{"field": "Key", "fieldtype": "jira", "from": None, "fromString": old_key, "to": None,
                  "toString": issue["key"]}]
        history = {"id": str(self.ids()), "author": actor, "created": now, "items": items}
        issue["changelog"].append(history)
        issue["fields"]["updated"] = now
        self._emit(lambda: [("jira:issue_updated", issue_event("jira:issue_updated", "issue_moved", self, issue, actor,
                                                               changelog={"id": history["id"], "items": items}))])
        return issue

    def transitions(self, ref: str) -> list[tuple[str, str, str]]:
        issue = self.issue(ref)
        return [(tid, *TRANSITIONS[tid]) for tid in WORKFLOW[issue["fields"]["status"]]]

    def transition(self, ref: str, transition_id: str, fields: dict[str, Any], update: dict[str, Any], *, actor: str) -> None:
        issue = self.issue(ref)
        allowed = {tid for tid, _, _ in self.transitions(ref)}
        if str(transition_id) not in allowed:
            raise JiraApiError(400, errors(f"Transition id '{transition_id}' is not valid for this issue."))
        before = copy.deepcopy(issue["fields"])
        f = issue["fields"]
        target = TRANSITIONS[str(transition_id)][1]
        now = self.clock()
        f["status"] = target
        fields = dict(fields)
        resolution = fields.pop("resolution", None)
        if target == "Done":
            f["resolution"] = _by_name_or_id(RESOLUTIONS, resolution or {"name": "Done"}, "resolution")
            f["resolutiondate"] = now
        else:
            f["resolution"] = f["resolutiondate"] = None
        self._set_fields(issue, fields)
        self._after_change(issue, before, actor, kind="issue_generic")
        for op in update.get("comment", []):
            if "add" in op:
                self.add_comment(issue["key"], op["add"].get("body", ""), op["add"].get("visibility"), actor=actor)

    # ---- comments --------------------------------------------------------------------------------
    def add_comment(self, ref: str, body: str, visibility: dict[str, Any] | None, *, actor: str) -> dict[str, Any]:
        issue = self.issue(ref)
        if not str(body).strip():
            raise JiraApiError(400, errors(comment="Comment body can not be empty!"))
        if _units(str(body)) > TEXT_LIMIT:
            raise JiraApiError(400, errors(comment=TOO_LONG))
        now = self.clock()
        comment = {"id": str(self.ids()), "author": actor, "body": body, "created": now, "updated": now,
                   "visibility": dict(visibility) if visibility else None}
        issue["comments"].append(comment)
        issue["fields"]["updated"] = now
        self._emit(lambda: [
            ("comment_created", comment_event("comment_created", self, issue, comment)),
            ("jira:issue_updated", issue_event("jira:issue_updated", "issue_commented", self, issue, actor,
                                               comment=self.render_comment(issue, comment)))])
        return comment

    def update_comment(self, ref: str, comment_id: str, body: str, visibility: dict[str, Any] | None) -> dict[str, Any]:
        issue = self.issue(ref)
        comment = next((c for c in issue["comments"] if c["id"] == comment_id), None)
        if comment is None:
            raise not_found("Can not find a comment for the id: " + comment_id)
        comment.update(body=body, updated=self.clock())
        if visibility is not None:
            comment["visibility"] = visibility or None
        self._emit(lambda: [("comment_updated", comment_event("comment_updated", self, issue, comment))])
        return comment

    def delete_comment(self, ref: str, comment_id: str) -> None:
        issue = self.issue(ref)
        comment = next((c for c in issue["comments"] if c["id"] == comment_id), None)
        if comment is None:
            raise not_found("Can not find a comment for the id: " + comment_id)
        issue["comments"].remove(comment)
        issue["fields"]["updated"] = self.clock()
        self._emit(lambda: [("comment_deleted", comment_event("comment_deleted", self, issue, comment))])

    # ---- links -------------------------------------------------------------------------------------
    def link(self, type_ref: dict[str, Any], inward: str, outward: str, comment: dict[str, Any] | None, *,
             actor: str) -> dict[str, Any]:
        type_name = _by_name_or_id(LINK_TYPES, type_ref, "issueLinkType")
        inward_issue, outward_issue = self.issue(inward), self.issue(outward)
        for existing in self.links.values():
            if (existing["type"], existing["inward"], existing["outward"]) == (type_name, inward_issue["key"], outward_issue["key"]):
                return existing  # Jira ignores a repeated identical link
        link = {"id": str(self.ids()), "type": type_name, "inward": inward_issue["key"], "outward": outward_issue["key"]}
        self.links[link["id"]] = link
        self._emit(lambda: [("issuelink_created", link_event("issuelink_created", self, link))])
        _, inward_words, outward_words = LINK_TYPES[type_name]
        self._linked(inward_issue, f"This issue {outward_words} {outward_issue['key']}", outward_issue["key"], actor)
        self._linked(outward_issue, f"This issue {inward_words} {inward_issue['key']}", inward_issue["key"], actor)
        if comment and comment.get("body"):
            self.add_comment(outward_issue["key"], comment["body"], comment.get("visibility"), actor=actor)
        return link

    def _linked(self, issue: dict[str, Any], words: str, other: str, actor: str) -> None:
        """A link is a change of both issues: a `Link` item in each one's history, `updated`
        moved, and an issue_updated webhook (a poll finds the linked issue changed)."""
        item = {"field": "Link", "fieldtype": "jira", "from": None, "fromString": None, "to": other, "toString": words}
        history = {"id": str(self.ids()), "author": actor, "created": self.clock(), "items": [item]}
        issue["changelog"].append(history)
        issue["fields"]["updated"] = self.clock()
        self._emit(lambda: [("jira:issue_updated", issue_event("jira:issue_updated", "issue_generic", self, issue, actor,
                                                                changelog={"id": history["id"], "items": [item]}))])

    def unlink(self, link_id: str) -> None:
        link = self.links.pop(link_id, None)
        if link is None:
            raise not_found("No issue link with id '" + link_id + "' exists.")
        self._emit(lambda: [("issuelink_deleted", link_event("issuelink_deleted", self, link))])

    def link_json(self, link: dict[str, Any], base: str) -> dict[str, Any]:
        return link_json(base, link, self.issues)

    def project_json(self, base: str, *, with_types: bool = False) -> dict[str, Any]:
        return project_json(base, self.project, with_types=with_types)

    def remote_link(self, ref: str, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Create, or update the one with the same globalId (Jira's upsert). Returns (link, created)."""
        issue = self.issue(ref)
        if not (data.get("object") or {}).get("url") or not (data.get("object") or {}).get("title"):
            raise JiraApiError(400, errors(**{"object": "'object' must have 'url' and 'title'"}))
        for existing in issue["remote_links"]:
            if data.get("globalId") and existing.get("globalId") == data["globalId"]:
                existing.update({k: v for k, v in data.items() if k != "id"})
                return existing, False
        link = {"id": int(self.ids()), **{k: v for k, v in data.items() if k != "id"}}
        issue["remote_links"].append(link)
        return link, True

    # ---- persistence -------------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy({"project": self.project, "users": self.users, "issues": self.issues,
                                  "links": self.links, "me": self.me})

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            email, developer = self.users[self.me]["emailAddress"], self.users[self.developer]
            self.project, self.users = data["project"], data["users"]
            self.issues, self.links, self.me = data["issues"], data["links"], data["me"]
            self.users[self.me]["emailAddress"] = email
            self.users[self.developer] = developer  # (this run's token)
            for issue in self.issues.values():
                self.issue_ids.advance_past(int(issue["id"]))
                for row in issue["comments"] + issue["changelog"]:
                    self.ids.advance_past(int(row["id"]))
                for row in issue["remote_links"]:
                    self.ids.advance_past(int(row["id"]))
            for link_id in self.links:
                self.ids.advance_past(int(link_id))

