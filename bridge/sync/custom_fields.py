"""Whether the rules read Zendesk custom fields: a webhook does not carry them.

When they do, a change reported by webhook is read in full; when they do not, the
webhook's own description of the ticket is enough (sync/process.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bridge.rules import Rules
from bridge.rules.schema import Condition


def rules_read_custom_fields(rules: Rules) -> bool:
    if rules.fields.type is not None or rules.fields.priority is not None:
        return True
    return _any_condition_reads_fields(rules)


def _any_condition_reads_fields(value: Any) -> bool:
    if isinstance(value, Condition) and value.fields:
        return True
    if isinstance(value, BaseModel):
        return any(_any_condition_reads_fields(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, dict):
        return any(_any_condition_reads_fields(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_any_condition_reads_fields(item) for item in value)
    return False
