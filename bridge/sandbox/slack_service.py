"""The Slack Web API emulator: `POST|GET /api/{method}` answered like slack.com/api.

Arguments may arrive as query string, form body or JSON body (slack_sdk uses all three).
Errors are HTTP 200 `{"ok": false, "error": ...}`; only rate limiting is HTTP 429.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Callable
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bridge.sandbox.admin import admin_routes
from bridge.sandbox.common import Clock, json_response
from bridge.sandbox.faults import Decision, ServiceGuard
from bridge.sandbox.middleware import GuardMiddleware
from bridge.sandbox.slack_state import BOT_ID, BOT_USER, TEAM_ID, SlackApiError, SlackState

Args = dict[str, Any]
HISTORY_MAX = 999  # conversations.history: limit max 999


def render_error(decision: Decision) -> Response:
    if decision.status == 429:
        return json_response({"ok": False, "error": "ratelimited"}, 429, headers={"Retry-After": str(decision.retry_after)})
    if decision.verdict == "drop":
        return Response(b"", status_code=502)
    return Response("<html><body>Service Unavailable</body></html>", status_code=decision.status, media_type="text/html")


def _blocks(value: Any) -> list[Any] | None:
    if value in (None, ""):
        return None
    return json.loads(value) if isinstance(value, str) else list(value)


def _page(request_args: Args, items: list[Any], default: int = 100) -> tuple[list[Any], bool, str]:
    limit = max(1, min(int(request_args.get("limit") or default), HISTORY_MAX))
    start = int(request_args.get("cursor") or 0) if str(request_args.get("cursor") or "0").isdigit() else 0
    page = items[start:start + limit]
    more = start + limit < len(items)
    return page, more, str(start + limit) if more else ""


class SlackService:
    def __init__(self, *, clock: Clock, latency_ms: int = 0, rate_limit: int | None = None) -> None:
        self.token = "xoxb-" + secrets.token_urlsafe(24)
        self.clock = clock
        self.guard = ServiceGuard("slack", base_latency_ms=latency_ms, default_rate_limit=rate_limit)
        self.state = SlackState(clock=clock)
        self.methods: dict[str, Callable[[SlackState, Args], dict[str, Any]]] = {
            "auth.test": self.auth_test, "chat.postMessage": self.post_message, "chat.update": self.update,
            "conversations.history": self.history, "conversations.replies": self.replies,
            "conversations.open": self.open, "conversations.info": self.info,
            "users.lookupByEmail": self.lookup_by_email, "chat.getPermalink": self.permalink}
        app = Starlette(routes=[*admin_routes(self), Route("/api/{method}", self.dispatch, methods=["GET", "POST"])])
        self.app = GuardMiddleware(app, guard=self.guard, render_error=render_error, rate_headers=lambda _l, _r: {})

    async def dispatch(self, request: Request) -> Response:
        args: Args = dict(request.query_params)
        raw = await request.body()
        if raw:
            if request.headers.get("content-type", "").startswith("application/json"):
                try:
                    args.update(json.loads(raw))
                except ValueError:
                    return json_response({"ok": False, "error": "invalid_json"})
            else:
                args.update(parse_qsl(raw.decode(), keep_blank_values=True))
        header = request.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else args.pop("token", None)
        if not token:
            return json_response({"ok": False, "error": "not_authed"})
        if not secrets.compare_digest(str(token), self.token):
            return json_response({"ok": False, "error": "invalid_auth"})
        method = self.methods.get(request.path_params["method"])
        if method is None:
            return json_response({"ok": False, "error": "unknown_method"}, 404)
        state = self.state
        try:
            with state.lock:
                return json_response({"ok": True, **method(state, args)})
        except SlackApiError as exc:
            return json_response({"ok": False, "error": exc.code, **exc.extra})
        except (ValueError, TypeError, KeyError):
            return json_response({"ok": False, "error": "invalid_arguments"})

    # ---- methods ---------------------------------------------------------------------------
    def auth_test(self, state: SlackState, args: Args) -> dict[str, Any]:
        return {"url": "https://sandbox.slack.com/", "team": "Sandbox", "user": "bridge", "team_id": TEAM_ID,
                "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}

    def post_message(self, state: SlackState, args: Args) -> dict[str, Any]:
        channel = state.channel(str(args.get("channel") or ""), by_name=True)
        blocks = _blocks(args.get("blocks"))
        text = str(args.get("text") or "")
        if not text and not blocks and not args.get("attachments"):
            raise SlackApiError("no_text")
        if blocks and len(blocks) > 50:
            raise SlackApiError("invalid_blocks")
        broadcast = str(args.get("reply_broadcast", "")).lower() in ("1", "true")
        message = state.post(channel["id"], text=text, blocks=blocks, thread_ts=args.get("thread_ts") or None,
                             extra={"attachments": _blocks(args.get("attachments")), "reply_broadcast": broadcast,
                                    "metadata": args.get("metadata")})
        return {"channel": channel["id"], "ts": message["ts"], "message": dict(message)}

    def update(self, state: SlackState, args: Args) -> dict[str, Any]:
        channel = state.channel(str(args.get("channel") or ""))
        message = state.update(channel["id"], str(args.get("ts") or ""), text=args.get("text"),
                               blocks=_blocks(args.get("blocks")))
        return {"channel": channel["id"], "ts": message["ts"], "text": message["text"],
                "message": {k: v for k, v in message.items() if k not in ("ts", "thread_ts")}}

    def history(self, state: SlackState, args: Args) -> dict[str, Any]:
        channel = state.channel(str(args.get("channel") or ""))
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or 9e12)
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        visible = [m for m in reversed(state.messages[channel["id"]])
                   if (m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast")
                   and (oldest <= float(m["ts"]) <= latest if inclusive else oldest < float(m["ts"]) < latest)]
        page, more, cursor = _page(args, visible)
        return {"messages": page, "has_more": more, "pin_count": 0, "channel_actions_ts": None,
                "channel_actions_count": 0, "response_metadata": {"next_cursor": cursor}}

    def replies(self, state: SlackState, args: Args) -> dict[str, Any]:
        channel = state.channel(str(args.get("channel") or ""))
        ts = str(args.get("ts") or "")
        thread = [m for m in state.messages[channel["id"]] if m["ts"] == ts or m.get("thread_ts") == ts]
        if not any(m["ts"] == ts for m in thread):
            raise SlackApiError("thread_not_found")
        page, more, cursor = _page(args, thread, default=1000)
        return {"messages": page, "has_more": more, "response_metadata": {"next_cursor": cursor}}

    def open(self, state: SlackState, args: Args) -> dict[str, Any]:
        if args.get("channel"):
            channel, already = state.channel(str(args["channel"])), True
        else:
            users = [u for u in str(args.get("users") or "").split(",") if u]
            if len(users) != 1:
                raise SlackApiError("users_list_not_supplied" if not users else "not_enough_users")
            channel, already = state.open_im(users[0])
        if str(args.get("return_im", "")).lower() in ("1", "true"):
            return {"no_op": already, "already_open": already, "channel": dict(channel)}
        return {"channel": {"id": channel["id"]}}

    def info(self, state: SlackState, args: Args) -> dict[str, Any]:
        return {"channel": dict(state.channel(str(args.get("channel") or "")))}

    def lookup_by_email(self, state: SlackState, args: Args) -> dict[str, Any]:
        email = str(args.get("email") or "").lower()
        user = next((u for u in state.users.values() if u["profile"]["email"].lower() == email), None)
        if user is None:
            raise SlackApiError("users_not_found")
        return {"user": dict(user)}

    def permalink(self, state: SlackState, args: Args) -> dict[str, Any]:
        channel = state.channel(str(args.get("channel") or ""))
        ts = str(args.get("message_ts") or "")
        state.find(channel["id"], ts)
        return {"channel": channel["id"],
                "permalink": f"https://sandbox.slack.com/archives/{channel['id']}/p{ts.replace('.', '')}"}

    # ---- admin ------------------------------------------------------------------------------
    def reset(self) -> None:
        manager = self.state.manager_channel
        fresh = SlackState(clock=self.clock)
        # keep the manager channel id stable: the daemon was configured with it
        fresh.channels[manager] = {**fresh.channels.pop(fresh.manager_channel), "id": manager}
        fresh.messages = {manager: []}
        fresh.manager_channel = manager
        self.state = fresh

    def dump(self) -> dict[str, Any]:
        return self.state.dump()

    def load(self, data: dict[str, Any]) -> None:
        self.state.load(data)

    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """`{"users": [{"name", "email"}], "channels": ["name", ...]}` -> created ids."""
        out: dict[str, list[str]] = {"users": [], "channels": []}
        with self.state.lock:
            for user in data.get("users", []):
                out["users"].append(self.state.add_user(user.get("name") or user["email"], user["email"])["id"])
            for name in data.get("channels", []):
                out["channels"].append(self.state.add_channel(str(name))["id"])
        return out

    def deliveries(self) -> list[dict[str, Any]]:
        return []  # Slack sends no webhooks in this sandbox

    def webhook_targets(self) -> list[dict[str, Any]]:
        return []

    def add_webhook(self, url: str, secret: str) -> None:
        raise ValueError("the Slack emulator sends no webhooks")
