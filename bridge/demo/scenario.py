"""The demo's scripted support day: customers write in, agents work, developers fix.

The actors here are the people on the other side of the APIs, so they use the vendor
clients directly (zenpy, jira), as a customer's mail client or a developer's browser would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

ACME = ("Acme Corp", "acme.example")
GLOBEX = ("Globex", "globex.example")
INITECH = ("Initech", "initech.example")


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    organization: tuple[str, str]


@dataclass(frozen=True)
class ScriptedTicket:
    ref: str
    at: timedelta  # simulated time after the demo starts
    requester: Customer
    subject: str
    description: str
    priority: str
    type: str
    tags: tuple[str, ...] = ()
    internal_notes: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()  # (name, text) attached to the first internal note
    expect_escalation: bool = False  # linked to a Jira issue in the end
    merged_into: str | None = None  # a colleague's duplicate, merged into that ticket


@dataclass(frozen=True)
class Step:
    """Something a person does later: an agent or a developer."""

    at: timedelta
    ref: str  # the ticket it is about
    action: str  # "agent_reply" | "agent_escalate" | "agent_attach" | "dev_transition" | "dev_comment" | "dev_attach"
    text: str = ""
    extra: dict[str, str] = field(default_factory=dict)


DANA = Customer("Dana Smith", "dana@acme.example", ACME)
LEE = Customer("Lee Park", "lee@acme.example", ACME)
SAM = Customer("Sam Okafor", "sam@globex.example", GLOBEX)
RIO = Customer("Rio Tanaka", "rio@initech.example", INITECH)

TICKETS: tuple[ScriptedTicket, ...] = (
    ScriptedTicket(
        "checkout", timedelta(minutes=0), DANA,
        "Checkout fails with HTTP 500 for card payments",
        "Since 08:40 every card payment in our web shop fails with HTTP 500. Customers cannot buy anything. "
        "PayPal still works.",
        "urgent", "incident", tags=("tier4",),
        internal_notes=(
            "T2: reproduced on staging. Steps: add any item, pay by Visa test card -> 500.\n"
            "Error in the gateway log: NullPointerException at CurrencyMapper.map(CurrencyMapper.java:88).\n"
            "Recent change: tenant switched default currency to CHF yesterday.\n"
            "Workaround offered: PayPal.",
        ),
        files=(("gateway.log", "08:41:07 ERROR PaymentController: charge failed\n"
                "java.lang.NullPointerException\n    at CurrencyMapper.map(CurrencyMapper.java:88)\n"
                "    at PaymentService.charge(PaymentService.java:214)\n"),),
        expect_escalation=True,
    ),
    ScriptedTicket(
        "export", timedelta(minutes=2), SAM,
        "How do I export invoices to CSV?",
        "Where can I export all invoices of last quarter as CSV for our accountant?",
        "normal", "question",
    ),
    ScriptedTicket(
        "reports", timedelta(minutes=4), RIO,
        "Report builder times out for ranges over 90 days",
        "Any sales report over more than 90 days spins for a minute and then shows 'Request timed out'.",
        "high", "problem",
        internal_notes=("T1: confirmed with a 120-day range; 60 days works. Cleared cache, no change.",),
        expect_escalation=True,
    ),
    ScriptedTicket(
        "duplicate", timedelta(minutes=6), LEE,
        "Cannot pay by card - error 500",
        "Our team cannot pay invoices by card since this morning, the page shows error 500.",
        "high", "incident",
        merged_into="checkout",  # Dana's colleague: tagged with the checkout issue, merged into Dana's ticket
    ),
    ScriptedTicket(
        "cards", timedelta(minutes=7), SAM,
        "Card payments declined with error 500",
        "None of our customers can pay by card in the shop since this morning: error 500 after entering the card.",
        "high", "incident",
        expect_escalation=True,  # another customer: attached by an agent to the checkout issue, not escalated again
    ),
    ScriptedTicket(
        "typo", timedelta(minutes=5), SAM,
        "Typo on the billing page",
        "The billing page says 'Recieved' instead of 'Received'.",
        "low", "task",
    ),
)

STEPS: tuple[Step, ...] = (
    Step(timedelta(minutes=10), "checkout", "agent_reply",
         "We have raised this with our engineers as a priority 1 issue and will update you within the hour."),
    Step(timedelta(minutes=12), "duplicate", "agent_attach", extra={"to": "checkout"}),
    Step(timedelta(minutes=13), "cards", "agent_attach", extra={"to": "checkout"}),
    Step(timedelta(minutes=15), "reports", "agent_escalate",
         "T3: query plan shows a full scan on sales_lines for long ranges; needs an index. Escalating."),
    Step(timedelta(minutes=25), "checkout", "dev_transition", extra={"to": "In Progress"}),
    Step(timedelta(minutes=35), "checkout", "dev_comment", "Root cause: CHF missing from the currency table after yesterday's migration."),
    Step(timedelta(minutes=40), "checkout", "dev_attach", "CHF restored to the currency table (migration 2026_11_23_fix).\n"
         "Verified: test charges in CHF, EUR and GBP succeed.\n", extra={"name": "currency-fix.txt"}),
    Step(timedelta(minutes=45), "checkout", "dev_comment", "[public] A fix is deployed to production; card payments work again."),
    Step(timedelta(minutes=50), "checkout", "dev_transition", extra={"to": "Done"}),
)
