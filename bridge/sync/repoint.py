"""An agent moves a linked ticket to another Jira issue by changing its tag. Pure: no I/O.

A linked ticket shows its issue by the tag `jira_<key>`. An agent who finds the ticket is
about another issue replaces that tag with the other issue's: the link moves there, both
issues are told (the new one lists the ticket, the old one hears it left), and so are the
agents; the new issue's status then reaches the ticket as a newly linked one's would.

Only a tag the agents changed moves a link. A link the bridge moves itself (an issue closed
as a duplicate, or moved to another project) changes before the ticket's tags do, or after,
and must not be read as the agents moving it: the ticket's last issue tag seen
(`ISSUE_TAG_MARK`) must be its linked issue's, and no such move of the bridge's be planned.
The executor moves nothing when the ticket's tags have changed again meanwhile, nor to the
linked issue under a former key.

A ticket a link cannot follow unambiguously (its issue's tag and another's, or two new ones)
stays where it is, and the agents are told once what to remove.
"""

from __future__ import annotations

from bridge.model import Action, ActionKind, Link, Ticket, TicketState
from bridge.sync.escalate import issue_keys_from_tags, issue_tag
from bridge.sync.mirror import ISSUE_DELETED_MARK
from bridge.timetext import iso

# The issue whose tag the ticket was last seen carrying while linked to it.
ISSUE_TAG_MARK = "issue_tag_seen"


def repoint(ticket: Ticket, state: TicketState, marks: dict[tuple[int, str], str]) -> list[Action]:
    """The actions that follow the agents' change of a linked ticket's issue tag, if any; keeps
    `ISSUE_TAG_MARK` in `marks`."""
    link = state.link
    if link is None:
        return []
    linked = link.issue_key
    seen, round_ = _tag_seen(state.marks.get(ISSUE_TAG_MARK) if state.marks else None)
    if issue_tag(linked) in ticket.tags:
        if seen != linked:
            marks[(ticket.id, ISSUE_TAG_MARK)] = linked
        others = issue_keys_from_tags(ticket.tags) - {linked}
        return [_unclear(ticket, link, sorted(others), kept_tag=True)] if others else []
    if seen is not None and seen != linked:
        return []  # the link moved since its tag was last seen (the bridge's own move): the tags follow
    others = issue_keys_from_tags(ticket.tags)
    if len(others) > 1:
        return [_unclear(ticket, link, sorted(others), kept_tag=False)]
    if not others:
        return []  # the tag removed, none put instead: the link stays
    new = others.pop()
    if _moved_by_the_bridge(ticket.id, linked, new, state.planned):
        return []
    return _move(ticket, link, new, old_deleted=state.marks.get(ISSUE_DELETED_MARK) == linked, round_=round_)


def moving(actions: list[Action]) -> bool:
    """Whether `actions` (what `repoint` planned, before those planned already are dropped)
    move the ticket: until the move is made, its public replies wait, so that they reach the
    issue the agents chose."""
    return any(action.kind is ActionKind.LINK_TICKET for action in actions)


def next_round(value: str | None, linked: str) -> str:
    """The mark after a move the executor left out (the tags changed again before it ran): a
    later retag to the same issue is a move of its own, not one planned already."""
    return f"{linked}#{int(_tag_seen(value)[1] or 0) + 1}"


def _tag_seen(value: str | None) -> tuple[str | None, str]:
    """`ISSUE_TAG_MARK` read: the issue whose tag was seen, and the round of moves left out ("SUP-7#1")."""
    seen, _, round_ = (value or "").partition("#")
    return seen or None, round_


def _moved_by_the_bridge(ticket_id: int, linked: str, tagged: str, planned: frozenset[str]) -> bool:
    """Whether the bridge itself moves the ticket between the two issues (one closed as a
    duplicate of the other, or moved to another project): its link and its tags change one
    after the other, and either may come first (a link stored before the upgrade has no mark)."""
    return any(
        f"{kind}:{ticket_id}:{a}:{b}" in planned
        for kind in ("follow_original", "issue_moved")
        for a, b in ((linked, tagged), (tagged, linked))
    )


def _stamp(link: Link, round_: str = "") -> str:
    """Which link (and which try at moving it, after one left out) a key is about: moving
    there and back again is a new move each time."""
    return iso(link.created_at) + (f"#{round_}" if round_ else "")


def _move(ticket: Ticket, link: Link, new: str, *, old_deleted: bool, round_: str) -> list[Action]:
    """The link moves to `new` once Jira has it (the executor, as for an issue closed as a
    duplicate); the comments and the note wait for it, and are left out if it did not move."""
    old, ticket_id, stamp = link.issue_key, ticket.id, _stamp(link, round_)
    move_key = f"repoint:{ticket_id}:{old}:{new}:{stamp}"

    def told(kind: ActionKind, name: str, issue_key: str, **params: object) -> Action:
        return Action(kind, f"{name}:{ticket_id}:{old}:{new}:{stamp}", ticket_id=ticket_id, issue_key=issue_key,
                      params={**params, "attached": True}, after=move_key)

    actions = [
        Action(
            ActionKind.LINK_TICKET, move_key, ticket_id=ticket_id, issue_key=new,
            # where a pause on the old issue's status ends: when the agents changed the tag
            params={"moved_from": old, "since": iso(ticket.updated_at), "by_tag": True},
        ),
        told(ActionKind.COMMENT_ISSUE, "repoint_comment", new, body=(
            f"Zendesk ticket #{ticket_id} is about this issue now (its agents moved it here from {old}): "
            f"{ticket.subject}\nRequester: {ticket.requester_name or '?'} <{ticket.requester_email or '?'}>, "
            f"{ticket.organization or 'no organisation'}\n{ticket.url}"
        )),
        told(ActionKind.NOTE_TICKET, "repoint_note", new, moved_from=old, by_tag=True, note=(
            f"Linked to development issue {new} now, no longer to {old} (the ticket's tag was changed): "
            f"{new}'s updates appear here, and public replies go to it."
        )),
    ]
    if not old_deleted:  # (a deleted issue takes no comment)
        actions.append(told(ActionKind.COMMENT_ISSUE, "repoint_left", old, body=(
            f"Zendesk ticket #{ticket_id} is no longer about this issue: its agents moved it to {new}."
        )))
    return actions


def _unclear(ticket: Ticket, link: Link, others: list[str], *, kept_tag: bool) -> Action:
    """The agents told, once, that the ticket's tags name more issues than it can follow."""
    old = link.issue_key
    named = " and ".join(others)
    if kept_tag:
        what = (
            f"This ticket is linked to {old}, and its tags name {named} too. A ticket follows one issue: "
            f"to move it, remove the tag {issue_tag(old)}; to keep it on {old}, remove "
            + " and ".join(issue_tag(key) for key in others) + "."
        )
    else:
        what = (
            f"This ticket is linked to {old}, and its tags name {named} instead. A ticket follows one issue: "
            f"keep the tag of the one it is about. Until then it stays linked to {old}."
        )
    return Action(
        ActionKind.NOTE_TICKET, f"repoint_unclear:{ticket.id}:{old}:{'+'.join(others)}:{_stamp(link)}",
        ticket_id=ticket.id, issue_key=old, params={"note": what},
    )
