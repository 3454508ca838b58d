"""Stateful emulators of Zendesk, Jira, Slack and Statuspage on loopback (see docs/SANDBOX.md)."""

from bridge.sandbox.sandbox import Sandbox

__all__ = ["Sandbox"]
