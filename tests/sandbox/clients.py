"""How tests connect the real clients, exactly as the bridge's connectors do."""

from __future__ import annotations

import requests
from zenpy import Zenpy


def make_zenpy(info: dict, **kwargs: object) -> Zenpy:
    """Exactly how the bridge's connector connects: split the host at its first dot."""
    host = info["zendesk"]["url"].split("://", 1)[1]
    subdomain, domain = host.split(".", 1)
    session = requests.Session()
    session.verify = info["ca_bundle"]
    session.trust_env = False
    return Zenpy(subdomain=subdomain, domain=domain, email=info["zendesk"]["email"],
                 token=info["zendesk"]["token"], session=session, **kwargs)
