"""The Slack emulator's state: a workspace with users, channels, DMs and messages.

Messages are kept per channel in posting order; `ts` strings are unique and increase,
as Slack's do, so `oldest`/`latest` filtering is a string-to-float compare.
"""

from __future__ import annotations

import copy
import secrets
import threading
from typing import Any

from bridge.sandbox.common import Clock, Sequence, slack_ts

TEAM_ID = "T0SANDBOX1"
BOT_USER = "U0BRIDGEBOT"
BOT_ID = "B0BRIDGEBOT"
APP_ID = "A0BRIDGEAPP"


class SlackApiError(Exception):
    """`{"ok": false, "error": code}` with HTTP 200, as Slack answers most errors."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


class SlackState:
    def __init__(self, *, clock: Clock, manager_channel_name: str = "support-escalations") -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.seq = Sequence(1)
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.last_ts = 0.0
        self.add_user("bridge", "bridge@sandbox.test", user_id=BOT_USER, is_bot=True)
        self.add_user("Support Manager", "manager@sandbox.test")
        self.manager_channel = self.add_channel(manager_channel_name)["id"]

    # ---- directory ---------------------------------------------------------------------------
    def add_user(self, name: str, email: str, *, user_id: str | None = None, is_bot: bool = False) -> dict[str, Any]:
        user_id = user_id or "U0" + secrets.token_hex(4).upper()
        handle = email.split("@")[0]
        self.users[user_id] = {
            "id": user_id, "team_id": TEAM_ID, "name": handle, "deleted": False, "color": "9f69e7",
            "real_name": name, "tz": "Etc/UTC", "tz_label": "Coordinated Universal Time", "tz_offset": 0,
            "profile": {"real_name": name, "display_name": handle, "real_name_normalized": name,
                        "display_name_normalized": handle, "email": email, "team": TEAM_ID,
                        "image_48": "https://a.slack-edge.invalid/48.png"},
            "is_admin": False, "is_owner": False, "is_primary_owner": False, "is_restricted": False,
            "is_ultra_restricted": False, "is_bot": is_bot, "is_app_user": False, "updated": int(self.clock())}
        return self.users[user_id]

    def add_channel(self, name: str, *, is_im: bool = False, user: str | None = None) -> dict[str, Any]:
        channel_id = ("D0" if is_im else "C0") + secrets.token_hex(4).upper()
        now = int(self.clock())
        channel: dict[str, Any] = {"id": channel_id, "created": now, "is_archived": False, "is_im": is_im,
                                   "is_org_shared": False, "context_team_id": TEAM_ID, "updated": now * 1000}
        if is_im:
            channel.update(user=user, is_open=True, last_read="0000000000.000000", latest=None,
                           unread_count=0, unread_count_display=0, priority=0)
        else:
            channel.update(name=name, is_channel=True, is_group=False, is_private=False, is_mpim=False,
                           is_general=False, is_member=True, name_normalized=name, creator=BOT_USER,
                           topic={"value": "", "creator": "", "last_set": 0},
                           purpose={"value": "Escalation notices from the bridge", "creator": "", "last_set": 0},
                           num_members=2)
        self.channels[channel_id] = channel
        self.messages[channel_id] = []
        return channel

    def channel(self, ref: str, *, by_name: bool = False) -> dict[str, Any]:
        """A conversation by its id. Only chat.postMessage also takes a name (`#support`) or a
        user id (the app's direct message with them); every other method answers
        channel_not_found to those, as Slack does."""
        if ref in self.channels:
            return self.channels[ref]
        if not by_name:
            raise SlackApiError("channel_not_found")
        ref = (ref or "").lstrip("#")
        found = next((c for c in self.channels.values() if c.get("name") == ref), None)
        if found is None and ref in self.users:
            return self.open_im(ref)[0]
        if found is None:
            raise SlackApiError("channel_not_found")
        return found

    def open_im(self, user_id: str) -> tuple[dict[str, Any], bool]:
        if user_id not in self.users:
            raise SlackApiError("user_not_found")
        existing = next((c for c in self.channels.values() if c.get("is_im") and c.get("user") == user_id), None)
        if existing is not None:
            return existing, True
        return self.add_channel("", is_im=True, user=user_id), False

    # ---- messages -----------------------------------------------------------------------------
    def next_ts(self) -> str:
        now = max(self.clock(), self.last_ts)
        ts = slack_ts(now, self.seq())
        self.last_ts = float(ts)
        return ts

    def find(self, channel_id: str, ts: str) -> dict[str, Any]:
        found = next((m for m in self.messages[channel_id] if m["ts"] == ts), None)
        if found is None:
            raise SlackApiError("message_not_found")
        return found

    def post(self, channel_id: str, *, text: str, blocks: list[Any] | None, thread_ts: str | None,
             extra: dict[str, Any]) -> dict[str, Any]:
        ts = self.next_ts()
        message: dict[str, Any] = {"user": BOT_USER, "type": "message", "ts": ts, "bot_id": BOT_ID, "app_id": APP_ID,
                                   "text": text, "team": TEAM_ID,
                                   "bot_profile": {"id": BOT_ID, "app_id": APP_ID, "name": "bridge", "deleted": False,
                                                   "team_id": TEAM_ID, "updated": int(self.clock())}}
        if blocks:
            message["blocks"] = copy.deepcopy(blocks)
        for key in ("attachments", "metadata"):
            if extra.get(key):
                message[key] = copy.deepcopy(extra[key])
        if thread_ts:
            parent = next((m for m in self.messages[channel_id] if m["ts"] == thread_ts), None)
            message["thread_ts"] = thread_ts
            message["parent_user_id"] = parent["user"] if parent else BOT_USER
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["reply_users"] = sorted(set(parent.get("reply_users", [])) | {BOT_USER})
                parent["reply_users_count"] = len(parent["reply_users"])
                parent["latest_reply"] = ts
                parent.setdefault("is_locked", False)
                parent.setdefault("subscribed", False)
            if extra.get("reply_broadcast"):
                message["subtype"] = "thread_broadcast"
        self.messages[channel_id].append(message)
        return message

    def update(self, channel_id: str, ts: str, *, text: str | None, blocks: list[Any] | None) -> dict[str, Any]:
        message = self.find(channel_id, ts)
        if message.get("user") != BOT_USER:
            raise SlackApiError("cant_update_message")
        if text is not None:
            message["text"] = text
        if blocks is not None:
            message["blocks"] = copy.deepcopy(blocks)
        message["edited"] = {"user": BOT_USER, "ts": self.next_ts()}
        return message

    # ---- persistence ------------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy({"users": self.users, "channels": self.channels, "messages": self.messages,
                                  "manager_channel": self.manager_channel, "last_ts": self.last_ts,
                                  "seq": self.seq.peek()})

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.users, self.channels = data["users"], data["channels"]
            self.messages, self.manager_channel = data["messages"], data["manager_channel"]
            self.last_ts = float(data.get("last_ts", 0))
            self.seq.advance_past(int(data.get("seq", 1)))
