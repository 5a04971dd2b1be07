"""The test CA and TLS certificate the simulator serves, plus app certificate credentials.

`trustme` makes a throwaway CA; the server certificate is valid for 127.0.0.1, ::1 and
localhost. Clients trust the CA file (`ca_path`), never turn verification off.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class TlsFiles:
    ca_path: Path
    cert_path: Path
    key_path: Path


def write_tls_files(directory: Path) -> TlsFiles:
    """Create a CA and a server certificate signed by it, as PEM files in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="M365 Inventory Simulator Test CA")
    server = ca.issue_cert("127.0.0.1", "localhost", "::1")
    files = TlsFiles(
        ca_path=directory / "ca.pem",
        cert_path=directory / "server-chain.pem",
        key_path=directory / "server-key.pem",
    )
    ca.cert_pem.write_to_path(str(files.ca_path))
    server.private_key_pem.write_to_path(str(files.key_path))
    files.cert_path.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    files.key_path.chmod(0o600)
    return files


@dataclass(frozen=True)
class AppCredential:
    """A self-signed certificate credential as an app owner would upload it.

    `private_key_pem` and `certificate_pem` are what MSAL needs; `thumbprint` is the SHA-1
    hex MSAL expects, `thumbprint_sha256` the SHA-256 hex for the x5t#S256 header.
    """

    private_key_pem: str
    certificate_pem: str
    thumbprint: str
    thumbprint_sha256: str

    def __repr__(self) -> str:
        return f"AppCredential(thumbprint={self.thumbprint!r})"


def make_app_credential(*, common_name: str = "m365-inventory-sim") -> AppCredential:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return AppCredential(
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        thumbprint=hashlib.sha1(der).hexdigest().upper(),  # noqa: S324 - it is the x5t format
        thumbprint_sha256=hashlib.sha256(der).hexdigest().upper(),
    )


def certificate_thumbprints(certificate_pem: str) -> tuple[str, str]:
    """base64url SHA-1 and SHA-256 thumbprints, as they appear in x5t / x5t#S256 headers."""
    der = x509.load_pem_x509_certificate(certificate_pem.encode()).public_bytes(
        serialization.Encoding.DER
    )
    sha1 = hashlib.sha1(der).digest()  # noqa: S324 - it is the x5t format
    sha256 = hashlib.sha256(der).digest()
    return _b64url(sha1), _b64url(sha256)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
