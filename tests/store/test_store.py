"""The store keeps work exactly once: deduped events, idempotent plans, leases, cursors."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from bridge.model import Action, ActionKind, Decision, Event, EventSource, LinkedTicket, Ticket
from bridge.store import ClaimLost, open_store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
LEASE = timedelta(seconds=30)


def event(event_id: str, subject: str = "1") -> Event:
    return Event(EventSource.ZENDESK, "ticket.changed", event_id, subject, NOW, {"n": 1})


def test_the_same_event_by_webhook_and_poll_is_stored_once(store_url: str) -> None:
    store = open_store(store_url)
    assert store.inbox.add([event("ticket:1:a")], now=NOW) == 1
    assert store.inbox.add([event("ticket:1:a"), event("ticket:1:b")], now=NOW) == 1
    claimed = store.inbox.claim(now=NOW, limit=10, lease=LEASE)
    assert [c.event.event_id for c in claimed] == ["ticket:1:a", "ticket:1:b"]
    assert claimed[0].event.payload == {"n": 1}
    assert claimed[0].event.occurred_at == NOW


def test_a_claimed_event_is_not_handed_out_twice_until_its_lease_expires(store_url: str) -> None:
    store = open_store(store_url)
    store.inbox.add([event("e1")], now=NOW)
    assert len(store.inbox.claim(now=NOW, limit=10, lease=LEASE)) == 1
    assert store.inbox.claim(now=NOW + timedelta(seconds=10), limit=10, lease=LEASE) == []
    retaken = store.inbox.claim(now=NOW + timedelta(seconds=31), limit=10, lease=LEASE)
    assert [r.attempts for r in retaken] == [1]  # the crashed worker's attempt counts


def test_a_worker_whose_lease_ran_out_cannot_free_or_bury_what_another_worker_holds(store_url: str) -> None:
    store = open_store(store_url)
    store.inbox.add([event("e1")], now=NOW)
    store.commit_decision(None, Decision([Action(ActionKind.NOTIFY, "n:1", ticket_id=1, params={"text": "t"})]), ticket_ids=[1], now=NOW)
    late = NOW + LEASE + timedelta(seconds=1)
    [slow_event] = store.inbox.claim(now=NOW, limit=1, lease=LEASE)
    [slow_action] = store.actions.claim(now=NOW, limit=1, lease=LEASE)
    [event_now] = store.inbox.claim(now=late, limit=1, lease=LEASE)
    [action_now] = store.actions.claim(now=late, limit=1, lease=LEASE)

    # The slow worker's failures come in late: they change nothing.
    assert not store.inbox.retry(slow_event.row_id, error="x", not_before=None, give_up=True, claim=slow_event.claim)
    assert not store.actions.failed("n:1", error="x", retry_at=late, claim=slow_action.claim)
    assert not store.actions.renew("n:1", claim=slow_action.claim, until=late + LEASE)
    assert store.inbox.claim(now=late, limit=1, lease=LEASE) == []  # still held by the other worker
    assert store.actions.claim(now=late, limit=1, lease=LEASE) == []
    # The worker holding them now renews and ends them.
    assert store.actions.renew("n:1", claim=action_now.claim, until=late + LEASE)
    assert store.actions.done("n:1", result={}, now=late, claim=action_now.claim)
    assert store.inbox.retry(event_now.row_id, error="y", not_before=late, give_up=False, claim=event_now.claim)
    assert not store.actions.failed("n:1", error="x", retry_at=None, claim=action_now.claim)  # done stays done
    assert store.actions.counts() == {"done": 1}



def test_a_late_worker_keeps_nothing_of_its_decision_and_cannot_close_an_event_another_worker_holds(store_url: str) -> None:
    store = open_store(store_url)
    store.inbox.add([event("e1"), event("e2", subject="2")], now=NOW)
    late = NOW + LEASE + timedelta(seconds=1)
    slow = store.inbox.claim(now=NOW, limit=2, lease=LEASE)
    taken = store.inbox.claim(now=late, limit=2, lease=LEASE)  # both leases ran out: another worker has them
    note = Action(ActionKind.NOTIFY, "n:1", ticket_id=1, params={"text": "t"})
    with pytest.raises(ClaimLost):
        store.commit_decision(slow[0], Decision([note], {(1, "seen"): "9"}), ticket_ids=[1], now=late)
    assert store.ticket_state(1).planned == frozenset() and store.ticket_state(1).marks == {}
    assert not store.inbox.done(slow[1].row_id, claim=slow[1].claim)
    # The worker holding them now fails one (to be retried) and finishes the other: both stand.
    assert store.inbox.retry(taken[0].row_id, error="503", not_before=late + LEASE, give_up=False, claim=taken[0].claim)
    assert store.inbox.done(taken[1].row_id, claim=taken[1].claim)
    assert [e.event.event_id for e in store.inbox.claim(now=late + 2 * LEASE, limit=5, lease=LEASE)] == ["e1"]


def test_a_stalled_worker_stays_fenced_out_after_its_work_is_revived_and_claimed_again(store_url: str) -> None:
    # `bridge retry` (actions) and a change seen again (events) start attempts afresh: a worker
    # stalled since before must not pass for the one that claimed the work since.
    store = open_store(store_url)
    store.inbox.add([event("e1")], now=NOW)
    store.commit_decision(None, Decision([Action(ActionKind.NOTIFY, "n:1", ticket_id=1, params={"text": "t"})]), ticket_ids=[1], now=NOW)
    [stalled_event] = store.inbox.claim(now=NOW, limit=1, lease=LEASE)
    [first] = store.actions.claim(now=NOW, limit=1, lease=LEASE)
    assert store.actions.failed("n:1", error="HTTP 503", retry_at=NOW, claim=first.claim)
    [stalled_action] = store.actions.claim(now=NOW, limit=1, lease=LEASE)  # its second attempt
    late = NOW + LEASE + timedelta(seconds=1)
    [event_b] = store.inbox.claim(now=late, limit=1, lease=LEASE)
    [action_b] = store.actions.claim(now=late, limit=1, lease=LEASE)
    assert store.inbox.retry(event_b.row_id, error="404", not_before=None, give_up=True, claim=event_b.claim)
    assert store.actions.failed("n:1", error="HTTP 400", retry_at=None, claim=action_b.claim)
    assert store.inbox.add([event("e1")], now=late) == 1  # seen again: queued afresh
    assert store.actions.revive() == 1
    [event_c] = store.inbox.claim(now=late, limit=1, lease=LEASE)
    [action_c] = store.actions.claim(now=late, limit=1, lease=LEASE)
    assert (event_c.attempts, action_c.attempts) == (stalled_event.attempts, stalled_action.attempts)  # counted afresh

    assert not store.actions.renew("n:1", claim=stalled_action.claim, until=late + LEASE)
    assert not store.actions.done("n:1", result={}, now=late, claim=stalled_action.claim)
    assert not store.inbox.retry(stalled_event.row_id, error="late", not_before=None, give_up=True, claim=stalled_event.claim)
    assert store.actions.done("n:1", result={}, now=late, claim=action_c.claim)
    assert store.inbox.retry(event_c.row_id, error="503", not_before=late, give_up=False, claim=event_c.claim)
    assert store.inbox.count("pending") == 1 and store.actions.counts() == {"done": 1}



def test_a_store_made_before_claims_were_counted_gets_the_count_and_keeps_its_work(store_url: str) -> None:
    store = open_store(store_url)
    store.inbox.add([event("e1")], now=NOW)
    store.commit_decision(None, Decision([Action(ActionKind.NOTIFY, "n:1", ticket_id=1, params={"text": "t"})]), ticket_ids=[1], now=NOW)
    with store.engine.begin() as conn:  # as an earlier version left it
        for table in ("events", "actions"):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN claims"))
    store.close()

    store = open_store(store_url)
    [taken] = store.inbox.claim(now=NOW, limit=1, lease=LEASE)
    [action] = store.actions.claim(now=NOW, limit=1, lease=LEASE)
    assert (taken.claim, action.claim) == (1, 1)
    assert store.actions.done("n:1", result={}, now=NOW, claim=action.claim)


def test_the_cursor_moves_with_the_events_it_covers(store_url: str) -> None:
    store = open_store(store_url)
    store.inbox.add([event("e1")], now=NOW, cursor=("zendesk", "c1"))
    store.inbox.add([], now=NOW, cursor=("zendesk", "c2"))
    assert store.cursor("zendesk") == "c2"
    assert store.cursor("jira") is None


def test_actions_are_planned_once_and_wait_for_their_prerequisite(store_url: str) -> None:
    store = open_store(store_url)
    create = Action(ActionKind.CREATE_ISSUE, "create:1", ticket_id=1, params={"summary": "s"})
    note = Action(ActionKind.NOTE_TICKET, "note:1", ticket_id=1, after="create:1")
    store.inbox.add([event("e1")], now=NOW)
    [stored] = store.inbox.claim(now=NOW, limit=1, lease=LEASE)
    assert store.commit_decision(stored, Decision([create, note]), ticket_ids=[1], now=NOW) == 2
    assert store.commit_decision(None, Decision([create, note]), ticket_ids=[1], now=NOW) == 0
    assert store.ticket_state(1).planned == {"create:1", "note:1"}

    ready = store.actions.claim(now=NOW, limit=10, lease=LEASE)
    assert [r.action.key for r in ready] == ["create:1"]
    assert ready[0].action.params == {"summary": "s"}
    store.actions.done("create:1", result={"issue_key": "SUP-1"}, now=NOW)
    assert [r.action.key for r in store.actions.claim(now=NOW, limit=10, lease=LEASE)] == ["note:1"]
    assert store.actions.result("create:1") == {"issue_key": "SUP-1"}


def test_an_event_given_up_on_is_listed_and_queued_again_by_retry_or_a_new_sighting(store_url: str) -> None:
    store = open_store(store_url)
    store.inbox.add([event("e1"), event("e2")], now=NOW)
    for stored in store.inbox.claim(now=NOW, limit=2, lease=LEASE):
        store.inbox.retry(stored.row_id, error="KeyError: 'ticket'", not_before=None, give_up=True)
    assert [(d.event_id, d.last_error) for d in store.inbox.dead()] == [("e1", "KeyError: 'ticket'"), ("e2", "KeyError: 'ticket'")]
    assert store.inbox.dead_among(["e1", "e9"]) == {"e1"}
    assert store.inbox.revive(["e1"]) == 1 and [d.event_id for d in store.inbox.dead()] == ["e2"]
    # A backfill or a poll seeing the change again: it would never be judged otherwise.
    assert store.inbox.add([event("e2")], now=NOW) == 1
    assert store.inbox.dead() == [] and store.inbox.count("pending") == 2
    [again, _] = store.inbox.claim(now=NOW, limit=2, lease=LEASE)
    assert again.attempts == 0  # from its first attempt, as a new event


def test_failed_actions_retry_later_and_dead_letters_can_be_revived(store_url: str) -> None:
    store = open_store(store_url)
    store.inbox.add([event("e1")], now=NOW)
    [stored] = store.inbox.claim(now=NOW, limit=1, lease=LEASE)
    store.commit_decision(stored, Decision([Action(ActionKind.NOTIFY, "n:1", ticket_id=1)]), ticket_ids=[1], now=NOW)
    store.actions.claim(now=NOW, limit=1, lease=LEASE)
    store.actions.failed("n:1", error="HTTP 503", retry_at=NOW + timedelta(minutes=1))
    assert store.actions.claim(now=NOW + timedelta(seconds=59), limit=1, lease=LEASE) == []
    [again] = store.actions.claim(now=NOW + timedelta(minutes=1), limit=1, lease=LEASE)
    assert again.attempts == 1 and again.last_error == "HTTP 503"
    store.actions.failed("n:1", error="HTTP 400", retry_at=None)
    assert [d.action.key for d in store.actions.with_status("dead")] == ["n:1"]
    assert store.actions.counts() == {"dead": 1}
    assert store.actions.revive() == 1
    assert len(store.actions.claim(now=NOW + timedelta(minutes=2), limit=1, lease=LEASE)) == 1


def test_links_many_tickets_to_one_issue_and_keep_the_first_link(store_url: str) -> None:
    store = open_store(store_url)
    store.links.add(1, "SUP-1", now=NOW)
    store.links.add(2, "SUP-1", now=NOW)
    assert store.links.add(1, "SUP-9", now=NOW).issue_key == "SUP-1"
    assert [link.ticket_id for link in store.links.for_issue("SUP-1")] == [1, 2]
    store.links.remember_thread(1, "C1", "111.1", starter="notify:1")
    assert store.links.thread(1) == ("C1", "111.1")


def test_an_unlinked_ticket_tagged_with_an_issue_is_handed_the_open_tickets_of_that_issue(store_url: str) -> None:
    store = open_store(store_url)

    def seen(ticket_id: int, organization: str | None, status: str = "open") -> Ticket:
        return Ticket(ticket_id, "Checkout fails", "500", status, "high", "incident", frozenset(), NOW, NOW,
                      organization=organization)

    for ticket_id, organization, status in ((1, "Acme", "hold"), (2, "Globex", "open"), (3, "Acme", "solved")):
        store.commit_decision(None, Decision(), ticket_ids=[ticket_id], now=NOW, snapshot=seen(ticket_id, organization, status))
        store.links.add(ticket_id, "SUP-1", now=NOW + timedelta(minutes=10 - ticket_id))
    store.links.add(4, "SUP-2", now=NOW)  # another issue's
    states = store.ticket_states([1, 5, 6], tagged={1: "SUP-1", 5: "SUP-1"})
    assert states[5].issue_tickets == (  # in the order they were linked; the solved one is nobody's original
        LinkedTicket(2, "Globex", NOW + timedelta(minutes=8)),
        LinkedTicket(1, "Acme", NOW + timedelta(minutes=9)),
    )
    assert states[1].issue_tickets == ()  # linked already: duplicates are told when a ticket joins
    assert states[6].issue_tickets == ()  # neither linked nor tagged
    assert store.ticket_state(5).issue_tickets == ()  # its tag not given (the rules merge nothing): no lookup


def test_history_keeps_the_order_things_happened(store_url: str) -> None:
    store = open_store(store_url)
    store.history.add(7, "event", "first", now=NOW)
    store.history.add(7, "done", "second", now=NOW + timedelta(seconds=1))
    assert [(e.what, e.detail) for e in store.history.of(7)] == [("event", "first"), ("done", "second")]
    assert store.history.of(8) == []


def test_marks_are_kept_with_the_plan_and_replaced_by_later_ones(store_url: str) -> None:
    store = open_store(store_url)
    store.inbox.add([event("e1"), event("e2")], now=NOW)
    first, second = store.inbox.claim(now=NOW, limit=2, lease=LEASE)
    store.commit_decision(first, Decision([], {(5, "jira_status"): "In Progress"}), ticket_ids=[5], now=NOW)
    assert store.ticket_state(5).marks == {"jira_status": "In Progress"}
    store.commit_decision(second, Decision([], {(5, "jira_status"): "Done"}), ticket_ids=[5], now=NOW)
    assert store.ticket_state(5).marks == {"jira_status": "Done"}
    assert store.inbox.count("done") == 2


def test_a_decision_based_on_a_mark_that_changed_meanwhile_is_not_applied(store_url: str) -> None:
    from bridge.store import Conflict

    store = open_store(store_url)
    store.inbox.add([event("e1"), event("e2")], now=NOW)
    first, second = store.inbox.claim(now=NOW, limit=2, lease=LEASE)
    seen_open = {(5, "jira_status"): "Open"}
    store.commit_decision(first, Decision([], {(5, "jira_status"): "Open"}), ticket_ids=[5], now=NOW)
    moved = Decision([Action(ActionKind.NOTE_TICKET, "status:5:x", ticket_id=5)], {(5, "jira_status"): "Done"},
                     expect={(5, "jira_status"): None})  # decided before "Open" was recorded
    try:
        store.commit_decision(second, moved, ticket_ids=[5], now=NOW)
        raise AssertionError("a stale decision was applied")
    except Conflict:
        pass
    assert store.ticket_state(5).marks == {"jira_status": "Open"} and store.ticket_state(5).planned == frozenset()
    assert store.inbox.count("done") == 1  # the event stays to be looked at again
    store.commit_decision(second, replace(moved, expect=seen_open), ticket_ids=[5], now=NOW)
    assert store.ticket_state(5).marks == {"jira_status": "Done"}


def test_one_notice_starts_a_tickets_thread_the_others_wait_for_it(store_url: str) -> None:
    from bridge.store.links import ThreadBusy

    store = open_store(store_url)
    assert store.links.claim_thread(9, "C1", starter="notify:a") is None  # a starts the thread
    assert store.links.claim_thread(9, "C1", starter="notify:a") is None  # a's retry still may
    try:
        store.links.claim_thread(9, "C1", starter="notify:b")
        raise AssertionError("two notices started one ticket's thread")
    except ThreadBusy:
        pass
    assert store.links.thread(9) is None
    store.links.remember_thread(9, "C1", "100.1", starter="notify:a")
    assert store.links.claim_thread(9, "C1", starter="notify:b") == ("C1", "100.1")
    assert store.links.thread(9) == ("C1", "100.1")


def test_a_thread_moves_once_however_many_notices_saw_it_where_it_was(store_url: str) -> None:
    from bridge.store.links import ThreadBusy

    store = open_store(store_url)
    assert store.links.claim_thread(9, "C1", starter="notify:a") is None
    store.links.remember_thread(9, "C1", "100.1", starter="notify:a")
    # b and c both read the thread in C1 and both would start one in C2: b is first.
    store.links.restart_thread(9, "C2", starter="notify:b", replacing="100.1")
    try:
        store.links.restart_thread(9, "C2", starter="notify:c", replacing="100.1")
        raise AssertionError("two notices restarted one ticket's thread")
    except ThreadBusy:
        pass
    assert store.links.claim_thread(9, "C2", starter="notify:b") is None  # b's retry still may
    store.links.remember_thread(9, "C2", "200.1", starter="notify:b")
    assert store.links.claim_thread(9, "C2", starter="notify:c") == ("C2", "200.1")
    # A late answer of a notice that no longer holds the thread does not overwrite it.
    store.links.remember_thread(9, "C1", "300.1", starter="notify:a")
    assert store.links.thread(9) == ("C2", "200.1")


def test_a_change_seen_again_while_waiting_gets_what_the_second_sighting_adds(store_url: str) -> None:
    store = open_store(store_url)
    webhook = Event(EventSource.ZENDESK, "ticket.changed", "ticket:1:t", "1", NOW, {"type": "zen:event-type:ticket.created"})
    poll = Event(EventSource.ZENDESK, "ticket.changed", "ticket:1:t", "1", NOW, {"ticket": "{}"})
    store.inbox.add([webhook], now=NOW)
    assert store.inbox.add([poll], now=NOW) == 0
    [waiting] = store.inbox.claim(now=NOW, limit=1, lease=LEASE)
    # the poll's view saves a read; the webhook's word that someone changed the ticket stays
    assert waiting.event.payload == {"type": "zen:event-type:ticket.created", "ticket": "{}"}


def test_two_webhooks_of_one_second_that_describe_the_ticket_differently_are_not_trusted(store_url: str) -> None:
    store = open_store(store_url)
    first = Event(EventSource.ZENDESK, "ticket.changed", "ticket:1:t", "1", NOW, {"type": "a", "detail": {"status": "open"}})
    same = replace(first, payload={"type": "b", "detail": {"status": "open"}})
    later = replace(first, payload={"type": "c", "detail": {"status": "pending"}})
    store.inbox.add([first], now=NOW)
    store.inbox.add([same], now=NOW)  # another event of the same update: the same description
    [kept] = store.inbox.claim(now=NOW, limit=1, lease=LEASE)
    assert kept.event.payload["detail"] == {"status": "open"}

    store.inbox.retry(kept.row_id, error="", not_before=None, give_up=False)
    store.inbox.add([later], now=NOW)  # a second update in that second: which came last is unknown
    store.inbox.add([same], now=NOW)  # and the first one's other events keep coming
    [waiting] = store.inbox.claim(now=NOW + LEASE * 2, limit=1, lease=LEASE)
    assert waiting.event.payload["detail"] is None  # so no description is trusted: the ticket is read


def test_a_persons_webhook_after_its_change_was_judged_without_it_gets_an_event_of_its_own(store_url: str) -> None:
    store = open_store(store_url)
    poll = Event(EventSource.ZENDESK, "ticket.changed", "ticket:1:t", "1", NOW, {"ticket": "{}"})
    store.inbox.add([poll], now=NOW)
    [judged] = store.inbox.claim(now=NOW, limit=1, lease=LEASE)
    store.inbox.done(judged.row_id)  # read in full: a person's late webhook for that second adds nothing
    webhook = replace(poll, payload={"type": "zen:event-type:ticket.comment_added"})  # late, e.g. redelivered
    store.inbox.add([webhook], now=NOW)
    assert store.inbox.claim(now=NOW, limit=5, lease=LEASE) == []

    own = Event(EventSource.ZENDESK, "ticket.own_change", "ticket:1:t:own:77", "1", NOW, {"ticket": "{}"})
    store.inbox.add([own], now=NOW)
    [judged_own] = store.inbox.claim(now=NOW, limit=1, lease=LEASE)
    store.inbox.done(judged_own.row_id)  # the bridge updated the ticket in that second: the poll was judged by it
    store.inbox.add([webhook], now=NOW)
    store.inbox.add([poll], now=NOW)  # another poll sighting adds nothing
    assert [e.event.event_id for e in store.inbox.claim(now=NOW, limit=5, lease=LEASE)] == ["ticket:1:t:webhook"]


def test_a_sweep_decision_on_a_copy_replaced_meanwhile_is_dropped(store_url: str) -> None:
    from bridge.model import Ticket

    store = open_store(store_url)
    ticket = Ticket(id=5, subject="s", description="d", status="open", priority=None, type=None, tags=frozenset(),
                    created_at=NOW, updated_at=NOW)
    store.commit_decision(None, Decision(), ticket_ids=[5], now=NOW, snapshot=ticket)
    read_by_sweep = ticket.updated_at
    solved = replace(ticket, status="solved", updated_at=NOW + timedelta(minutes=1))  # a worker, meanwhile
    store.commit_decision(None, Decision([], {(5, "sla_stopped_at"): "x"}), ticket_ids=[5], now=NOW, snapshot=solved)

    stale = Decision([], {(5, "sla_stopped_at"): ""})  # judged on the open copy: "reopened"
    store.commit_timer_decisions([(5, stale)], now=NOW, judged_at={5: read_by_sweep})
    assert store.ticket_state(5).marks == {"sla_stopped_at": "x"}  # the newer view's mark stands
    store.commit_timer_decisions([(5, stale)], now=NOW, judged_at={5: solved.updated_at})
    assert store.ticket_state(5).marks == {"sla_stopped_at": ""}  # on the current copy, it applies


def test_an_action_planned_not_before_a_moment_waits_for_it(store_url: str) -> None:
    # A notice quiet hours hold back about a ticket no later decision judges (a merged duplicate).
    store = open_store(store_url)
    held = Action(ActionKind.NOTIFY, "n:held", ticket_id=1, params={"text": "t"}, not_before=NOW + timedelta(hours=8))
    store.commit_decision(None, Decision([held, Action(ActionKind.NOTIFY, "n:now", ticket_id=2, params={"text": "t"})]),
                          ticket_ids=[1, 2], now=NOW)
    [sent] = store.actions.claim(now=NOW, limit=10, lease=LEASE)
    assert sent.action.key == "n:now" and store.actions.done("n:now", result={}, now=NOW, claim=sent.claim)
    assert store.actions.claim(now=NOW + timedelta(hours=7, minutes=59), limit=10, lease=LEASE) == []
    [late] = store.actions.claim(now=NOW + timedelta(hours=8), limit=10, lease=LEASE)
    assert late.action.key == "n:held" and late.action.not_before == NOW + timedelta(hours=8)
