"""Zendesk Support API v2, through zenpy: the only module that talks to Zendesk."""

from __future__ import annotations

import io
import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, TypeVar
from urllib.parse import urlsplit

import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket
from zenpy.lib.exception import APIException, ZenpyException

from bridge.connectors.errors import (
    ApiError,
    AuthError,
    ConflictError,
    NotFound,
    PermanentError,
    RetriableError,
    from_status,
    retry_after_seconds,
)
from bridge.connectors.files import read_capped
from bridge.connectors.marker import sign, signed_for
from bridge.connectors.zendesk_directory import Directory
from bridge.connectors.zendesk_json import comment_from_json, parse_time, ticket_from_json
from bridge.model import Comment, Ticket

log = logging.getLogger(__name__)

SERVICE = "zendesk"
T = TypeVar("T")


class UnknownGroup(PermanentError):
    """Zendesk has no group of that name (the rules name groups by name)."""


@dataclass(frozen=True, slots=True)
class Updated:
    """What one update of a ticket left: the ticket's fields afterwards (no names, no
    comments: the response carries ids only) and the comment it added, if any."""

    ticket: Ticket
    comment: Comment | None
    audit_id: int | None


@dataclass(frozen=True, slots=True)
class ChangePage:
    """One page of the incremental export: changed tickets and the bookmark after them."""

    tickets: list[Ticket]
    cursor: str | None
    end_of_stream: bool


def split_host(url: str) -> tuple[str, str]:
    """zenpy builds `https://{subdomain}.{domain}`: split the host at its first dot.

    `https://acme.zendesk.com` -> ("acme", "zendesk.com");
    `https://127.0.0.1:8701` -> ("127", "0.0.1:8701"), which is how the sandbox is reached.
    """
    host = urlsplit(url).netloc
    subdomain, _, domain = host.partition(".")
    if not domain:
        # (the URL is not repeated: it may hold a password)
        raise ValueError(f"BRIDGE_ZENDESK_URL must be https://<subdomain>.<domain>, got a host without a dot: {host.rpartition('@')[2]!r}")
    return subdomain, domain


def _raise_on_rate_limit(response: requests.Response, *_: Any, **__: Any) -> None:
    # zenpy would sleep through a 429 inside the worker; the executor schedules the retry instead.
    if response.status_code == 429:
        raise RetriableError(
            SERVICE, "rate limited", status=429, retry_after=retry_after_seconds(response.headers)
        )


def _answer(response: requests.Response) -> dict[str, Any]:
    """The body of a call made without zenpy, or the error it is."""
    if response.status_code >= 300:
        if response.status_code == 404 and '"RecordNotFound"' in response.text:
            raise NotFound(SERVICE, response.text[:300], status=404)  # Zendesk's own answer: it is gone
        raise from_status(SERVICE, response.status_code, response.text[:300], headers=response.headers)
    return response.json()


