"""Jira REST API v2, through the `jira` library: the only module that talks to Jira."""

from __future__ import annotations

import io
import logging
import threading
import math
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar

import requests
from jira import JIRA, JIRAError

from bridge.connectors.errors import ApiError, NotFound, RetriableError, from_status
from bridge.connectors.files import read_capped
from bridge.connectors.jira_json import issue_from_json
from bridge.connectors.marker import sign, signed_for
from bridge.model import Issue

log = logging.getLogger(__name__)

SERVICE = "jira"
# What the sync core reads of an issue (`jira_json.issue_from_json`): the links tell a duplicate.
ISSUE_FIELDS = ("summary", "status", "labels", "updated", "resolution", "comment", "issuelinks", "attachment")
T = TypeVar("T")

# Searching by this label finds a ticket's issue even when the store was lost.
TICKET_LABEL_PREFIX = "zendesk-"


def ticket_label(ticket_id: int) -> str:
    return f"{TICKET_LABEL_PREFIX}{ticket_id}"


def tickets_from_labels(labels: Iterable[str]) -> list[int]:
    """The tickets an issue's labels name (`zendesk-1234`), in order."""
    return sorted(
        int(number) for label in labels
        if label.startswith(TICKET_LABEL_PREFIX) and (number := label.removeprefix(TICKET_LABEL_PREFIX)).isdigit()
    )


# Jira refuses a description or comment longer than this (jira.text.field.character.limit):
# a pasted log would make the escalation or the reply a dead letter.
TEXT_LIMIT = 32_767
# Pages of newest comments a retry reads for its earlier attempt's: an attempt more than
# that many comments ago is older than any lease.
SIGNED_PAGES = 4
COMMENT_PAGE = 50  # Cloud's default page; asked for, so a shorter page is known to be the last
_CUT = "\n\n(cut here: Jira takes at most 32,767 characters; the whole text is in Zendesk)"


def fit(text: str, *, room: int = 0) -> str:
    """`text` cut to Jira's limit less `room` (for a signature), saying so; a {noformat} block
    left open by the cut is closed, so the note is not shown as part of the ticket's text.
    Jira counts UTF-16 units (Java strings): an emoji is two."""
    if _units(text) + room <= TEXT_LIMIT:
        return text
    budget = TEXT_LIMIT - room - _units(_CUT) - _units("\n{noformat}")
    kept = _first_units(text, budget)
    if kept.count("{noformat}") % 2:
        kept += "\n{noformat}"
    return kept + _CUT


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _first_units(text: str, count: int) -> str:
    """The start of `text` that is at most `count` UTF-16 units; an emoji split in two is dropped whole."""
    return text.encode("utf-16-le")[: 2 * count].decode("utf-16-le", errors="ignore")


def render_description(sections: Sequence[tuple[str, str]]) -> str:
    """Jira wiki markup (REST v2 takes descriptions as plain wiki strings).

    Ticket text goes in {noformat} blocks: error messages and stack traces keep their
    shape, and nothing an end user typed is interpreted as markup. Over Jira's limit, the
    longest section (a pasted log, a long thread) is cut, not the end: the ticket's facts and
    its attachments stay."""
    texts = [text.replace("{noformat}", "{ noformat}").strip() or "—" for _, text in sections]
    over = _units(_rendered(sections, texts)) - TEXT_LIMIT
    if over > 0 and texts:
        longest = max(range(len(texts)), key=lambda n: _units(texts[n]))
        keep = max(0, _units(texts[longest]) - over - _units(_CUT))
        texts[longest] = _first_units(texts[longest], keep) + _CUT
    return _rendered(sections, texts)


def _rendered(sections: Sequence[tuple[str, str]], texts: list[str]) -> str:
    return "\n\n".join(f"h3. {title}\n{{noformat}}\n{text}\n{{noformat}}" for (title, _), text in zip(sections, texts))


