"""slack_sdk against the Slack emulator: every method, errors, and the recorded field unions."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from .reference import kind, load


def assert_within_union(ours: dict[str, Any], union: dict[str, Any], *, where: str, nested: tuple[str, ...] = ()) -> None:
    """java-slack-sdk's samples are unions of real responses: our keys must be among them, same types."""
    extra = set(ours) - set(union)
    assert not extra, f"{where}: keys never seen in real responses: {sorted(extra)}"
    for key, value in ours.items():
        if value is not None and union[key] is not None and key != "ok":
            assert kind(value) == kind(union[key]), f"{where}.{key}: {kind(value)} vs {kind(union[key])}"
        if key in nested:
            assert_within_union(value, union[key], where=f"{where}.{key}")


@pytest.fixture
def channel(info: dict) -> str:
    return info["slack"]["manager_channel"]


def test_auth_test(slack: WebClient) -> None:
    response = slack.auth_test()
    assert_within_union(response.data, load("slack/java-slack-sdk-samples/auth.test.json"), where="auth.test")
    assert response["ok"] is True and response["user_id"].startswith("U")


def test_post_message_shape(slack: WebClient, channel: str) -> None:
    parent = slack.chat_postMessage(channel=channel, text="hello")
    reply = slack.chat_postMessage(channel=channel, text="threaded", thread_ts=parent["ts"],
                                   blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*b*"}}])
    union = load("slack/java-slack-sdk-samples/chat.postMessage.pruned.json")
    for response in (parent, reply):
        assert_within_union(response.data, union, where="chat.postMessage", nested=("message",))
    assert reply["message"]["thread_ts"] == parent["ts"]
    documented = load("slack/slack-api-ref/chat.postMessage.json")["examples"]["success"]["example"]
    assert set(documented) == set(parent.data)


def test_update_message(slack: WebClient, channel: str) -> None:
    posted = slack.chat_postMessage(channel=channel, text="Escalated #1")
    updated = slack.chat_update(channel=channel, ts=posted["ts"], text="Escalated #1 (resolved)")
    assert_within_union(updated.data, load("slack/java-slack-sdk-samples/chat.update.pruned.json"),
                        where="chat.update", nested=("message",))
    assert updated["ts"] == posted["ts"]
    history = slack.conversations_history(channel=channel)
    assert history["messages"][0]["text"] == "Escalated #1 (resolved)" and "edited" in history["messages"][0]
    with pytest.raises(SlackApiError) as missing:
        slack.chat_update(channel=channel, ts="1.000001", text="x")
    assert missing.value.response["error"] == "message_not_found"


def test_replies_and_history_paging(slack: WebClient, channel: str) -> None:
    parent = slack.chat_postMessage(channel=channel, text="root")
    for n in range(3):
        slack.chat_postMessage(channel=channel, text=f"r{n}", thread_ts=parent["ts"])
    replies = slack.conversations_replies(channel=channel, ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["root", "r0", "r1", "r2"]
    for n in range(4):
        slack.chat_postMessage(channel=channel, text=f"top{n}")
    first = slack.conversations_history(channel=channel, limit=2)
    assert [m["text"] for m in first["messages"]] == ["top3", "top2"] and first["has_more"] is True
    rest = slack.conversations_history(channel=channel, limit=10, cursor=first["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["top1", "top0", "root"] and rest["has_more"] is False
    newer = slack.conversations_history(channel=channel, oldest=first["messages"][1]["ts"])
    assert [m["text"] for m in newer["messages"]] == ["top3"]


def test_open_dm_and_lookup_by_email(slack: WebClient) -> None:
    user = slack.users_lookupByEmail(email="manager@sandbox.test")["user"]
    assert user["profile"]["email"] == "manager@sandbox.test"
    opened = slack.conversations_open(users=user["id"])
    assert set(opened["channel"]) == {"id"} and opened["channel"]["id"].startswith("D")
    again = slack.conversations_open(users=user["id"], return_im=True)
    assert again["already_open"] is True and again["channel"]["id"] == opened["channel"]["id"]
    union = load("slack/java-slack-sdk-samples/conversations.open.pruned.json")
    assert_within_union(again.data, union, where="conversations.open", nested=("channel",))
    slack.chat_postMessage(channel=opened["channel"]["id"], text="psst")
    with pytest.raises(SlackApiError) as unknown:
        slack.users_lookupByEmail(email="nobody@sandbox.test")
    assert unknown.value.response["error"] == "users_not_found"


def test_errors_are_http_200_ok_false(slack: WebClient, info: dict) -> None:
    with pytest.raises(SlackApiError) as missing:
        slack.chat_postMessage(channel="C0NOPE", text="x")
    assert (missing.value.response.status_code, missing.value.response.data) == (200, {"ok": False, "error": "channel_not_found"})
    with pytest.raises(SlackApiError) as empty, pytest.warns(UserWarning):
        slack.chat_postMessage(channel=info["slack"]["manager_channel"])
    assert empty.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as bad_token:
        WebClient(token="xoxb-wrong", base_url=info["slack"]["url"]).auth_test()
    assert bad_token.value.response.data == {"ok": False, "error": "invalid_auth"}
    with pytest.raises(SlackApiError) as no_token:
        WebClient(base_url=info["slack"]["url"]).auth_test()
    assert no_token.value.response["error"] == "not_authed"


def test_channel_by_name_only_when_posting(slack: WebClient, info: dict) -> None:
    posted = slack.chat_postMessage(channel="#support-escalations", text="by name")
    assert posted["channel"] == info["slack"]["manager_channel"]
    # Every other method takes the conversation's id alone, as Slack's reference says.
    for call in (lambda: slack.conversations_history(channel="#support-escalations"),
                 lambda: slack.conversations_replies(channel="support-escalations", ts=posted["ts"]),
                 lambda: slack.conversations_info(channel="#support-escalations")):
        with pytest.raises(SlackApiError) as refused:
            call()
        assert refused.value.response["error"] == "channel_not_found"
