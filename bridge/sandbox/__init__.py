"""Stateful emulators of Zendesk, Jira and Slack on loopback (see docs/SANDBOX.md)."""

from bridge.sandbox.sandbox import Sandbox

__all__ = ["Sandbox"]
