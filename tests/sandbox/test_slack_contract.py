"""slack_sdk's WebClient against the Slack emulator."""

from __future__ import annotations

from slack_sdk import WebClient


def test_post_and_read_back(slack: WebClient, info: dict) -> None:
    channel = info["slack"]["manager_channel"]
    posted = slack.chat_postMessage(channel=channel, text="Escalated #1 to SUP-1",
                                    blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*Escalated*"}}])
    assert posted["ok"] and posted["channel"] == channel
    slack.chat_postMessage(channel=channel, text="SLA warning", thread_ts=posted["ts"])
    history = slack.conversations_history(channel=channel)
    assert [m["text"] for m in history["messages"]] == ["Escalated #1 to SUP-1"]
    assert history["messages"][0]["reply_count"] == 1
    assert history["messages"][0]["blocks"][0]["text"]["text"] == "*Escalated*"
