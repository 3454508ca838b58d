"""Zendesk users, organisations and groups.

Organisations are matched by e-mail domain, as Zendesk's "domain_names" mapping does:
a requester `ana@acme.example` joins the organisation that lists `acme.example`, and a
new domain creates one (`Acme`). Public mail domains never create organisations.
"""

from __future__ import annotations

import copy
from typing import Any

from bridge.sandbox.common import Clock, Sequence, iso_z
from bridge.sandbox.zendesk_shapes import (GROUP_KEYS, ORG_KEYS, USER_DEFAULTS, USER_KEY_ORDER,
                                           record_invalid)

PUBLIC_MAIL_DOMAINS = frozenset({"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "example.com"})


class ZendeskApiError(Exception):
    """An error the API answers with: status and Zendesk-shaped body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class Directory:
    """Users, organisations, groups. Callers hold the state lock."""

    def __init__(self, *, clock: Clock, ids: Sequence) -> None:
        self.clock = clock
        self.ids = ids
        self.users: dict[int, dict[str, Any]] = {}
        self.orgs: dict[int, dict[str, Any]] = {}
        self.groups: dict[int, dict[str, Any]] = {}

    # ---- users -------------------------------------------------------------
    def user_by_email(self, email: str) -> dict[str, Any] | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if (u["email"] or "").lower() == wanted), None)

    def create_user(self, data: dict[str, Any]) -> dict[str, Any]:
        email = (data.get("email") or "").strip()
        if email and "@" not in email:
            raise ZendeskApiError(422, record_invalid("email", f"Email: {email} is not properly formatted"))
        if email and self.user_by_email(email):
            raise ZendeskApiError(422, record_invalid("email", f"Email: {email} is already being used by another user", "DuplicateValue"))
        name = (data.get("name") or (email.split("@")[0] if email else "")).strip()
        if not name:
            raise ZendeskApiError(422, record_invalid("name", "Name: is too short (minimum one character)", "ValueTooShort"))
        now = iso_z(self.clock())
        user: dict[str, Any] = {"id": self.ids(), "name": name, "email": email or None,
                                "created_at": now, "updated_at": now, **copy.deepcopy(USER_DEFAULTS)}
        for key in ("phone", "external_id", "tags", "notes", "details", "user_fields", "time_zone", "locale"):
            if key in data:
                user[key] = data[key]
        role = data.get("role", "end-user")
        user["role"] = role
        if role in ("agent", "admin"):
            user.update(role_type=4 if role == "admin" else 0, restricted_agent=False,
                        ticket_restriction=None, custom_role_id=360000000099, report_csv=True)
        org_id = data.get("organization_id")
        if org_id is None and data.get("organization"):
            org_id = self.find_or_create_org(name=data["organization"].get("name", ""))["id"]
        if org_id is None and email and role == "end-user":
            org = self.org_for_domain(email.split("@")[-1].lower())
            org_id = org["id"] if org else None
        user["organization_id"] = org_id
        self.users[user["id"]] = user
        return user

    def import_user(self, raw: dict[str, Any]) -> dict[str, Any]:
        user = {key: copy.deepcopy(raw.get(key)) for key in USER_KEY_ORDER if key != "url"}
        self.users[int(raw["id"])] = user
        self.ids.advance_past(int(raw["id"]))
        return user

    def import_org(self, raw: dict[str, Any]) -> dict[str, Any]:
        org = {key: copy.deepcopy(raw.get(key)) for key in ORG_KEYS if key != "url"}
        self.orgs[int(raw["id"])] = org
        self.ids.advance_past(int(raw["id"]))
        return org

    def find_or_create_user(self, data: dict[str, Any]) -> dict[str, Any]:
        email = data.get("email")
        found = self.user_by_email(email) if email else None
        return found if found is not None else self.create_user(data)

    def update_user(self, user_id: int, data: dict[str, Any]) -> dict[str, Any]:
        user = self.get_user(user_id)
        for key, value in data.items():
            if key in user and key not in ("id", "created_at", "url"):
                user[key] = value
        user["updated_at"] = iso_z(self.clock())
        return user

    def get_user(self, user_id: int) -> dict[str, Any]:
        user = self.users.get(int(user_id))
        if user is None:
            raise ZendeskApiError(404, {"error": "RecordNotFound", "description": "Not found"})
        return user

    def user_json(self, user: dict[str, Any], base: str) -> dict[str, Any]:
        out = {key: copy.deepcopy(user.get(key)) for key in USER_KEY_ORDER}
        out["url"] = f"{base}/users/{user['id']}.json"
        return out

    # ---- organisations ------------------------------------------------------
    def org_for_domain(self, domain: str) -> dict[str, Any] | None:
        for org in self.orgs.values():
            if domain in org["domain_names"]:
                return org
        if domain in PUBLIC_MAIL_DOMAINS or "." not in domain:
            return None
        label = domain.split(".")[0]
        return self.create_org({"name": label.replace("-", " ").title(), "domain_names": [domain]})

    def create_org(self, data: dict[str, Any]) -> dict[str, Any]:
        name = (data.get("name") or "").strip()
        if not name:
            raise ZendeskApiError(422, record_invalid("name", "Name: cannot be blank", "BlankValue"))
        if any(o["name"].lower() == name.lower() for o in self.orgs.values()):
            raise ZendeskApiError(422, record_invalid("name", "Name: has already been taken", "DuplicateValue"))
        now = iso_z(self.clock())
        org: dict[str, Any] = {"id": self.ids(), "name": name, "shared_tickets": False, "shared_comments": False,
               "external_id": data.get("external_id"), "created_at": now, "updated_at": now,
               "domain_names": [d.lower() for d in data.get("domain_names") or []],
               "details": data.get("details"), "notes": data.get("notes"),
               "group_id": data.get("group_id"), "tags": list(data.get("tags") or []),
               "organization_fields": dict(data.get("organization_fields") or {})}
        self.orgs[org["id"]] = org
        return org

    def find_or_create_org(self, *, name: str) -> dict[str, Any]:
        found = next((o for o in self.orgs.values() if o["name"].lower() == name.lower()), None)
        return found if found is not None else self.create_org({"name": name})

    def get_org(self, org_id: int) -> dict[str, Any]:
        org = self.orgs.get(int(org_id))
        if org is None:
            raise ZendeskApiError(404, {"error": "RecordNotFound", "description": "Not found"})
        return org

    def org_json(self, org: dict[str, Any], base: str) -> dict[str, Any]:
        out = {key: copy.deepcopy(org.get(key)) for key in ORG_KEYS}
        out["url"] = f"{base}/organizations/{org['id']}.json"
        return out

    # ---- groups ---------------------------------------------------------------
    def create_group(self, data: dict[str, Any]) -> dict[str, Any]:
        now = iso_z(self.clock())
        group = {"id": self.ids(), "is_public": True, "name": data.get("name") or "Group",
                 "description": data.get("description", ""), "default": False, "deleted": False,
                 "created_at": now, "updated_at": now}
        self.groups[group["id"]] = group
        return group

    def get_group(self, group_id: int) -> dict[str, Any]:
        group = self.groups.get(int(group_id))
        if group is None:
            raise ZendeskApiError(404, {"error": "RecordNotFound", "description": "Not found"})
        return group

    def group_json(self, group: dict[str, Any], base: str) -> dict[str, Any]:
        out = {key: group.get(key) for key in GROUP_KEYS}
        out["url"] = f"{base}/groups/{group['id']}.json"
        return out

    # ---- persistence ------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        return {"users": list(self.users.values()), "orgs": list(self.orgs.values()),
                "groups": list(self.groups.values())}

    def load(self, data: dict[str, Any]) -> None:
        self.users = {u["id"]: u for u in data.get("users", [])}
        self.orgs = {o["id"]: o for o in data.get("orgs", [])}
        self.groups = {g["id"]: g for g in data.get("groups", [])}
        for table in (self.users, self.orgs, self.groups):
            for key in table:
                self.ids.advance_past(key)
