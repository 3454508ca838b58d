"""Developers' wiki markup reaches Zendesk as plain text, code and quotes line for line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridge.connectors.jira_json import comment_from_json
from bridge.connectors.jira_text import wiki_to_text
from bridge.connectors.marker import sign

COMMENT = r"""h3. Root cause
The *export* job had no _index_ on {{account_id}}. See [the runbook|https://wiki.example/run] and [https://status.example].
[~accountid:5b10a2844c20165700ede21g] and [~jsmith], please check.
!screenshot.png|thumbnail!
||Env||Status||
|prod|*fixed*|
* first
** nested
{code:java}
if (a*b*c > 0) { x = [~y]; } // *not* markup here
{code}
{quote}
Exports fail for big accounts
{quote}
C++, snake_case_name and 2*3*4 stay; so do Wow!great! and a - b - c."""

PLAIN = """Root cause
The export job had no index on account_id. See the runbook (https://wiki.example/run) and https://status.example.
@a Jira user and @jsmith, please check.
[attachment in Jira: screenshot.png]
Env | Status
prod | fixed
- first
  - nested
if (a*b*c > 0) { x = [~y]; } // *not* markup here
> Exports fail for big accounts
C++, snake_case_name and 2*3*4 stay; so do Wow!great! and a - b - c."""


def test_a_developers_comment_reads_as_plain_text_in_zendesk() -> None:
    """A public reply showed the customer `*fixed*`, `{code:java}`, `||a||b||` and account ids."""
    assert wiki_to_text(COMMENT) == PLAIN
    comment = comment_from_json({"id": "10", "body": COMMENT, "created": "2026-11-30T10:00:00.000+0000"})
    assert comment.body == PLAIN and not comment.by_bridge


def test_the_bridges_own_comment_is_still_known_as_such() -> None:
    comment = comment_from_json({"id": "11", "body": sign("Reply from Zendesk with *stars*", "comment_to_jira:1:2"),
                                 "created": "2026-11-30T10:00:00.000+0000"})
    assert comment.by_bridge


@given(st.text(alphabet=st.characters(blacklist_characters="\x00*_+?{}[]!|~\\^-#."), max_size=200))
def test_text_without_markup_is_left_as_it_is(text: str) -> None:
    assert wiki_to_text(text) == text