class JiraConnector:
    def __init__(
        self, *, url: str, email: str, token: str, ca_bundle: Path | None = None, timeout: float = 30
    ) -> None:
        self.base_url = url.rstrip("/")
        self._email = email
        self._token = token
        self._ca_bundle = ca_bundle
        self._timeout = timeout
        self._client: JIRA | None = None
        self._account_id: str | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> JIRA:
        """Connect on first use: the constructor itself calls the API (serverInfo)."""
        with self._lock:
            if self._client is None:
                self._client = self._call(self._connect)
            return self._client

    def _connect(self) -> JIRA:
        client = JIRA(
            server=self.base_url,
            basic_auth=(self._email, self._token),
            options={"verify": str(self._ca_bundle) if self._ca_bundle else True},
            get_server_info=False,
            max_retries=0,  # the executor retries, honouring Retry-After, without blocking a worker
            timeout=self._timeout,
        )
        # Otherwise REQUESTS_CA_BUNDLE in the environment overrides `verify`.
        client._session.trust_env = False
        info = client.server_info()
        client._version = tuple(info.get("versionNumbers") or (0, 0, 0))
        client.deploymentType = info.get("deploymentType")
        return client

    # --- reading -------------------------------------------------------------------

    def account_id(self) -> str:
        """The bridge's own Jira account (one read, then remembered)."""
        if self._account_id is None:
            me = self._call(lambda: self.client.myself())
            self._account_id = str(me.get("accountId") or me.get("name") or "")
        return self._account_id

    def find_for_ticket(self, ticket_id: int) -> str | None:
        """The issue already created for a ticket, if any (by its label)."""
        jql = f'labels = "{ticket_label(ticket_id)}" ORDER BY created ASC'
        found = self._call(lambda: self.client.search_issues(jql, maxResults=1, fields=["summary"]))
        return found[0].key if found else None

    def issue(self, key: str) -> Issue:
        raw = self._call(lambda: self.client.issue(key, fields=",".join(ISSUE_FIELDS)))
        return self._to_issue(raw.raw)

    def updated_within(self, window: timedelta, *, label: str) -> list[Issue]:
        """Issues carrying `label`, in any project, updated in the last `window`, every page of them.

        A relative date (`-90m`) is read on Jira's own clock and needs no time zone: an
        absolute one would be read in the API account's time zone.
        """
        minutes = max(1, math.ceil(window.total_seconds() / 60))
        jql = f'labels = "{label}" AND updated >= "-{minutes}m" ORDER BY updated ASC'
        found = self._call(
            lambda: self.client.search_issues(
                jql, maxResults=False, fields=list(ISSUE_FIELDS)
            )
        )
        return [self._to_issue(item.raw) for item in found]

    # --- writing -------------------------------------------------------------------

    def create_issue(
        self,
        *,
        project: str,
        summary: str,
        description: str,
        issue_type: str,
        priority: str | None,
        labels: Iterable[str],
        due: str | None = None,
        extra_fields: dict[str, Any] | None = None,
    ) -> str:
        """Create the issue; `extra_fields` (custom fields from rules.yaml) go in as given."""
        fields: dict[str, Any] = {
            **(extra_fields or {}),
            "project": {"key": project},
            "summary": summary[:250],  # Jira rejects summaries over 255 characters
            "description": fit(description),
            "issuetype": {"name": issue_type},
            "labels": sorted(set(labels)),
        }
        if priority:
            fields["priority"] = {"name": priority}
        if due:
            fields["duedate"] = due  # the resolution target, YYYY-MM-DD
        # prefetch=False: the library would read the new issue back, a call we do not need.
        created = self._call(lambda: self.client.create_issue(fields=fields, prefetch=False))
        return created.key

    def add_remote_link(self, key: str, *, url: str, title: str) -> None:
        """A link back to the ticket; `globalId` makes a repeated call update, not duplicate, it."""
        self._call(
            lambda: self.client.add_remote_link(key, destination={"url": url, "title": title}, globalId=_global_id(url))
        )

    def remove_remote_link(self, key: str, *, url: str) -> None:
        """Take the link back to the ticket off the issue (one it lacks, or an issue gone, is no error)."""
        try:
            self._call(lambda: self.client.delete_remote_link(key, global_id=_global_id(url)))
        except NotFound:
            pass

    def add_comment(self, key: str, body: str, *, action_key: str) -> str:
        # What a customer wrote is shown, not obeyed: `[~accountid:…]` would mention a developer,
        # `[text|url]` dress a link up, `{color}`… restyle the comment. Escaped, they read as written.
        literal = re.sub(r"([\[{])", r"\\\1", body)
        signed = sign(fit(literal, room=len(sign("", action_key))), action_key)
        comment = self._call(lambda: self.client.add_comment(key, signed))
        return str(comment.id)

    def signed_comment(self, key: str, action_key: str) -> str | None:
        """The id of a comment written for `action_key`, if an earlier attempt landed: newest
        first, page by page (a busy issue has more comments than one page holds)."""
        start = 0
        for _ in range(SIGNED_PAGES):  # the lease allows a few calls, not a whole busy issue's history
            page = self._call(
                lambda: self.client.comments(key, start_at=start, max_results=COMMENT_PAGE, order_by="-created")
            )
            found = next((str(c.id) for c in page if signed_for(c.body or "", action_key)), None)
            if found is not None or len(page) < COMMENT_PAGE:
                return found
            start += len(page)
        return None

    def add_labels(self, key: str, labels: Iterable[str]) -> frozenset[str]:
        """Add labels to the issue; returns the labels it had before (NotFound: no such issue,
        or one the bridge's account may not see)."""
        update = {"labels": [{"add": label} for label in sorted(set(labels))]}

        def add() -> frozenset[str]:
            issue = self.client.issue(key, fields="labels")
            had = frozenset(getattr(issue.fields, "labels", None) or ())
            issue.update(update=update)
            return had

        return self._call(add)

    def attachments(self, key: str) -> list[tuple[str, int]]:
        """The issue's attachments as (file name, size)."""
        issue = self._call(lambda: self.client.issue(key, fields="attachment"))
        return [(str(a.filename), int(a.size)) for a in getattr(issue.fields, "attachment", None) or ()]

    def add_attachment(self, key: str, *, name: str, data: bytes) -> str:
        """The file added to the issue; its attachment id."""
        added = self._call(lambda: self.client.add_attachment(issue=key, attachment=io.BytesIO(data), filename=name))
        return str(added.id)

    def download(self, file_id: str, *, max_bytes: int, within: float) -> bytes | None:
        """An attachment's content; None when it is larger than `max_bytes` (read no further).
        NotFound: Jira will not give it out (deleted, or not the bridge's to read). RetriableError:
        the read failed or took over `within` s.

        A session of its own, not the client's: that one reads every body whole before
        answering, past any size or time. Jira Cloud answers with a redirect to its media
        store, which the read follows; requests keeps the credentials from that other host."""
        deadline = time.monotonic() + within
        url = f"{self.base_url}/rest/api/2/attachment/content/{file_id}"
        with requests.Session() as session:
            session.trust_env = False  # (REQUESTS_CA_BUNDLE and proxies from the environment would override)
            session.verify = str(self._ca_bundle) if self._ca_bundle else True
            session.auth = (self._email, self._token)
            try:
                with session.get(url, stream=True, timeout=self._timeout) as response:
                    if response.status_code in (401, 403, 404, 410):
                        raise NotFound(SERVICE, f"the file is not given out (HTTP {response.status_code})",
                                       status=response.status_code)
                    if response.status_code >= 300:
                        raise from_status(SERVICE, response.status_code, "reading a file", headers=response.headers)
                    return read_capped(response, max_bytes=max_bytes, deadline=deadline, service=SERVICE)
            except requests.RequestException as exc:  # unreachable, or a connection cut in the middle of the file
                raise RetriableError(SERVICE, f"reading the file: {type(exc).__name__}") from exc

    def current_key(self, key: str) -> str:
        """The issue's key now: Jira answers a key the issue had before a move to another project."""
        return str(self._call(lambda: self.client.issue(key, fields="labels").key))

    def remove_labels(self, key: str, labels: Iterable[str]) -> None:
        """Take labels off the issue (one it lacks is no error)."""
        update = {"labels": [{"remove": label} for label in sorted(set(labels))]}
        self._call(lambda: self.client.issue(key, fields="labels").update(update=update))

    def browse_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{key}"

    # --- plumbing ------------------------------------------------------------------

    def _to_issue(self, raw: dict[str, Any]) -> Issue:
        return issue_from_json(raw, browse_base=self.base_url)

    def _call(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except ApiError:
            raise
        except JIRAError as exc:
            headers = exc.response.headers if exc.response is not None else None
            # Only the response text: str(JIRAError) includes the request headers (Authorization).
            text = (exc.text or "no response body")[:300]
            if exc.status_code == 404 and _jira_error_body(exc.response):
                raise NotFound(SERVICE, text, status=404) from None  # Jira's own answer: no such issue
            raise from_status(SERVICE, exc.status_code or 0, text, headers=headers) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetriableError(SERVICE, f"unreachable: {type(exc).__name__}") from exc


def _global_id(url: str) -> str:
    """The remote link's id of the bridge's own making: one link per ticket on an issue."""
    return f"escalation-bridge:{url}"


def _jira_error_body(response: requests.Response | None) -> bool:
    """Whether a response is Jira's own error (`errorMessages`), not a proxy's or a wrong address's page."""
    try:
        body = response.json() if response is not None else None
    except ValueError:
        return False
    return isinstance(body, dict) and "errorMessages" in body
