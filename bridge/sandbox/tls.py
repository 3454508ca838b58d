"""A test CA (trustme) and a loopback server certificate for the Zendesk emulator.

zenpy only speaks https, so the Zendesk emulator must serve TLS; clients trust the CA
file written here (info()["ca_bundle"]). An existing CA in the workdir is reused so a
resumed sandbox keeps working with clients that already trust it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path
    cert_file: Path
    key_file: Path


def make_tls_files(workdir: Path, host: str) -> TlsFiles:
    workdir.mkdir(parents=True, exist_ok=True)
    ca_file, ca_key = workdir / "ca.pem", workdir / "ca.key"
    if ca_file.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(ca_file.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="escalation-bridge sandbox")
        ca.cert_pem.write_to_path(str(ca_file))
        ca.private_key_pem.write_to_path(str(ca_key))
        ca_key.chmod(0o600)
    names = sorted({host, "127.0.0.1", "localhost"})
    leaf = ca.issue_cert(*names)
    cert_file, key_file = workdir / "zendesk-cert.pem", workdir / "zendesk-key.pem"
    leaf.private_key_pem.write_to_path(str(key_file))
    key_file.chmod(0o600)
    with cert_file.open("wb") as out:
        for blob in leaf.cert_chain_pems:
            out.write(blob.bytes())
    return TlsFiles(ca_file=ca_file, cert_file=cert_file, key_file=key_file)
