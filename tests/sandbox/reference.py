"""Helpers to compare emulator payloads with the recorded real ones in shared/reference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
if not REFERENCE.exists():  # checkouts elsewhere: fall back to the shared folder beside /work/main
    REFERENCE = Path("/work/shared/reference")


def load(relative: str) -> Any:
    return json.loads((REFERENCE / relative).read_text())


def zendesk_interactions(name: str) -> list[dict[str, Any]]:
    return load(f"zendesk/decoded/{name}.json")["interactions"]


def zendesk_body(name: str, method: str, path_part: str, index: int = 0) -> Any:
    """The response body of the index-th recorded request matching method and URL part."""
    hits = [i["response"]["body"] for i in zendesk_interactions(name)
            if i["request"]["method"] == method and path_part in i["request"]["uri"]]
    return hits[index]


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def assert_same_shape(ours: dict[str, Any], theirs: dict[str, Any], *, where: str = "",
                      ignore: set[str] = frozenset(), nested: tuple[str, ...] = ()) -> None:  # type: ignore[assignment]
    """Same keys; same JSON type wherever both sides are non-null; recurse into `nested` keys."""
    missing = set(theirs) - set(ours) - ignore
    extra = set(ours) - set(theirs) - ignore
    assert not missing and not extra, f"{where}: missing {sorted(missing)}, extra {sorted(extra)}"
    for key in set(theirs) - ignore:
        a, b = ours[key], theirs[key]
        if a is not None and b is not None:
            assert kind(a) == kind(b), f"{where}.{key}: ours {kind(a)} ({a!r}), recorded {kind(b)} ({b!r})"
        if key in nested and isinstance(a, dict) and isinstance(b, dict):
            assert_same_shape(a, b, where=f"{where}.{key}", ignore=ignore)