class ZendeskConnector:
    def __init__(self, *, url: str, email: str, token: str, ca_bundle: Path | None = None, timeout: float = 30) -> None:
        subdomain, domain = split_host(url)
        self.base_url = url.rstrip("/")
        session = requests.Session()
        # trust_env=False: otherwise REQUESTS_CA_BUNDLE from the environment overrides `verify`.
        session.trust_env = False
        session.verify = str(ca_bundle) if ca_bundle else True
        session.hooks["response"].append(_raise_on_rate_limit)
        self._session = session
        self._timeout = timeout
        self._email = email
        # The bridge's own Zendesk user: learnt from `whoami` or from any update it makes.
        self.user_id: int | None = None
        self.directory = Directory()
        self._lookups: dict[tuple[str, int], threading.Lock] = {}
        self._group_ids: dict[str, int] = {}  # casefolded name -> id (see group_id)
        self._groups_lock = threading.Lock()
        self._client = Zenpy(
            subdomain=subdomain,
            domain=domain,
            email=email,
            token=token,
            session=session,
            timeout=timeout,
            disable_cache=True,  # its object cache would hand back tickets up to 30 s stale
        )

    # --- reading -------------------------------------------------------------------

    def changes(self, *, cursor: str | None, start_time: int) -> ChangePage:
        """One page of the cursor-based incremental ticket export.

        Read page by page with our own bookmark (zenpy's generator would walk to the end
        without handing the cursor back), on zenpy's authenticated session.
        https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
        """
        params: dict[str, Any] = {"cursor": cursor} if cursor else {"start_time": start_time}
        params["include"] = "users,organizations,groups"  # names for the rules, without a read per ticket
        body = self._call(lambda: self._get_json("/api/v2/incremental/tickets/cursor.json", params))
        self._remember_sideloads(body)
        users = {u["id"]: u for u in body.get("users", ())}
        organizations = {o["id"]: o for o in body.get("organizations", ())}
        groups = {g["id"]: g for g in body.get("groups", ())}
        tickets = [
            ticket_from_json(raw, users=users, organizations=organizations, groups=groups, agent_base_url=self.base_url)
            for raw in body.get("tickets", ())
        ]
        return ChangePage(
            tickets=tickets,
            cursor=body.get("after_cursor") or cursor,
            end_of_stream=bool(body.get("end_of_stream", True)),
        )

    def count_updated_since(self, since: int) -> int | None:
        """How many tickets changed since `since` (epoch seconds), for a progress bar; None if unknown."""
        stamp = datetime.fromtimestamp(since, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            body = self._call(lambda: self._get_json("/api/v2/search/count.json", {"query": f"type:ticket updated>={stamp}"}))
        except ApiError:
            return None  # only cosmetic: the backfill itself does not depend on it
        count = body.get("count")
        return int(count) if isinstance(count, int) else None

    def with_comments(self, ticket: Ticket) -> Ticket:
        """`ticket` (as the export gave it) completed with every comment: one read."""
        return replace(ticket, comments=self._call(lambda: self._comments(ticket.id)))

    def completed(self, raw: Mapping[str, Any]) -> Ticket:
        """A ticket as a webhook described it (ids, no names, no comments) completed with its
        comments (one read) and the names of its requester, organisation and group: from the
        directory, read only when unknown."""
        ticket_id = int(raw["id"])
        comments = self._call(lambda: self._comments(ticket_id))
        return ticket_from_json(
            raw,
            users=self._known("users", raw.get("requester_id")),
            organizations=self._known("organizations", raw.get("organization_id")),
            groups=self._known("groups", raw.get("group_id")),
            comments=comments,
            agent_base_url=self.base_url,
        )

    def _comments(self, ticket_id: int) -> tuple[Comment, ...]:
        """Every comment, with its author's e-mail (side-loaded users), page by page."""
        params: dict[str, Any] = {"include": "users", "page[size]": 100}
        comments: list[Comment] = []
        while True:
            body = self._get_json(f"/api/v2/tickets/{ticket_id}/comments.json", params)
            users = body.get("users") or []
            self.directory.remember("users", users)
            by_id = {u["id"]: u for u in users if isinstance(u, dict) and "id" in u}
            comments += [comment_from_json(c, users=by_id) for c in body.get("comments") or ()]
            meta = body.get("meta") or {}
            if not meta.get("has_more") or not meta.get("after_cursor"):
                return tuple(comments)
            params["page[after]"] = meta["after_cursor"]

    def _known(self, kind: str, record_id: Any) -> dict[int, Mapping[str, Any]]:
        """{id: record} for one user, organisation or group: remembered, or read once
        (workers that miss the same one at once read it once). One that is gone has no name."""
        if record_id is None:
            return {}
        record_id = int(record_id)
        record = self.directory.get(kind, record_id)
        if record is None:
            with self._lookups.setdefault((kind, record_id), threading.Lock()):
                record = self.directory.get(kind, record_id)
                if record is None:
                    record = self._read_one(kind, record_id)
                    self.directory.remember(kind, [record])
            self._lookups.pop((kind, record_id), None)
        return {record_id: record}

    def group_id(self, name: str) -> int:
        """The id of the group named `name` (in any case). Groups are few and seldom change:
        they are read once, and again when a name is not among them (a group made since)."""
        wanted = name.casefold()
        with self._groups_lock:
            if wanted not in self._group_ids:
                self._group_ids = self._call(self._read_groups)
            found = self._group_ids.get(wanted)
        if found is None:
            raise UnknownGroup(SERVICE, f"no group is named {name!r}: create it in Zendesk, or name another in rules.yaml")
        return found

    def group_names(self) -> set[str]:
        """The names of the groups Zendesk has now (casefolded), read afresh: a check, which
        leaves the ids `group_id` keeps alone."""
        return set(self._call(self._read_groups))

    def _group_moved(self, name: str, used: int) -> int | None:
        """After Zendesk refused an update that moved a ticket to group id `used`: the group's
        id read afresh when it differs (deleted and made again), None when it is the same (the
        refusal was about something else); UnknownGroup when there is no such group now."""
        with self._groups_lock:
            self._group_ids = self._call(self._read_groups)
        found = self.group_id(name)
        return found if found != used else None

    def _read_groups(self) -> dict[str, int]:
        groups: dict[str, int] = {}
        page = 1
        while True:
            body = self._get_json("/api/v2/groups.json", {"page": page, "per_page": 100})
            self.directory.remember("groups", body.get("groups") or ())
            for group in body.get("groups") or ():
                if isinstance(group, dict) and isinstance(group.get("id"), int) and isinstance(group.get("name"), str):
                    if not group.get("deleted"):
                        groups.setdefault(group["name"].casefold(), group["id"])
            if not body.get("next_page"):
                return groups
            page += 1

    def _read_one(self, kind: str, record_id: int) -> Mapping[str, Any]:
        try:
            body = self._call(lambda: self._get_json(f"/api/v2/{kind}/{record_id}.json", {}))
        except PermanentError as exc:
            if exc.status != 404:
                raise
            return {"id": record_id}  # deleted meanwhile: the ticket is still judged, without the name
        return body.get(kind[:-1]) or {"id": record_id}

    def ticket(self, ticket_id: int) -> Ticket:
        """The ticket with its requester, organisation, group and every comment: two reads."""

        def fetch() -> Ticket:
            body = self._get_json(
                f"/api/v2/tickets/{ticket_id}.json", {"include": "users,organizations,groups"}
            )
            self._remember_sideloads(body)
            return ticket_from_json(
                body["ticket"],
                users={u["id"]: u for u in body.get("users", ())},
                organizations={o["id"]: o for o in body.get("organizations", ())},
                groups={g["id"]: g for g in body.get("groups", ())},
                comments=self._comments(ticket_id),
                agent_base_url=self.base_url,
            )

        return self._call(fetch)

    def _remember_sideloads(self, body: Mapping[str, Any]) -> None:
        for kind in ("users", "organizations", "groups"):
            self.directory.remember(kind, body.get(kind) or ())

    # --- writing -------------------------------------------------------------------

    def update(
        self,
        ticket_id: int,
        *,
        note: str | None = None,
        public: bool = False,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        status: str | None = None,
        group: str | None = None,
        priority: str | None = None,
        uploads: Iterable[str] = (),
        action_key: str = "",
        unchanged_since: datetime | None = None,
        before_write: Callable[[], object] = lambda: None,
    ) -> Updated:
        """One PUT: a comment (internal unless `public`, signed for `action_key`; with the files
        of `uploads`, tokens from `upload`), tags added and removed (never replaced), a status, a
        group (by name), a priority.

        With `unchanged_since`, Zendesk's safe update refuses the write (ConflictError, 409)
        if the ticket changed after that moment, so the caller knows the result is the
        ticket it saw plus this update and nothing else. `before_write` runs before each PUT
        (a refused group makes a second one, after reading the groups): the caller's last
        word on whether the write may still happen."""
        fields: dict[str, Any] = {"id": ticket_id}
        tags = sorted(set(add_tags))
        if tags:
            fields["additional_tags"] = tags  # adds without clobbering tags an agent set meanwhile
        if dropped := sorted(set(remove_tags) - set(tags)):
            fields["remove_tags"] = dropped
        if status:
            fields["status"] = status
        if group:
            fields["group_id"] = self.group_id(group)
        if priority:
            fields["priority"] = priority
        if note:
            fields["comment"] = ZComment(body=sign(note, action_key), public=public, **({"uploads": list(uploads)} if uploads else {}))
        if unchanged_since is not None:
            fields["safe_update"] = True
            fields["updated_stamp"] = unchanged_since.strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            before_write()
            result = self._call(lambda: self._client.tickets.update(ZTicket(**fields)))
        except PermanentError as refused:
            # The id kept for the group may be stale (the group was deleted since it was read):
            # asked afresh, a group that is gone is said (UnknownGroup), one made again is used.
            if not group or isinstance(refused, (ConflictError, AuthError)):
                raise
            if (moved := self._group_moved(group, fields["group_id"])) is None:
                raise
            fields["group_id"] = moved
            before_write()
            result = self._call(lambda: self._client.tickets.update(ZTicket(**fields)))
        return self._updated(result)

    def _updated(self, result: Any) -> Updated:
        ticket = result.ticket.to_dict()
        audit = result.audit.to_dict() if getattr(result, "audit", None) is not None else {}
        author_id = audit.get("author_id")
        if isinstance(author_id, int):
            self.user_id = author_id
        own = {author_id: {"email": self._email}} if isinstance(author_id, int) else {}
        added = next(
            (e for e in audit.get("events") or () if isinstance(e, dict) and e.get("type") == "Comment"), None
        )
        comment = None
        if added is not None:
            comment = comment_from_json({"created_at": audit.get("created_at"), **added}, users=own)
        audit_id = audit.get("id")
        # Names as the ticket has them now: a trigger may have moved it within this update.
        return Updated(
            ticket=ticket_from_json(
                ticket,
                users=self._known("users", ticket.get("requester_id")),
                organizations=self._known("organizations", ticket.get("organization_id")),
                groups=self._known("groups", ticket.get("group_id")),
                agent_base_url=self.base_url,
            ),
            comment=comment,
            audit_id=audit_id if isinstance(audit_id, int) else None,
        )

    def whoami(self) -> int:
        """The id of the user the bridge acts as (one read, then remembered)."""
        if self.user_id is None:
            body = self._call(lambda: self._get_json("/api/v2/users/me.json", {}))
            self.user_id = int(body["user"]["id"])
        return self.user_id

    def has_signed_comment(self, ticket_id: int, action_key: str) -> bool:
        """Whether a comment written for `action_key` is on the ticket already (an earlier attempt landed)."""
        return self._call(
            lambda: any(signed_for(c.body or "", action_key) for c in self._client.tickets.comments(ticket=ticket_id))
        )

    def ticket_url(self, ticket_id: int) -> str:
        """Where an agent opens the ticket."""
        return f"{self.base_url}/agent/tickets/{ticket_id}"

    def add_ccs(self, ticket_id: int, emails: Iterable[str]) -> None:
        """Copy people on a ticket (CCs), by e-mail; one copied already stays as they are."""
        changes = [{"user_email": email, "action": "put"} for email in sorted(set(emails))]
        if changes:
            self._call(lambda: self._client.tickets.update(ZTicket(id=ticket_id, email_ccs=changes)))

    def statuses(self, ticket_ids: Iterable[int]) -> dict[int, str]:
        """Each ticket's status, in one read; a deleted ticket is missing."""
        ids = ",".join(str(i) for i in sorted(set(ticket_ids)))
        body = self._call(lambda: self._get_json("/api/v2/tickets/show_many.json", {"ids": ids}))
        return {int(t["id"]): str(t["status"]) for t in body.get("tickets") or ()}

    def merge(
        self,
        source_id: int,
        target_id: int,
        *,
        source_comment: str,
        source_public: bool,
        target_comment: str,
        action_key: str,
        before_write: Callable[[], object] = lambda: None,
        deadline: float = 20.0,
    ) -> None:
        """Merge a ticket into another: Zendesk closes the source with `source_comment` and adds
        `target_comment` to the target (internal, so Zendesk copies nobody on the target: see
        `add_ccs`). Waits for the merge's job; one still running after `deadline` seconds is
        RetriableError (the caller looks again: a closed source is a merge done).

        Not zenpy's `tickets.merge`: it cannot say whether the comments are public."""
        payload = {
            "ids": [source_id],
            "source_comment": sign(source_comment, action_key),
            "source_comment_is_public": source_public,
            "target_comment": sign(target_comment, action_key),
            "target_comment_is_public": False,
        }
        before_write()
        job = self._call(lambda: self._post_json(f"/api/v2/tickets/{target_id}/merge.json", payload))["job_status"]
        give_up = time.monotonic() + deadline
        pause = 0.2
        while job.get("status") in ("queued", "working"):
            if time.monotonic() > give_up:
                raise RetriableError(SERVICE, f"merging #{source_id} into #{target_id}: job {job.get('id')} still {job.get('status')}")
            time.sleep(pause)  # Zendesk runs a merge as a background job: its status is all there is to read
            pause = min(pause * 2, 2.0)
            job_id = job["id"]
            job = self._call(lambda: self._get_json(f"/api/v2/job_statuses/{job_id}.json", {}))["job_status"]
        if job.get("status") != "completed":
            raise PermanentError(
                SERVICE, f"merging #{source_id} into #{target_id}: job {job.get('status')}: {job.get('message')}"
            )

    def upload(self, name: str, data: bytes) -> str:
        """A file uploaded for a comment: its token, for `update(uploads=...)` (Zendesk keeps an
        unused upload for a while, then drops it)."""
        return str(self._call(lambda: self._client.attachments.upload(io.BytesIO(data), target_name=name)).token)

    def download(self, url: str, *, max_bytes: int, within: float) -> bytes | None:
        """The file at an attachment's `content_url`; None when it is larger than `max_bytes`
        (read no further). Zendesk serves a file under `/attachments/token/…` on the account's
        host-mapped or brand domains too: it is read from the bridge's own Zendesk host, with
        its credentials, which go to no other host (a file elsewhere is read without them).
        NotFound: Zendesk will not give it out (deleted, redacted, malware, a sign-in page
        instead). RetriableError: the read failed or took longer than `within` seconds."""
        parts, own = urlsplit(url), urlsplit(self.base_url)
        if parts.path.startswith("/attachments/token/"):
            parts = parts._replace(scheme=own.scheme, netloc=own.netloc)
        elsewhere = parts.netloc != own.netloc
        deadline = time.monotonic() + within

        def read() -> bytes | None:
            if not elsewhere:
                return read_with(self._session)
            with requests.Session() as plain:  # without the bridge's credentials, closed after
                plain.trust_env, plain.verify = False, self._session.verify
                return read_with(plain)

        def read_with(session: requests.Session) -> bytes | None:
            with session.get(parts.geturl(), stream=True, timeout=self._timeout) as response:
                if response.status_code in (401, 403, 404, 410):
                    raise NotFound(SERVICE, "the file is not given out", status=response.status_code)
                if response.status_code >= 300:
                    raise from_status(SERVICE, response.status_code, "reading a file", headers=response.headers)
                if response.history and response.headers.get("Content-Type", "").startswith("text/html"):
                    raise NotFound(SERVICE, "the file's link leads to a page (a sign-in?), not the file")
                return read_capped(response, max_bytes=max_bytes, deadline=deadline, service=SERVICE)

        try:
            return self._call(read)
        except requests.RequestException as exc:  # e.g. a connection cut in the middle of the file
            raise RetriableError(SERVICE, f"reading the file: {type(exc).__name__}") from exc

    # --- plumbing ------------------------------------------------------------------

    def _get_json(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        return _answer(self._session.get(self.base_url + path, params=params, timeout=self._timeout))

    def _post_json(self, path: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return _answer(self._session.post(self.base_url + path, json=payload, timeout=self._timeout))

    def _call(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except ApiError:
            raise
        except APIException as exc:
            response = exc.response
            status = response.status_code if response is not None else 0
            raise from_status(SERVICE, status, str(exc)[:300], headers=getattr(response, "headers", None)) from exc
        except requests.HTTPError as exc:
            response = exc.response
            raise from_status(SERVICE, response.status_code, str(exc)[:300], headers=response.headers) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetriableError(SERVICE, f"unreachable: {type(exc).__name__}") from exc
        except ZenpyException as exc:
            raise RetriableError(SERVICE, str(exc)[:300]) from exc
