"""The people of the demo: customers and agents in Zendesk, developers in Jira."""

from __future__ import annotations

import io
from typing import Any

import requests
from jira import JIRA
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Organization as ZOrganization
from zenpy.lib.api_objects import Ticket as ZTicket
from zenpy.lib.api_objects import User as ZUser

from bridge.connectors.zendesk import split_host
from bridge.demo.scenario import Customer, ScriptedTicket


class Actors:
    def __init__(self, info: dict[str, Any]) -> None:
        z = info["zendesk"]
        session = requests.Session()
        session.verify = info["ca_bundle"] or True
        session.trust_env = False
        subdomain, domain = split_host(z["url"])
        person = z["colleague"]  # people act with their own account, not the bridge's
        self.zendesk = Zenpy(
            subdomain=subdomain, domain=domain, email=person["email"], token=person["token"], session=session,
            disable_cache=True,
        )
        j = info["jira"]
        developer = j["developer"]  # a developer works under their own Jira account too
        self.jira = JIRA(server=j["url"], basic_auth=(developer["email"], developer["token"]))
        self._organizations: dict[str, int] = {}
        self._users: dict[str, int] = {}

    def _user(self, customer: Customer) -> int:
        if customer.email not in self._users:
            name, domain = customer.organization
            if name not in self._organizations:
                org = self.zendesk.organizations.create(ZOrganization(name=name, domain_names=[domain]))
                self._organizations[name] = org.id
            user = self.zendesk.users.create(
                ZUser(name=customer.name, email=customer.email, organization_id=self._organizations[name])
            )
            self._users[customer.email] = user.id
        return self._users[customer.email]

    def open_ticket(self, scripted: ScriptedTicket) -> int:
        requester = self._user(scripted.requester)
        created = self.zendesk.tickets.create(
            ZTicket(
                subject=scripted.subject,
                comment=ZComment(body=scripted.description, public=True),
                requester_id=requester,
                organization_id=self._organizations[scripted.requester.organization[0]],
                priority=scripted.priority,
                type=scripted.type,
                tags=list(scripted.tags),
            )
        )
        ticket_id = created.ticket.id
        uploads = [self.zendesk.attachments.upload(io.BytesIO(text.encode()), target_name=name).token
                   for name, text in scripted.files]
        for n, note in enumerate(scripted.internal_notes):
            self.zendesk.tickets.update(ZTicket(id=ticket_id, comment=ZComment(
                body=note, public=False, uploads=uploads if n == 0 else [])))
        return ticket_id

    def agent_reply(self, ticket_id: int, text: str) -> None:
        self.zendesk.tickets.update(ZTicket(id=ticket_id, comment=ZComment(body=text, public=True), status="open"))

    def agent_escalate(self, ticket_id: int, note: str) -> None:
        self.zendesk.tickets.update(
            ZTicket(id=ticket_id, comment=ZComment(body=note, public=False), additional_tags=["tier4"])
        )

    def agent_attach(self, ticket_id: int, issue_key: str) -> None:
        """The agent sees the same problem and points the ticket at the existing issue."""
        self.zendesk.tickets.update(
            ZTicket(id=ticket_id, comment=ZComment(body=f"Same problem as {issue_key}; linking.", public=False),
                    additional_tags=[f"jira_{issue_key.lower()}"])
        )

    def dev_transition(self, issue_key: str, to_status: str) -> None:
        for transition in self.jira.transitions(issue_key):
            if transition["to"]["name"].lower() == to_status.lower():
                self.jira.transition_issue(issue_key, transition["id"])
                return
        raise RuntimeError(f"no transition of {issue_key} leads to {to_status}")

    def dev_comment(self, issue_key: str, text: str) -> None:
        self.jira.add_comment(issue_key, text)

    def dev_attach(self, issue_key: str, name: str, text: str) -> None:
        self.jira.add_attachment(issue=issue_key, attachment=io.BytesIO(text.encode()), filename=name)
