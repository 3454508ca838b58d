"""`bridge rules check|explain` and `bridge schema` (mounted by bridge/cli.py)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from bridge.rules.explain import explain, iso_z, to_json, to_table
from bridge.rules.load import RulesError, load_rules
from bridge.rules.schema import Rules

rules_app = typer.Typer(help="Check rules.yaml and explain what it does to a ticket.", no_args_is_help=True)


def default_rules_path() -> str:
    return os.environ.get("BRIDGE_RULES") or "rules.yaml"


def _fail(errors: list[str]) -> None:
    for line in errors:
        typer.echo(line, err=True)
    raise typer.Exit(1)


@rules_app.command("check")
def check_command(
    path: Annotated[Optional[Path], typer.Argument(help="rules file (default: $BRIDGE_RULES or rules.yaml)")] = None,
) -> None:
    """Validate a rules file: every problem as path:line:col: message."""
    where = str(path) if path is not None else default_rules_path()
    rules = _load(where)
    typer.echo(
        f"{where}: OK — {len(rules.tiers)} tiers, {len(rules.calendars)} calendars, "
        f"{len(rules.sla.policies)} SLA policies, {len(rules.routing)} routing rules"
    )


@rules_app.command("explain")
def explain_command(
    ticket: Annotated[
        Path,
        typer.Option("--ticket", help='a Zendesk ticket as the API returns it ({"ticket": {...}} or bare), side-loads and "comments" optional'),
    ],
    rules_path: Annotated[Optional[Path], typer.Option("--rules", help="rules file")] = None,
    now: Annotated[Optional[str], typer.Option("--now", help="judge as of this ISO 8601 time with its offset, e.g. 2026-11-23T09:30:00Z")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Which tier, routing rules, SLA policy, due times and escalation — and why."""
    from bridge.connectors.zendesk_json import ticket_from_document
    from bridge.sync.escalate import issue_key_from_tags

    rules = _load(str(rules_path) if rules_path is not None else default_rules_path())
    try:
        parsed = ticket_from_document(json.loads(ticket.read_text(encoding="utf-8-sig")))  # (a BOM is no error)
    except (OSError, ValueError, RecursionError) as error:
        _fail([f"{ticket}: cannot read a Zendesk ticket: {error}"])
        return
    moment = _parse_now(now)
    if moment < parsed.updated_at:
        # The file shows the ticket as it is later (replies, status): what it was then is not in it.
        when = f"--now {iso_z(moment)}" if now is not None else f"now ({iso_z(moment)})"
        _fail([f"{ticket}: {when} is before the ticket's last update ({iso_z(parsed.updated_at)}): "
               "the file shows it as it is since; judge it as of that moment or later (--now)"])
    try:
        explanation = explain(parsed, rules, now=moment, attach_to=issue_key_from_tags(parsed.tags))
    except (ValueError, OverflowError) as error:  # e.g. a time in year 9999: no calendar reaches it
        _fail([f"{ticket}: cannot judge the ticket as of {iso_z(moment)}: {error}"])
        return
    if as_json:
        typer.echo(json.dumps(to_json(explanation), indent=2))
    else:
        Console().print(to_table(explanation, title=f"Ticket {parsed.id} as of {iso_z(moment)}"))


def _load(where: str) -> Rules:
    try:
        return load_rules(where)
    except RulesError as error:
        _fail([str(problem) for problem in error.problems])
    except Exception as error:  # the edge: a bug in the checker must still not show a traceback
        _fail([f"{where}: internal error while reading the rules ({type(error).__name__}: {error}); please report it"])
    raise AssertionError("unreachable")  # pragma: no cover


def _parse_now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(timezone.utc)  # the CLI edge may read the clock; evaluate never does
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        _fail([f"--now: {text!r} is not an ISO 8601 time, e.g. 2026-11-23T09:30:00Z"])
        raise
    if moment.tzinfo is None:  # (a date alone, or a week date, is read as a naive midnight)
        # a time without an offset is hours off on a calendar far from UTC: never guessed
        _fail([f"--now: {text!r} needs a date, a time and a UTC offset, e.g. 2026-11-23T09:30:00Z"])
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is a moment before year 1
        _fail([f"--now: {text!r} is out of range"])
        raise


def rules_json_schema() -> dict[str, Any]:
    """The JSON Schema of rules.yaml, generated from the models."""
    schema = Rules.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_command() -> None:
    """Print the JSON Schema of rules.yaml (for editors: see docs/RULES.md)."""
    typer.echo(json.dumps(rules_json_schema(), indent=2))
