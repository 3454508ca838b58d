"""Properties of the Zendesk state model, without HTTP."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.sandbox.zendesk_state import ZendeskState

# a run: create a ticket, update ticket n, or read the next export page of size k
steps = st.lists(st.one_of(st.just(("create", 0)), st.tuples(st.just("update"), st.integers(0, 5)),
                           st.tuples(st.just("read"), st.integers(1, 3))), max_size=40)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_cursor_export_never_misses_a_change(run: list[tuple[str, int]]) -> None:
    """Whatever interleaving of writes and page reads, reading to the end shows every ticket's last change."""
    clock = [1_700_000_000.0]
    state = ZendeskState(clock=lambda: clock[0], agent_email="a@sandbox.test")
    cursor: str | None = None
    seen: dict[int, str] = {}

    def read(per_page: int) -> bool:
        nonlocal cursor
        page, after, end = state.incremental_page(start_time=0 if cursor is None else None, cursor=cursor,
                                                  per_page=per_page)
        seen.update({t["id"]: t["subject"] for t in page})
        cursor = after
        return end

    for action, n in run:
        if action == "create":
            state.create_ticket({"subject": "v0", "comment": {"body": "x"}}, actor_id=state.agent["id"])
        elif action == "update" and state.tickets:
            ticket_id = sorted(state.tickets)[n % len(state.tickets)]
            state.update_ticket(ticket_id, {"subject": f"v{clock[0]}"}, actor_id=state.agent["id"])
        else:
            read(n)
        clock[0] += 0.25  # several changes per second: second-precision stamps would collide
    while not read(2):
        pass
    assert seen == {t["id"]: t["subject"] for t in state.tickets.values()}
