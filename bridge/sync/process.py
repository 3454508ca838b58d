"""Turns inbox events into planned actions: fetch the ticket, decide, record — atomically."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Callable

from bridge.connectors.errors import AuthError, NotFound, PermanentError, RetriableError
from bridge.codec import issue_from_json, ticket_from_json
from bridge.connectors.jira import JiraConnector, tickets_from_labels
from bridge.connectors.jira_json import links_the_issue, moved_from_key, moves_the_issue
from bridge.connectors.zendesk import ZendeskConnector
from bridge.connectors.zendesk_json import OWN_CHANGE, parse_time
from bridge.model import DELETED_STATUS, Decision, Event, EventSource, Link, Ticket, TicketState
from bridge.rules import Rules
from bridge.store import ClaimLost, Conflict, Store, StoredEvent, store_unavailable
from bridge.sync.backsync import backsync, issue_deleted, issue_moved
from bridge.sync.decide import decide
from bridge.sync.duplicates import tagged_issue
from bridge.sync.execute import LEASE, MAX_BACKOFF, backoff
from bridge.sync.custom_fields import rules_read_custom_fields
from bridge.sync.own_update import same_view
from bridge.sync.poll import SECOND_CLOSED, ticket_event
from bridge.sync.sweep import NEEDS_FULL_TICKET

log = logging.getLogger(__name__)

# A ticket read before its update's second has surely closed is read once more afterwards
# (see SECOND_CLOSED in sync/poll.py).
RECHECK_DELAY = timedelta(seconds=2)


class Processor:
    def __init__(
        self,
        *,
        store: Store,
        zendesk: ZendeskConnector,
        jira: JiraConnector,
        rules: Callable[[], Rules],
        clock: Callable[[], datetime],
        default_project: str,
        decision_clock: Callable[[], datetime] | None = None,
        max_attempts: int = 8,
        lease: timedelta = LEASE,
        retry_base: float = 2.0,
        retry_max: float = MAX_BACKOFF.total_seconds(),
        status_page: bool = False,
    ) -> None:
        self._backoff = partial(backoff, base=retry_base, most=retry_max)  # (attempt, Retry-After) -> delay
        self._status_page = status_page  # one is configured: a possible system-wide issue keeps an incident there
        self._store = store
        self._zendesk = zendesk
        self._jira = jira
        self._rules = rules  # a provider: the daemon swaps in reloaded rules between events
        self._clock = clock  # real time: leases and retries
        # The time rules and SLAs are judged at; the demo runs it faster than real time.
        self._decision_clock = decision_clock or clock
        self._project = default_project
        self._max_attempts = max_attempts
        self._lease = lease
        self._custom_fields_read: tuple[Rules | None, bool] = (None, True)  # per rules in force

    def run_ready(self, *, limit: int = 5) -> int:
        """Process what is waiting; returns how many events were taken.

        Several per claim: processing an event twice (a lease run out) plans nothing twice."""
        now = self._clock()
        claimed = self._store.inbox.claim(now=now, limit=limit, lease=self._lease)
        for stored in claimed:
            if self._clock() >= now + self._lease:
                # The batch outlasted its lease: another worker may hold the rest by now. They are
                # left to be taken again, rather than read in full only to be dropped.
                log.warning("event %s: its lease ran out before its turn; it is taken again", stored.event.event_id)
                continue
            self._attempt(stored)
        return len(claimed)

    def _attempt(self, stored: StoredEvent) -> None:
        now = self._clock()
        try:
            self._process(stored)
        except ClaimLost:
            log.warning("event %s: its lease ran out and another worker has taken it over; this attempt's decision is "
                        "dropped", stored.event.event_id)
        except (AuthError, Conflict) as exc:
            # Credentials need an operator, a conflict a fresh look: neither is a reason to drop the event.
            retry_at = now + self._backoff(stored.attempts + 1, None)
            log.warning("event %s will be retried: %s", stored.event.event_id, exc)
            self._store.inbox.retry(stored.row_id, error=str(exc), not_before=retry_at, give_up=False, claim=stored.claim)
        except PermanentError as exc:
            log.warning("event %s dropped: %s", stored.event.event_id, exc)
            self._store.inbox.retry(stored.row_id, error=str(exc), not_before=None, give_up=True, claim=stored.claim)
        except Exception as exc:  # noqa: BLE001 — the edge: log with ids, carry on
            if store_unavailable(exc):
                raise  # not the event's fault: the worker waits for the store; the event is taken again after its lease
            # A service's "not now" (429, 5xx, a timeout) only delays the change: given up on, it
            # would never be judged. Only what no retry mends (a fault of the bridge's) ends dead.
            transient = isinstance(exc, RetriableError)
            if not transient:
                log.exception("event %s failed", stored.event.event_id)
            give_up = not transient and stored.attempts + 1 >= self._max_attempts
            retry_at = now + self._backoff(stored.attempts + 1, getattr(exc, "retry_after", None))
            self._store.inbox.retry(
                stored.row_id, error=str(exc), not_before=retry_at, give_up=give_up, claim=stored.claim
            )

    def _close(self, stored: StoredEvent) -> None:
        """Nothing to decide: the event is done, unless another worker holds it by now."""
        if not self._store.inbox.done(stored.row_id, claim=stored.claim):
            raise ClaimLost(f"event {stored.event.event_id}: another worker holds it now")

    def _process(self, stored: StoredEvent) -> None:
        event = stored.event
        if event.source is EventSource.ZENDESK:
            self._process_ticket(stored, event)
        elif event.source is EventSource.JIRA:
            self._process_issue(stored, event)
        else:
            self._close(stored)

    def _process_ticket(self, stored: StoredEvent, event: Event) -> None:
        seen = ticket_from_json(event.payload["ticket"]) if event.payload.get("ticket") else None
        detail = event.payload.get("detail") if seen is None else None  # a webhook's description
        known = self._store.snapshots.get(int(event.subject)) if seen or detail else None
        if self._judged_already(event, seen, known):
            self._store.commit_decision(stored, Decision(), ticket_ids=[int(event.subject)], now=self._clock())
            return
        newest = known.updated_at if known else None
        # The executor's view of the bridge's own update is complete (see sync/own_update.py);
        # a webhook of it alone carries no view and is read like anyone's change.
        own_view = seen if event.kind == OWN_CHANGE else None
        try:
            ticket = self._read(event, seen, detail, own_view, newest)
            state = self._store.ticket_state(ticket.id, tagged=tagged_issue(ticket, self._rules()))
            decision = decide(ticket, state, self._rules(), now=self._decision_clock(), default_project=self._project)
            if own_view is not None and any(action.kind in NEEDS_FULL_TICKET for action in decision.actions):
                # The view holds the stored copy's shortened texts: an issue or a mirrored comment
                # is made from the ticket as Zendesk has it.
                own_view, ticket = None, self._zendesk.ticket(ticket.id)
                decision = decide(ticket, state, self._rules(), now=self._decision_clock(), default_project=self._project)
        except NotFound:
            self._gone(stored, event, known)
            return
        now = self._clock()
        self._store.commit_decision(stored, decision, ticket_ids=[ticket.id], now=now, snapshot=ticket)
        if own_view is None and now - ticket.updated_at < SECOND_CLOSED:
            # A change later in the same second would carry this event's id and be dropped as seen.
            plain = ticket_event(ticket, snapshot=False)
            recheck = replace(plain, kind="ticket.recheck", event_id=plain.event_id + ":recheck")
            self._store.inbox.add([recheck], now=now, not_before=now + RECHECK_DELAY)
        if decision.actions:
            log.info("ticket %s: planned %s", ticket.id, ", ".join(a.key for a in decision.actions))

    def _read(
        self, event: Event, seen: Ticket | None, detail: dict | None, own_view: Ticket | None, newest: datetime | None
    ) -> Ticket:
        """The ticket to judge: the view that came with the event, completed, or a fresh read."""
        if own_view is not None:
            return own_view
        if seen is not None and (newest is None or seen.updated_at >= newest):
            # A deleted ticket's comments can no longer be read; nothing is done for it anyway.
            return seen if seen.status == DELETED_STATUS else self._zendesk.with_comments(seen)
        if detail and self._detail_is_enough(detail, newest):
            return self._zendesk.completed(detail)
        return self._zendesk.ticket(int(event.subject))  # no view, or a newer one is known: as it is now

    def _gone(self, stored: StoredEvent, event: Event, known: Ticket | None) -> None:
        """Zendesk says the ticket does not exist (deleted since the event): nothing to do for
        it, and its stored copy says so, so that sweeps leave it alone.

        Only a copy no newer than the event is marked: a newer one may be of the ticket
        restored meanwhile (the export reports a deletion anyway)."""
        ticket_id = int(event.subject)
        log.info("ticket %s: Zendesk has no such ticket (deleted); nothing to do", ticket_id)
        if known is None:
            known = self._store.snapshots.get(ticket_id)
        snapshot = None
        if known is not None and known.updated_at <= event.occurred_at:
            snapshot = replace(known, status=DELETED_STATUS)
        self._store.commit_decision(stored, Decision(), ticket_ids=[ticket_id], now=self._clock(), snapshot=snapshot)

    def _detail_is_enough(self, detail: dict, newest: datetime | None) -> bool:
        """A webhook's description serves (with the comments read) unless a newer view is
        known or the rules read custom fields, which webhooks do not carry."""
        rules = self._rules()
        if self._custom_fields_read[0] is not rules:
            self._custom_fields_read = (rules, rules_read_custom_fields(rules))
        fresh = newest is None or parse_time(detail.get("updated_at")) >= newest
        return fresh and not self._custom_fields_read[1]

    def _judged_already(self, event: Event, seen: Ticket | None, known: Ticket | None) -> bool:
        """Whether the event shows nothing the bridge has not judged (or will judge from its
        own record): the bridge's own updates, however they come back (sync/own_update.py)."""
        ticket_id = int(event.subject)
        if seen is None:  # a webhook of the bridge's own update: covered if the executor recorded it
            return event.kind == OWN_CHANGE and bool(self._store.inbox.own_views(ticket_id, event.occurred_at))
        if event.kind == OWN_CHANGE:
            return known is not None and self._own_view_judged(seen, known)
        if "type" in event.payload:
            return False  # a webhook says someone changed the ticket in this second: read what they did
        # A poll showing the ticket exactly as the bridge left it (comments are not in the export).
        if known is not None and same_view(known, seen):
            return True
        return any(same_view(view, seen) for view in self._store.inbox.own_views(ticket_id, seen.updated_at))

    def _own_view_judged(self, view: Ticket, known: Ticket) -> bool:
        """Whether the stored copy makes the view of the bridge's own update redundant: a later
        change was judged, or this second's copy holds it already, or came from a read (which
        saw this update, and maybe someone's change in the same second that the view lacks)."""
        if view.updated_at != known.updated_at:
            return view.updated_at < known.updated_at
        if same_view(known, view) and _comment_ids(view) <= _comment_ids(known):
            return True
        # Another own update of this second is stored: this later one adds to it.
        others = self._store.inbox.own_views(known.id, known.updated_at)
        return not any(same_view(other, known) and _comment_ids(other) == _comment_ids(known) for other in others)

    def _own_change(self, event: Event) -> bool:
        """An issue created or edited by the bridge's account without a status change, a move or
        a link: the bridge makes none of them, so there is nothing to mirror and nothing to read.
        (A comment event is always read: a person may share the account; signed comments are
        skipped later anyway.)"""
        actor = event.payload.get("actor")
        if not actor or event.kind not in ("issue_created", "issue_updated"):
            return False
        changelog = event.payload.get("changelog")
        if moves_the_issue(changelog) or links_the_issue(changelog):
            return False  # the bridge never moves an issue (to another status or project) nor links it
        return actor == self._jira.account_id()

    def _process_issue(self, stored: StoredEvent, event: Event) -> None:
        links = self._store.links.for_issue(event.subject)
        moved_from = self._moved_from(event) if not links else None
        if moved_from is not None:
            links = self._store.links.for_issue(moved_from)
        if not links or self._own_change(event):
            self._close(stored)
            return
        linked = [(link, self._store.ticket_state(link.ticket_id)) for link in links]
        statuses = {
            link.ticket_id: snapshot.status
            for link in links
            if (snapshot := self._store.snapshots.get(link.ticket_id)) is not None
        }
        if event.kind == "issue_deleted":
            decision = issue_deleted(event.subject, linked, ticket_statuses=statuses)
            self._store.commit_decision(stored, decision, ticket_ids=[link.ticket_id for link in links], now=self._clock())
            log.warning("issue %s was deleted in Jira; linked tickets told: %s", event.subject, _numbers(links))
            return
        self._mirror_issue(stored, event, linked, statuses, moved_from=moved_from)

    def _mirror_issue(
        self, stored: StoredEvent, event: Event, linked: list[tuple[Link, TicketState]], statuses: dict[int, str], *,
        moved_from: str | None,
    ) -> None:
        """The issue's status and comments carried to its tickets; a move to another project followed."""
        links = [link for link, _ in linked]
        seen = event.payload.get("issue")
        issue = issue_from_json(seen) if seen else self._jira.issue(event.subject)
        deleted = event.payload.get("comment_id") if event.kind == "comment_deleted" else None
        decision = backsync(issue, linked, self._rules(), ticket_statuses=statuses,
                            deleted_comment=str(deleted) if deleted is not None else None, status_page=self._status_page,
                            bridge_account=self._bridge_account() if issue.files else None)
        if moved_from is not None:
            moved = issue_moved(moved_from, issue.key, linked, ticket_statuses=statuses)
            decision = replace(decision, actions=[*moved.actions, *decision.actions])
        for ticket_id, text in decision.notes:
            log.warning("ticket %s: %s", ticket_id, text)
        self._store.commit_decision(stored, decision, ticket_ids=[link.ticket_id for link in links], now=self._clock())
        if moved_from is not None:
            # After the decision: should this fail, the next event of the issue finds the move again
            # (its note is planned once, whichever event plans it).
            self._store.links.rekey(moved_from, issue.key)
            log.warning("issue %s is now %s (moved in Jira); its tickets follow it: %s", moved_from, issue.key,
                        _numbers(links))
        if decision.actions:
            log.info("issue %s: planned %s", issue.key, ", ".join(a.key for a in decision.actions))

    def _bridge_account(self) -> str | None:
        """The bridge's own Jira account, which files it copied are known by; None (no file is
        copied) when Jira will not say. Transient failures are retried with the event."""
        try:
            return self._jira.account_id() or None
        except PermanentError as exc:
            log.warning("developers' files are not copied: the bridge's Jira account is not known (%s)", exc)
            return None

    def _moved_from(self, event: Event) -> str | None:
        """The key a linked issue had before it was moved to another project and became
        `event.subject`: from the move's changelog, or (a poll's view, which has none) from the
        issue's `zendesk-<ticket>` label, confirmed by reading that ticket's issue: Jira answers
        a former key with the moved issue, and a clone, which copies labels, is not taken for it."""
        old = moved_from_key(event.payload.get("changelog"), event.subject)
        if old is not None or not event.payload.get("issue"):
            return old
        for ticket_id in tickets_from_labels(issue_from_json(event.payload["issue"]).labels):
            link = self._store.links.for_ticket(ticket_id)
            if link is None or link.issue_key == event.subject:
                continue
            try:
                if self._jira.issue(link.issue_key).key == event.subject:
                    return link.issue_key
            except PermanentError:
                continue  # deleted, or not ours to read: not this issue's former key
        return None


def _numbers(links: list[Link]) -> str:
    return ", ".join(f"#{link.ticket_id}" for link in links)


def _comment_ids(ticket: Ticket) -> set[str]:
    return {comment.id for comment in ticket.comments}
