"""The timer sweep: SLA notices for open tickets when nothing else happens, paused while awaiting the client."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bridge.model import ActionKind, Decision
from bridge.rules import Rules, load_rules
from bridge.store import Store, open_store
from bridge.codec import ticket_from_json as ticket_from_snapshot
from bridge.codec import ticket_to_json
from bridge.sync.decide import decide
from bridge.sync.sweep import sweep
from tests.sync.test_decide import ROOT, ticket

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(ROOT / "rules.yaml")


@pytest.fixture
def store(store_url: str) -> Store:
    return open_store(store_url)


def question(**changes: object):  # type: ignore[no-untyped-def]
    """A Support Query created Monday 09:00: response due 09:30 in working time."""
    fields: dict[str, object] = {
        "id": 7, "type": "question", "priority": "normal", "tags": frozenset(), "created_at": MONDAY_9,
        "updated_at": MONDAY_9, "comments": ticket().comments[:1],
    }
    return replace(ticket(), **(fields | changes))  # type: ignore[arg-type]


def remember(store: Store, rules: Rules, t, now: datetime) -> None:  # type: ignore[no-untyped-def]
    decision = decide(t, store.ticket_state(t.id), rules, now=now, default_project="SUP")
    store.commit_decision(None, decision, ticket_ids=[t.id], now=now, snapshot=t)


def sla_keys(store: Store) -> list[str]:
    return sorted(a.action.key for a in store.actions.with_status("pending") if a.action.key.startswith("notify:sla"))


def test_snapshots_round_trip_what_the_rules_need() -> None:
    t = ticket()
    again = ticket_from_snapshot(ticket_to_json(t))
    assert again == t


def test_the_sweep_warns_then_reports_a_breach_once_each(store: Store, rules: Rules) -> None:
    remember(store, rules, question(), MONDAY_9)
    assert sla_keys(store) == []
    at_warning = MONDAY_9 + timedelta(minutes=24)  # 75 % of 30 minutes
    assert sweep(store=store, rules=rules, now=at_warning, default_project="SUP", clock=lambda: at_warning) >= 1
    assert any(":response:warning:" in key for key in sla_keys(store))
    after_breach = MONDAY_9 + timedelta(minutes=31)
    sweep(store=store, rules=rules, now=after_breach, default_project="SUP", clock=lambda: after_breach)
    sweep(store=store, rules=rules, now=after_breach, default_project="SUP", clock=lambda: after_breach)
    keys = sla_keys(store)
    assert sum(":response:breach:" in key for key in keys) == 1
    notice = next(a for a in store.actions.with_status("pending") if ":response:breach:" in a.action.key)
    assert notice.action.kind is ActionKind.NOTIFY and "SLA breach" in notice.action.params["text"]


def test_awaiting_the_client_pauses_the_clock(store: Store, rules: Rules) -> None:
    # Pending from 09:10 to 11:10: the 30-minute response clock stands still meanwhile.
    remember(store, rules, question(), MONDAY_9)
    remember(store, rules, question(status="pending", updated_at=MONDAY_9 + timedelta(minutes=10)), MONDAY_9 + timedelta(minutes=10))
    assert store.ticket_state(7).pauses[-1][1] is None
    during = MONDAY_9 + timedelta(hours=2)
    sweep(store=store, rules=rules, now=during, default_project="SUP", clock=lambda: during)
    assert sla_keys(store) == []
    resumed = MONDAY_9 + timedelta(hours=2, minutes=10)
    remember(store, rules, question(status="open", updated_at=resumed), resumed)
    assert store.ticket_state(7).pauses[-1][1] == resumed
    before_due = resumed + timedelta(minutes=15)  # 10 + 15 = 25 working minutes: a warning, no breach
    sweep(store=store, rules=rules, now=before_due, default_project="SUP", clock=lambda: before_due)
    assert [k.split(":")[4] for k in sla_keys(store)] == ["warning"]


def test_solved_tickets_are_not_swept(store: Store, rules: Rules) -> None:
    remember(store, rules, question(status="solved"), MONDAY_9)
    later = MONDAY_9 + timedelta(days=3)
    assert sweep(store=store, rules=rules, now=later, default_project="SUP", clock=lambda: later) == 0
    assert store.commit_decision(None, Decision(), ticket_ids=[], now=later) == 0


def test_a_ticket_left_alone_is_reported_stale_once_per_quiet_spell(store: Store, rules: Rules) -> None:
    quiet = question(status="open", comments=ticket().comments)  # replied: no SLA notices in the way
    remember(store, rules, quiet, MONDAY_9)
    stale_since = MONDAY_9 + timedelta(days=2)  # 2 working days without an update
    for minutes in (1, 30):
        at = stale_since + timedelta(minutes=minutes)
        sweep(store=store, rules=rules, now=at, default_project="SUP", clock=lambda: at)
    stale = [a.action for a in store.actions.with_status("pending") if a.action.key.startswith("notify:stale:")]
    assert len(stale) == 1 and "Stale" in stale[0].params["text"]


def test_a_time_triggered_escalation_is_left_to_a_full_read_of_the_ticket(store: Store, rules: Rules) -> None:
    tier3 = question(type="incident", priority="high", tags=frozenset({"tier3"}))
    remember(store, rules, tier3, MONDAY_9)
    assert [a.action.key.split(":")[0] for a in store.actions.with_status("pending")] == ["route"]  # its tier's group
    breached = MONDAY_9 + timedelta(hours=1)  # response due 09:30 at tier 3: escalate
    sweep(store=store, rules=rules, now=breached, default_project="SUP", clock=lambda: breached)
    pending = [a.action.key for a in store.actions.with_status("pending")]
    assert not any(key.startswith("create_issue") for key in pending)  # not from a shortened snapshot
    [timer] = store.inbox.claim(now=breached, limit=5, lease=timedelta(seconds=5))
    assert timer.event.kind == "ticket.timer" and timer.event.subject == "7" and not timer.event.payload


def test_the_sweep_judges_a_ticket_only_when_its_next_check_is_due(store: Store, rules: Rules) -> None:
    remember(store, rules, question(), MONDAY_9)
    warning = MONDAY_9 + timedelta(minutes=22, seconds=30)  # 75 % of the 30-minute response target
    assert store.snapshots.next_check(7) == warning
    early = warning - timedelta(seconds=1)
    assert list(store.snapshots.due(now=early)) == []  # not read at all
    assert sweep(store=store, rules=rules, now=early, default_project="SUP", clock=lambda: early) == 0
    sweep(store=store, rules=rules, now=warning, default_project="SUP", clock=lambda: warning)
    assert [k.split(":")[4] for k in sla_keys(store)] == ["warning"]
    assert store.snapshots.next_check(7) == MONDAY_9 + timedelta(minutes=30)  # then the breach


def test_after_new_rules_every_open_ticket_is_judged_again(store: Store, rules: Rules, tmp_path: Path) -> None:
    remember(store, rules, question(), MONDAY_9)
    (tmp_path / "rules.yaml").write_text((ROOT / "rules.yaml").read_text().replace("warn_at: 75%", "warn_at: 10%"))
    stricter = load_rules(tmp_path / "rules.yaml")
    at = MONDAY_9 + timedelta(minutes=5)  # past 10 % of 30 minutes, long before 75 %
    assert sweep(store=store, rules=stricter, now=at, default_project="SUP", clock=lambda: at) == 0  # not due yet
    store.snapshots.make_all_due(at=at)
    sweep(store=store, rules=stricter, now=at, default_project="SUP", clock=lambda: at)
    assert [k.split(":")[4] for k in sla_keys(store)] == ["warning"]


def test_a_ticket_that_cannot_be_judged_does_not_stop_the_sweep(
    store: Store, rules: Rules, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """One poison ticket: the others still get their notices, and it is tried again an hour later."""
    import bridge.sync.sweep as sweep_module

    for number in (7, 8, 9):
        remember(store, rules, question(id=number), MONDAY_9)

    def decide_or_fail(ticket, *args, **kwargs):  # type: ignore[no-untyped-def]
        if ticket.id == 8:
            raise ValueError("calendar 'gmt-office': no working time within 21960 days")
        return decide(ticket, *args, **kwargs)

    monkeypatch.setattr(sweep_module, "decide", decide_or_fail)
    breached = MONDAY_9 + timedelta(minutes=31)
    sweep(store=store, rules=rules, now=breached, default_project="SUP", clock=lambda: breached)
    notified = {int(key.split(":")[2]) for key in sla_keys(store) if ":response:breach:" in key}
    assert notified == {7, 9}
    assert "ticket 8 could not be judged" in caplog.text
    assert store.snapshots.next_check(8) == breached + sweep_module.RETRY_UNJUDGED
