"""The executor: carries out planned actions once each, retrying failures with backoff.

Every handler is idempotent on its own terms (a link already recorded, an issue found by
its label, a Slack thread remembered), so a crash between "done remotely" and "recorded"
repeats nothing a user would see twice.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Callable, Mapping, Sequence, TypeVar

from bridge.connectors.errors import AuthError, ConflictError, NotFound, PermanentError, RetriableError
from bridge.connectors.jira import JiraConnector, render_description, ticket_label
from bridge.connectors.slack import SlackConnector, posted_at
from bridge.connectors.statuspage import StatuspageConnector
from bridge.connectors.zendesk import UnknownGroup, Updated, ZendeskConnector
from bridge.model import Action, ActionKind, Decision
from bridge.store import Store, StoredAction, store_unavailable
from bridge.store.links import ThreadBusy
from bridge.sync.attachments import FILE_COPIED_MARK
from bridge.sync.backsync import CLOSED, moved_marks, original_read_event
from bridge.sync.duplicates import NOT_MERGED_MARK
from bridge.sync.escalate import ESCALATION_LABEL, issue_tag
from bridge.sync.own_update import after_own_update, own_change_event
from bridge.sync.repoint import ISSUE_TAG_MARK, next_round
from bridge.sync.status_page import INCIDENT_MARK, STEPS

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
OPEN_STATUSES = frozenset({"new", "open", "pending", "hold"})  # what Zendesk merges: neither solved nor closed
MAX_BACKOFF = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Connectors:
    zendesk: ZendeskConnector
    jira: JiraConnector
    slack: SlackConnector
    statuspage: StatuspageConnector | None = None  # only where a status page is configured


def backoff(attempt: int, retry_after: float | None, *, base: float = 2.0, most: float = MAX_BACKOFF.total_seconds()) -> timedelta:
    """Exponential with jitter, at most `most` seconds, never sooner than the service asked (Retry-After)."""
    exponential = min(base * 2.0 ** (attempt - 1), most) * (0.5 + random.random() / 2)
    return timedelta(seconds=max(exponential, retry_after or 0.0))


T = TypeVar("T")


class LeaseLost(Exception):
    """The worker's lease on an action ran out and another worker claimed it: the attempt
    stops before its next write, which the other worker makes (once) now."""


class Executor:
    def __init__(
        self,
        *,
        store: Store,
        connectors: Connectors,
        manager_channel: str,
        clock: Callable[[], datetime],
        max_attempts: int = 8,
        lease: timedelta = LEASE,
        retry_base: float = 2.0,
        retry_max: float = MAX_BACKOFF.total_seconds(),
        attachment_max_bytes: int = 10 * 1024 * 1024,
    ) -> None:
        self._store = store
        self._c = connectors
        self._attachment_max = attachment_max_bytes  # larger files stay links in the issue
        self._backoff = partial(backoff, base=retry_base, most=retry_max)  # (attempt, Retry-After) -> delay
        self._channel = manager_channel
        self._clock = clock
        self._max_attempts = max_attempts
        self._lease = lease
        self._handlers: dict[ActionKind, Callable[[StoredAction], dict[str, Any]]] = {
            ActionKind.CREATE_ISSUE: self._create_issue,
            ActionKind.LINK_TICKET: self._link_ticket,
            ActionKind.NOTE_TICKET: self._note_ticket,
            ActionKind.NOTIFY: self._notify,
            ActionKind.COMMENT_ISSUE: self._comment_issue,
            ActionKind.MERGE_TICKET: self._merge_ticket,
            ActionKind.STATUS_PAGE: self._status_page,
            ActionKind.COPY_FILE: self._copy_file,
            ActionKind.FILE_TO_TICKET: self._file_to_ticket,
        }

    def run_ready(self, *, limit: int = 4) -> int:
        """Carry out up to `limit` ready actions; returns how many were attempted.

        One claim per action: each starts with a full lease, so a slow action never eats
        into the lease of the next one (another worker would take that one over meanwhile).
        """
        attempted = 0
        for _ in range(limit):
            claimed = self._store.actions.claim(now=self._clock(), limit=1, lease=self._lease)
            if not claimed:
                break
            self._attempt(claimed[0])
            attempted += 1
        return attempted

    def _attempt(self, stored: StoredAction) -> None:
        action = stored.action
        now = self._clock()
        try:
            result = self._handlers[action.kind](stored)
        except LeaseLost:
            log.warning("%s: its lease ran out and another worker has taken it over; this attempt stops", action.key)
        except (RetriableError, AuthError) as exc:
            # A service's "not now" (429, 5xx, a timeout) or refused credentials (an operator's
            # to mend) only delay the action: retried, at most every MAX_BACKOFF, never dead.
            retry_after = getattr(exc, "retry_after", None)
            retry_at = now + self._backoff(stored.attempts + 1, retry_after)
            self._fail(stored, str(exc), retry_at, now, transient=True)
        except PermanentError as exc:
            self._fail(stored, str(exc), None, now)
        except Exception as exc:  # noqa: BLE001 — the edge: log with ids, carry on
            if store_unavailable(exc):
                raise  # not the action's fault: the worker waits for the store; the action is tried again after its lease
            log.exception("action %s failed unexpectedly", action.key)
            self._fail(stored, f"{type(exc).__name__}: {exc}", now + self._backoff(stored.attempts + 1, None), now)
        else:
            if self._store.actions.done(
                action.key, result=result, now=now, ticket_id=action.ticket_id, note=f"done {action.kind.value}",
                claim=stored.claim,
            ):
                log.info("done %s %s", action.key, result)
            else:  # the worker that took it over finds this attempt's write and records it
                log.warning("done %s %s, after its lease ran out: the worker holding it now records it", action.key, result)

    def _fail(
        self, stored: StoredAction, error: str, retry_at: datetime | None, now: datetime, *, transient: bool = False
    ) -> None:
        action = stored.action
        if not transient and stored.attempts + 1 >= self._max_attempts:
            retry_at = None
        elif retry_at is not None and action.kind is ActionKind.CREATE_ISSUE:
            # The failed call may have created the issue after all (a timeout, a 502 after the
            # write); the retry searches for it, and Jira's search index needs time to show it.
            retry_at = max(retry_at, now + self._lease)
        if not self._store.actions.failed(action.key, error=error, retry_at=retry_at, claim=stored.claim):
            log.warning("%s failed after its lease ran out (%s): the worker holding it now goes on", action.key, error)
            return
        # The same "not now" again is no news: one history line per spell, not one per retry
        # (a day's outage would add about a hundred to each waiting action's ticket).
        if action.ticket_id is not None and not (transient and error == stored.last_error):
            what = "dead letter" if retry_at is None else "retry"
            self._store.history.add(action.ticket_id, f"{what} {action.kind.value}", error, now=now)
        log.warning("%s %s: %s", "gave up on" if retry_at is None else "will retry", action.key, error)

    # --- handlers: each idempotent ----------------------------------------------------

    def _create_issue(self, stored: StoredAction) -> dict[str, Any]:
        action = stored.action
        ticket_id = _ticket(action)
        link = self._store.links.for_ticket(ticket_id)
        if link is not None:
            return {"issue_key": link.issue_key, "found": "store"}
        key = None
        if stored.attempts > 0:
            # An earlier attempt may have created the issue and died before recording it.
            # Its lease has expired by now, which gives Jira's search index time to catch up.
            key = self._c.jira.find_for_ticket(ticket_id)
        found = key is not None
        if key is None:
            self._hold(stored)
            p = action.params
            key = self._c.jira.create_issue(
                project=p["project"],
                summary=p["summary"],
                description=render_description([tuple(s) for s in p["sections"]]),
                issue_type=p["issue_type"],
                priority=p.get("priority"),
                labels=[*p.get("labels", ()), ticket_label(ticket_id)],
                due=p.get("due"),
                extra_fields=p.get("fields") or {},
            )
        self._store.links.add(ticket_id, key, now=self._clock())
        return {"issue_key": key, "found": "search" if found else "created"}

    def _link_ticket(self, stored: StoredAction) -> dict[str, Any]:
        """The issue points back at the ticket; when attaching, the link is recorded here, once
        Jira has the issue (its labels tell whether it listed the ticket already)."""
        action = stored.action
        ticket_id = _ticket(action)
        relinked = False
        if moved_from := action.params.get("moved_from"):
            return self._follow(stored, ticket_id, moved_from, action.issue_key or "")
        if action.params.get("attach"):
            key = action.issue_key or ""
            try:
                had = self._c.jira.add_labels(key, [ticket_label(ticket_id), ESCALATION_LABEL])
            except NotFound:
                # A mistyped tag, or an issue deleted: no link, so once the tag is mended or
                # removed the ticket is attached or escalated as usual. The note says so.
                log.warning("ticket %s: tag %s names no Jira issue", ticket_id, issue_tag(key))
                return {"issue_key": key, "missing": True}
            # Listed already: a relink after a lost store. Only a first attempt can tell: a
            # retried one may find the label its own earlier attempt added.
            relinked = stored.attempts == 0 and ticket_label(ticket_id) in had
            key = self._store.links.add(ticket_id, key, now=self._clock()).issue_key
        else:
            key = self._issue_key(action)
        self._c.jira.add_remote_link(key, url=action.params["url"], title=action.params["title"])
        return {"issue_key": key} | ({"relinked": True} if relinked else {})

    def _follow(self, stored: StoredAction, ticket_id: int, moved_from: str, original: str) -> dict[str, Any]:
        """The ticket moves to another issue (the one its own was closed as a duplicate of, or the
        one its agents tagged it with instead), which lists it now: the link moves (with the marks
        of the old issue's status emptied), the old issue stops listing it and linking to it, and
        the new one is read so that its status reaches the ticket."""
        link = self._store.links.for_ticket(ticket_id)
        if link is None or link.issue_key not in (moved_from, original):  # linked elsewhere meanwhile
            return {"issue_key": original, "left_out": f"the ticket is no longer linked to {moved_from}"}
        by_tag = bool(stored.action.params.get("by_tag"))
        known = self._store.snapshots.get(ticket_id)
        if by_tag and link.issue_key == moved_from:
            if known is not None and issue_tag(original) not in known.tags:  # the agents changed it again
                # A later retag to `original` is a move of its own (its keys are new), not this one.
                seen = self._store.ticket_state(ticket_id).marks.get(ISSUE_TAG_MARK)
                self._store.commit_decision(None, Decision(marks={(ticket_id, ISSUE_TAG_MARK): next_round(seen, moved_from)}),
                                            ticket_ids=[ticket_id], now=self._clock())
                return {"issue_key": original, "left_out": f"the ticket's tags no longer name {original}"}
            try:
                if self._c.jira.current_key(original) == moved_from:  # Jira answers a former key with the issue
                    return {"issue_key": original, "left_out": f"{original} is {moved_from}, under a former key"}
            except NotFound:
                return {"issue_key": original, "missing": True}
        label = ticket_label(ticket_id)
        try:
            self._c.jira.add_labels(original, [label, ESCALATION_LABEL])
        except NotFound:
            log.warning("ticket %s stays with %s: %s, which it was to follow, is not found", ticket_id, moved_from, original)
            return {"issue_key": original, "missing": True}
        now = self._clock()
        since = str(stored.action.params.get("since") or now.isoformat())
        # The agents' own choice is the tag seen: a later retag moves the ticket again. A ticket the
        # agents moved was misfiled: the old issue's incident (status page) is not the new one's.
        marks = moved_marks(since) | ({ISSUE_TAG_MARK: original, INCIDENT_MARK: ""} if by_tag else {})
        self._store.follow_issue(ticket_id, moved_from, original, now=now, marks=marks)
        self._store.inbox.add([original_read_event(original, stored.action.key, now)], now=now)
        url = self._c.zendesk.ticket_url(ticket_id)
        try:
            self._c.jira.remove_labels(moved_from, [label])  # (a lost store would find the old issue by it)
        except NotFound:  # deleted: nothing lists the ticket there, and it takes no comment
            gone = {"old_gone": True}
        else:
            gone = {}
            self._c.jira.remove_remote_link(moved_from, url=url)
        title = f"Zendesk #{ticket_id}" + (f": {known.subject}" if known is not None else "")
        self._c.jira.add_remote_link(original, url=url, title=title)
        return {"issue_key": original, "moved_from": moved_from} | gone

    def _note_ticket(self, stored: StoredAction) -> dict[str, Any]:
        action = stored.action
        p = action.params
        ticket_id = _ticket(action)
        attached = self._attach_outcome(action)
        if attached == "relinked":
            return {"ticket_id": ticket_id, "left_out": "the issue listed the ticket already"}
        if attached == "left_out":
            return {"ticket_id": ticket_id, "left_out": "the ticket did not move"}
        if attached == "missing":
            p = {"note": _not_found_note(action.issue_key or "", moved_from=p.get("moved_from"), by_tag=bool(p.get("by_tag")))}
        values = self._placeholders(action)
        note = _fill(p.get("note"), values)
        if note and stored.attempts > 0 and self._c.zendesk.has_signed_comment(ticket_id, action.key):
            note = None  # an earlier attempt wrote it and died before recording; tags/status are idempotent
        return self._update_ticket(stored, p, note=note, values=values)

    def _update_ticket(
        self, stored: StoredAction, p: Mapping[str, Any], *, note: str | None, values: Mapping[str, str],
        uploads: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The ticket updated as `p` says (tags, status, group, priority) with `note`, with Zendesk's
        safe update against the bridge's view of it, so the result is known without reading it back."""
        action = stored.action
        ticket_id = _ticket(action)
        group, unknown_group = self._known_group(p)
        known = self._store.snapshots.get(ticket_id)

        def update(unchanged_since: datetime | None) -> Updated:
            nonlocal group, unknown_group
            try:
                return self._c.zendesk.update(
                    ticket_id,
                    note=note,
                    public=bool(p.get("public", False)),
                    add_tags=[_fill(tag, values) for tag in p.get("add_tags", ())],
                    remove_tags=p.get("remove_tags", ()),
                    status=p.get("status"),
                    group=group,
                    priority=p.get("priority"),
                    uploads=uploads,
                    action_key=action.key,
                    unchanged_since=unchanged_since,
                    before_write=lambda: self._hold(stored),
                )
            except UnknownGroup as exc:  # deleted since it was looked up: as if it never was
                if group is None or not _more_than_a_move(p):
                    raise
                log.warning("ticket not moved to group %r: %s", group, exc)
                group, unknown_group = None, str(exc)
                return update(unchanged_since)

        def done() -> dict[str, Any]:
            if not unknown_group:
                return {"ticket_id": ticket_id}
            # The move alone, on its own: a dead letter that says why, which `bridge retry` makes
            # once the group exists (planned before this action is recorded: a retry plans it once).
            move = Action(ActionKind.NOTE_TICKET, f"{action.key}:group", ticket_id=ticket_id,
                          params={"group": action.params["group"]})
            # (no history line of its own: this action's, and the move's dead letter, tell it)
            self._store.commit_decision(None, Decision(actions=[move]), ticket_ids=[], now=self._clock())
            return {"ticket_id": ticket_id, "group_not_set": unknown_group, "group_move": move.key}

        if known is None:
            update(None)
            return done()
        try:
            updated = update(known.updated_at)
        except ConflictError:
            # Changed since the bridge last looked: write anyway; the change comes back to be read.
            update(None)
            return done()
        if updated.audit_id is None:
            return done()  # Zendesk found nothing to change: there is no update to record
        # Nothing changed in between: the ticket now is our view plus this update (sync/own_update.py).
        view = after_own_update(known, updated)
        self._store.inbox.add([own_change_event(view, updated.audit_id)], now=self._clock())
        return done() | {"own_update": updated.ticket.updated_at.isoformat()}

    def _known_group(self, params: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """The group to move the ticket to, and why it is not moved. A group Zendesk does not
        have must not cost the rest of the update (an escalation's note, tag and status): it is
        left out, and said; only an update that had nothing else to do ends a dead letter."""
        group = params.get("group")
        if not group:
            return None, None
        try:
            self._c.zendesk.group_id(group)
        except UnknownGroup as exc:  # (not a refused token or a 429: those are retried as any call)
            if not _more_than_a_move(params):
                raise
            log.warning("ticket not moved to group %r: %s", group, exc)
            return None, str(exc)
        return group, None

    def _comment_issue(self, stored: StoredAction) -> dict[str, Any]:
        action = stored.action
        if attached := self._attach_outcome(action):
            return {"left_out": attached}  # a relink (told before) or no such issue
        key = self._issue_key(action)
        comment_id = self._c.jira.signed_comment(key, action.key) if stored.attempts > 0 else None
        if comment_id is None:
            self._hold(stored)
            comment_id = self._c.jira.add_comment(key, action.params["body"], action_key=action.key)
        return {"issue_key": key, "comment_id": comment_id}

    def _merge_ticket(self, stored: StoredAction) -> dict[str, Any]:
        """A duplicate merged into its original, and its requester copied on the original.

        Zendesk closes the duplicate, which is final: a closed duplicate that carries this
        action's signed comment is a merge made (by an earlier attempt, or by a job that ended
        after its attempt stopped waiting). One that ended otherwise, or an original that ended
        meanwhile, is left out: the ticket is judged again and joins the issue itself."""
        action = stored.action
        p = action.params
        ticket_id, original = _ticket(action), int(p["into"])
        statuses = self._c.zendesk.statuses([ticket_id, original])
        if statuses.get(ticket_id) not in OPEN_STATUSES:
            if self._merged(stored, statuses.get(ticket_id)):
                return self._copied(stored) | {"merged": "by an earlier attempt"}
            return {"into": original, "left_out": f"#{ticket_id} is {statuses.get(ticket_id, 'deleted')}"}
        if statuses.get(original) not in OPEN_STATUSES:
            # Judged again with this mark, the ticket joins the issue instead.
            self._store.commit_decision(
                None, Decision(marks={(ticket_id, NOT_MERGED_MARK): str(original)}), ticket_ids=[ticket_id],
                now=self._clock(),
            )
            return {"into": original, "left_out": f"#{original} is {statuses.get(original, 'deleted')}"}
        try:
            self._c.zendesk.merge(
                ticket_id, original, source_comment=p["reply"], source_public=bool(p.get("reply_public", True)),
                target_comment=p["note"], action_key=action.key, before_write=lambda: self._hold(stored),
            )
        except PermanentError:
            # (A second job fails when the first one merged.)
            if not self._merged(stored, self._c.zendesk.statuses([ticket_id]).get(ticket_id)):
                raise
        self._store.history.add(original, "merged", f"ticket #{ticket_id} merged into this one", now=self._clock())
        return self._copied(stored) | {"merged": True}

    def _merged(self, stored: StoredAction, status: str | None) -> bool:
        """Whether the duplicate, now at `status`, was closed by this action's merge."""
        return status == CLOSED and self._c.zendesk.has_signed_comment(_ticket(stored.action), stored.action.key)

    def _copied(self, stored: StoredAction) -> dict[str, Any]:
        """The merged ticket's requester copied on the original (Zendesk's merge does that only
        when the original's comment is public, and the bridge's note there is internal)."""
        p = stored.action.params
        original = int(p["into"])
        if p.get("requester_email"):
            self._hold(stored)
            self._c.zendesk.add_ccs(original, [p["requester_email"]])
        return {"into": original}

    def _notify(self, stored: StoredAction) -> dict[str, Any]:
        action = stored.action
        if action.params.get("kind") == "duplicate" and action.after is not None:
            merged = self._store.actions.result(action.after) or {}
            if merged.get("left_out"):
                return {"left_out": "nothing was merged"}
        values = self._placeholders(action)
        text = _fill(action.params["text"], values) or ""
        ticket_id = action.ticket_id
        channel = action.params.get("channel") or self._channel
        thread = self._thread(ticket_id, channel, stored) if ticket_id is not None else None
        channel, thread_ts = thread if thread else (channel, None)
        posted = self._earlier_post(channel, action.key, thread_ts) if stored.attempts > 0 else None
        if posted is None:
            self._hold(stored)
        channel, ts = posted or self._c.slack.post(
            channel=channel, text=text, thread_ts=thread_ts, action_key=action.key
        )
        if ticket_id is not None and thread is None:
            self._store.links.remember_thread(ticket_id, channel, ts, starter=action.key)
        return {"channel": channel, "ts": ts}

    def _thread(self, ticket_id: int, channel: str, stored: StoredAction) -> tuple[str, str] | None:
        """The ticket's Slack thread to answer in as (channel, ts); None when this notice starts one.

        The notices moved when this one, planned after the thread began, goes to another
        channel: it starts a thread there. One planned before the move answers in the
        thread wherever it is now, so it cannot drag the thread back.
        """
        key = stored.action.key
        try:
            thread = self._store.links.claim_thread(ticket_id, channel, starter=key)
            if thread is not None and thread[0] != channel and stored.created_at > posted_at(thread[1]):
                self._store.links.restart_thread(ticket_id, channel, starter=key, replacing=thread[1])
                return None
        except ThreadBusy:
            raise RetriableError("bridge", "the ticket's Slack thread is being started", retry_after=1) from None
        return thread

    # --- helpers -----------------------------------------------------------------------

    def _copy_file(self, stored: StoredAction) -> dict[str, Any]:
        """A file attached on Zendesk, copied to the issue; one too large (for this bridge, or for
        Jira) or one Zendesk will not give out stays a link in the issue's text, and is said."""
        action = stored.action
        name, url = action.params["name"], action.params["url"]
        if self._attachment_max <= 0:
            return {"left_out": "copying files is off (BRIDGE_ATTACHMENT_MAX_MB=0)"}
        key = self._issue_key(action)
        try:
            # An earlier attempt may have added it (by name and size: Jira keeps no mark of whose it is).
            on_issue = self._c.jira.attachments(key) if stored.attempts > 0 else []
            # The read ends well within the lease, so no other worker takes the action over meanwhile.
            data = self._c.zendesk.download(url, max_bytes=self._attachment_max, within=self._lease.total_seconds() / 3)
            if data is None:
                return {"issue_key": key, "file": name, "left_out": f"larger than {self._attachment_max:,} bytes"}
            if not data:
                return {"issue_key": key, "file": name, "left_out": "the file is empty"}
            if (name, len(data)) in on_issue:
                return {"issue_key": key, "file": name, "size": len(data), "found": True}
            self._hold(stored)
            added = self._c.jira.add_attachment(key, name=name, data=data)
        except NotFound as exc:  # the file (Zendesk), or the issue (Jira), is gone
            return {"issue_key": key, "file": name, "left_out": str(exc)}
        except PermanentError as exc:  # (AuthError too)
            if exc.status not in (403, 413):
                raise
            # 403: the bridge's Jira account may not add files there (or attachments are off)
            return {"issue_key": key, "file": name, "left_out": f"Jira refuses it: {exc}"}
        # The bridge's files on the issue are known by id too, not only by its account: they never
        # travel back to a ticket, though the bridge's Jira account be replaced by another.
        self._store.commit_decision(None, Decision(marks={(_ticket(action), FILE_COPIED_MARK + added): action.key}),
                                    ticket_ids=[], now=self._clock())
        return {"issue_key": key, "file": name, "size": len(data), "attachment_id": added}

    def _file_to_ticket(self, stored: StoredAction) -> dict[str, Any]:
        """A file a developer attached in Jira, in an internal note on the ticket. One too large
        for this bridge, an empty one, or one Zendesk refuses is named in the note with the
        issue's link instead; one Jira no longer gives out is left out."""
        action = stored.action
        p = action.params
        ticket_id, name, key = _ticket(action), p["name"], self._issue_key(action)  # (the issue that has the file)
        if stored.attempts > 0 and self._c.zendesk.has_signed_comment(ticket_id, action.key):
            return {"ticket_id": ticket_id, "file": name, "found": True}  # an earlier attempt wrote it
        why_not = _why_not_copied(int(p.get("size") or 0), self._attachment_max)
        data: bytes | None = None
        uploads: list[str] = []
        if why_not is None:
            try:
                # The read ends well within the lease, so no other worker takes the action over meanwhile.
                data = self._c.jira.download(
                    str(p["file_id"]), max_bytes=self._attachment_max, within=self._lease.total_seconds() / 3
                )
            except NotFound as exc:
                return {"ticket_id": ticket_id, "file": name, "left_out": f"{key}: {exc}"}
            why_not = _why_not_copied(len(data) if data is not None else self._attachment_max + 1, self._attachment_max)
        if why_not is None and data:
            self._hold(stored)
            try:
                uploads = [self._c.zendesk.upload(name, data)]
            except PermanentError as exc:  # (AuthError too)
                if exc.status not in (403, 413, 422):
                    raise
                log.warning("ticket %s: Zendesk refuses the file %s of %s: %s", ticket_id, name, key, exc)
                why_not = "Zendesk refuses it"
        note, told = p["note"], {"file": name, "issue_key": key}
        if uploads:
            told["size"] = len(data or b"")
        else:
            told["not_copied"] = why_not
            note += f" It is not copied here ({why_not}): open it on {self._c.jira.browse_url(key)}"
        return self._update_ticket(stored, p, note=note, values={}, uploads=uploads) | told

    def _status_page(self, stored: StoredAction) -> dict[str, Any]:
        """The incident of a possible system-wide issue opened (once: an earlier attempt's is
        found by its key) or moved along; an update waits for the incident to be open. The page
        is never moved back: an update to the step it shows, or an earlier one (a person may
        have moved it on), or to an incident resolved or deleted there, is left out."""
        action, page = stored.action, self._c.statuspage
        p = action.params
        if page is None:
            return {"left_out": "no status page is configured (BRIDGE_STATUSPAGE_*)"}
        if action.after is None:  # opening it
            found = page.find_incident(action.key) if stored.attempts > 0 else None
            if found is not None:
                return {"incident_id": found, "found": True}
            self._hold(stored)
            incident_id, dropped = _on_known_components(page, dict(p["components"]), lambda components: page.open_incident(
                name=p["name"], status=p["status"], body=p["body"], components=components,
                notify=bool(p["notify"]), action_key=action.key,
            ))
            return {"incident_id": incident_id, "status": p["status"]} | dropped
        incident_id = (self._store.actions.result(action.after) or {}).get("incident_id")
        if incident_id is None:
            return {"left_out": "the incident was never opened"}
        try:
            now = page.incident_status(incident_id)
        except NotFound:
            return {"incident_id": incident_id, "left_out": "the incident is gone from the page"}
        if now not in STEPS or STEPS.index(now) >= STEPS.index(p["status"]):
            return {"incident_id": incident_id, "left_out": f"the incident is {now} already"}
        self._hold(stored)
        _, dropped = _on_known_components(page, dict(p["components"]), lambda components: page.update_incident(
            incident_id, status=p["status"], body=p["body"], components=components, notify=bool(p["notify"])))
        return {"incident_id": incident_id, "status": p["status"]} | dropped

    def _hold(self, stored: StoredAction) -> None:
        """Before a write that must not happen twice: a full lease from now, so no other
        worker takes the action over while the write is in flight (however long the reads
        before it took). Lost already, the write is left to the worker that has it now."""
        if not self._store.actions.renew(stored.action.key, claim=stored.claim, until=self._clock() + self._lease):
            raise LeaseLost(stored.action.key)

    def _earlier_post(self, channel: str, action_key: str, thread_ts: str | None) -> tuple[str, str] | None:
        """The message an earlier attempt posted, if Slack lets us look (channels:history)."""
        try:
            return self._c.slack.find_posted(channel=channel, action_key=action_key, thread_ts=thread_ts)
        except PermanentError as exc:  # missing scope, or a channel given by name: posting is still right
            log.warning("cannot look for an earlier post of %s (%s); posting", action_key, exc)
            return None

    def _attach_outcome(self, action: Action) -> str | None:
        """For the comment and note of an attach (or of a ticket following an original issue):
        "relinked" when the issue listed the ticket already, "missing" when the issue is not
        there, "left_out" when the ticket did not move; None when they are to be made."""
        if not action.params.get("attached") or action.after is None:
            return None
        result = self._store.actions.result(action.after) or {}
        if result.get("left_out") or (result.get("old_gone") and action.issue_key == result.get("moved_from")):
            return "left_out"
        return "missing" if result.get("missing") else "relinked" if result.get("relinked") else None

    def _issue_key(self, action: Action) -> str:
        if action.issue_key:
            return action.issue_key
        link = self._store.links.for_ticket(_ticket(action))
        if link is None:
            raise PermanentError("bridge", f"{action.key}: ticket has no linked issue")
        return link.issue_key

    def _placeholders(self, action: Action) -> dict[str, str]:
        if action.ticket_id is None or self._store.links.for_ticket(action.ticket_id) is None:
            return {}
        key = self._issue_key(action)
        return {"issue_key": key, "issue_url": self._c.jira.browse_url(key), "issue_tag": issue_tag(key)}


def _why_not_copied(size: int, max_bytes: int) -> str | None:
    """Why a file of `size` bytes is not copied; None: it is."""
    if max_bytes <= 0:
        return "copying files is off"
    if size > max_bytes:
        return f"larger than {max_bytes / 1024 / 1024:g} MB"
    return "the file is empty" if size <= 0 else None


def _on_known_components(
    page: StatuspageConnector, components: dict[str, str], call: Callable[[dict[str, str]], T]
) -> tuple[T, dict[str, Any]]:
    """`call` with the components; refused (422) for one the page lacks (rules.yaml named it,
    and the daemon warned at start), again with those the page has, and the rest said: the
    public incident matters more than a component's status."""
    try:
        return call(components), {}
    except PermanentError as exc:
        if exc.status != 422 or not components:
            raise
        known = page.component_ids()
        kept = {cid: status for cid, status in components.items() if cid in known}
        if len(kept) == len(components):
            raise
        return call(kept), {"components_unknown": sorted(set(components) - set(kept))}


def _ticket(action: Action) -> int:
    if action.ticket_id is None:
        raise PermanentError("bridge", f"{action.key}: no ticket")
    return action.ticket_id


def _not_found_note(key: str, *, moved_from: str | None, by_tag: bool = False) -> str:
    """What the agents are told when the issue a ticket was to join is not there."""
    if moved_from and by_tag:
        return (
            f"The tag {issue_tag(key)} names no Jira issue: {key} was not found (or the bridge's Jira account "
            f"cannot see it), so the ticket stays linked to {moved_from}. Correct the tag, or replace it with "
            f"{issue_tag(moved_from)} to keep the ticket on {moved_from}."
        )
    if moved_from:
        return (
            f"{moved_from} was closed in Jira as a duplicate of {key}, which the bridge's Jira account cannot "
            f"find: the ticket stays linked to {moved_from}. Decide what this ticket needs now."
        )
    return (
        f"The tag {issue_tag(key)} names no Jira issue: {key} was not found (or the bridge's Jira account "
        "cannot see it), so the ticket is not linked. Correct the tag, or remove it to let the rules "
        "escalate the ticket."
    )


def _more_than_a_move(params: Mapping[str, Any]) -> bool:
    """Whether a ticket update has more to do than move the ticket to a group."""
    return any(params.get(other) for other in ("note", "status", "priority", "add_tags", "remove_tags"))


def _fill(template: str | None, values: Mapping[str, str]) -> str | None:
    if template is None:
        return None
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template

