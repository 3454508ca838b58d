"""Attachments in the emulators, through the real clients: uploaded to a Zendesk comment and read
back from its content URL; added to a Jira issue and listed in its fields."""

from __future__ import annotations

import io
import json
from pathlib import Path

import requests
from jira import JIRA
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "zendesk" / "decoded"


def _recorded_upload() -> dict:
    cassette = json.loads((REFERENCE / "TestAttachmentUpload.test_redact_attachment-upload-single.json").read_text())
    return cassette["interactions"][0]["response"]["body"]["upload"]


def test_a_zendesk_upload_has_the_recorded_shape_and_its_file_comes_back_from_the_comment(zenpy: Zenpy, info: dict) -> None:
    upload = zenpy.attachments.upload(io.BytesIO(b"Traceback: NullPointerException"), target_name="trace.log")
    recorded = _recorded_upload()
    assert set(upload.to_dict()) >= {"token", "expires_at", "attachments", "attachment"}
    assert set(upload.attachment.to_dict()) == set(recorded["attachment"])
    created = zenpy.tickets.create(Ticket(subject="Export fails", comment=Comment(body="See the log", uploads=[upload.token])))
    [comment] = list(zenpy.tickets.comments(ticket=created.ticket.id))
    [attachment] = comment.attachments
    assert (attachment.file_name, attachment.size) == ("trace.log", 31)
    session = requests.Session()
    session.verify = info["ca_bundle"]
    session.trust_env = False
    assert session.get(attachment.content_url).status_code == 401  # this sandbox asks who is reading
    read = session.get(attachment.content_url, auth=(f"{info['zendesk']['email']}/token", info["zendesk"]["token"]))
    assert read.content == b"Traceback: NullPointerException"


def test_a_jira_attachment_is_listed_on_the_issue_and_read_back(jira: JIRA, info: dict) -> None:
    issue = jira.create_issue(project="SUP", summary="Export fails", issuetype={"name": "Bug"})
    added = jira.add_attachment(issue=issue.key, attachment=io.BytesIO(b"log line"), filename="trace.log")
    assert (added.filename, added.size) == ("trace.log", 8)
    [listed] = jira.issue(issue.key).fields.attachment
    assert listed.filename == "trace.log" and listed.get() == b"log line"
    refused = requests.post(f"{info['jira']['url']}/rest/api/2/issue/{issue.key}/attachments",
                            auth=(info["jira"]["email"], info["jira"]["token"]), files={"file": ("x.txt", b"x")})
    assert refused.status_code == 403  # without X-Atlassian-Token: no-check, as Jira's XSRF check


def test_a_developer_signs_in_with_their_own_token_and_their_file_is_theirs_in_the_history(jira: JIRA, info: dict) -> None:
    developer = info["jira"]["developer"]
    dev = JIRA(server=info["jira"]["url"], basic_auth=(developer["email"], developer["token"]), max_retries=0)
    assert dev.myself()["accountId"] != jira.myself()["accountId"]
    issue = jira.create_issue(project="SUP", summary="Export fails", issuetype={"name": "Bug"})
    added = dev.add_attachment(issue=issue.key, attachment=io.BytesIO(b"fixed"), filename="fix.txt")
    assert added.author.accountId == dev.myself()["accountId"]
    [history] = jira.issue(issue.key, expand="changelog").changelog.histories
    [item] = history.items
    assert (history.author.accountId, item.field, item.to, item.toString) == (added.author.accountId, "Attachment", added.id, "fix.txt")
    wrong = requests.get(f"{info['jira']['url']}/rest/api/2/myself", auth=(developer["email"], "not-the-token"))
    assert wrong.status_code == 401
