"""Says, when the bridge starts and when rules.yaml changes, which components `status_page`
names that the page does not have: the incident would be refused (422) and never opened, and
the admin should hear of it before the first possible system-wide issue."""

from __future__ import annotations

import logging

from bridge.connectors.errors import ApiError
from bridge.connectors.statuspage import StatuspageConnector
from bridge.rules import Rules

log = logging.getLogger(__name__)


def check_components(rules: Rules, page: StatuspageConnector | None) -> list[str]:
    """The component ids the rules name that the page lacks, logged as a warning; the page not
    answering now is logged, not raised (the check is advice)."""
    wanted = rules.status_page.components
    if page is None or not wanted:
        return []
    try:
        known = page.component_ids()
    except ApiError as exc:
        log.info("could not check the status page's components rules.yaml names: %s", exc)
        return []
    missing = [cid for cid in wanted if cid not in known]
    if missing:
        log.warning(
            "rules.yaml's status_page names components the page %s does not have: %s. No incident can be "
            "opened there until rules.yaml names the page's own (their ids are in its API, or `bridge sandbox`)",
            page.page_id, ", ".join(missing),
        )
    return missing
