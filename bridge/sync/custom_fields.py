"""Whether the rules read Zendesk custom fields: a webhook does not carry them.

When they do, a change reported by webhook is read in full; when they do not, the
webhook's own description of the ticket is enough (sync/process.py).
"""

from __future__ import annotations

from bridge.rules import Rules
from bridge.rules.schema import tests_key


def rules_read_custom_fields(rules: Rules) -> bool:
    fields = rules.fields
    if fields.type is not None or fields.priority is not None or fields.product is not None:  # (product: the report's)
        return True
    return tests_key(rules, "fields")
