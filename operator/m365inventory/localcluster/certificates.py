"""Generate the throwaway PKI a local control plane needs.

One CA signs the apiserver's and the controller manager's serving certificates and the
client certificates (admin in ``system:masters``, the controller manager as itself); an RSA
key signs ServiceAccount tokens. Everything is written as PEM files because the Kubernetes
components only accept file paths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

APISERVER_IDENTITIES = (
    "127.0.0.1",
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    # The first address of the default service cluster IP range (10.0.0.0/24).
    "10.0.0.1",
)
FRONT_PROXY_CLIENT_NAME = "front-proxy-client"


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A certificate and its private key on disk."""

    cert_path: Path
    key_path: Path


@dataclass(frozen=True, slots=True)
class ClusterCertificates:
    """Paths of every PEM file the control plane and its clients use."""

    ca_path: Path
    front_proxy_ca_path: Path
    apiserver: KeyPair
    front_proxy_client: KeyPair
    admin: KeyPair
    controller_manager: KeyPair
    controller_manager_serving: KeyPair
    service_account_private_key_path: Path
    service_account_public_key_path: Path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_leaf(*, leaf: trustme.LeafCert, directory: Path, name: str) -> KeyPair:
    pair = KeyPair(cert_path=directory / f"{name}.crt", key_path=directory / f"{name}.key")
    pair.cert_path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    _write_private(pair.key_path, leaf.private_key_pem.bytes())
    return pair


def generate_certificates(*, directory: Path) -> ClusterCertificates:
    """Create a fresh CA, leaf certificates and the ServiceAccount signing key in a directory."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="m365-inventory local control plane")
    ca_path = directory / "ca.crt"
    ca.cert_pem.write_to_path(str(ca_path))

    apiserver = ca.issue_cert(*APISERVER_IDENTITIES, common_name="kube-apiserver")
    controller_manager_serving = ca.issue_cert(
        "127.0.0.1", "localhost", common_name="kube-controller-manager"
    )
    # Client certificates: the apiserver maps CN to the user name and O to the groups.
    # trustme needs one SAN identity; these names are never resolved.
    admin = ca.issue_cert(
        "admin.localcluster.invalid",
        common_name="m365-inventory-admin",
        organization_name="system:masters",
    )
    controller_manager = ca.issue_cert(
        "kube-controller-manager.localcluster.invalid",
        common_name="system:kube-controller-manager",
        organization_name="system:masters",
    )

    # The aggregation layer's CA: without it kube-controller-manager's delegated
    # authentication logs an error every few seconds about a missing requestheader CA.
    front_proxy_ca = trustme.CA(organization_name="m365-inventory local front proxy")
    front_proxy_ca_path = directory / "front-proxy-ca.crt"
    front_proxy_ca.cert_pem.write_to_path(str(front_proxy_ca_path))
    front_proxy_client = front_proxy_ca.issue_cert(
        "front-proxy-client.localcluster.invalid", common_name=FRONT_PROXY_CLIENT_NAME
    )

    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sa_private = directory / "service-account.key"
    sa_public = directory / "service-account.pub"
    _write_private(
        sa_private,
        signing_key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        ),
    )
    sa_public.write_bytes(
        signing_key.public_key().public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    )
    return ClusterCertificates(
        ca_path=ca_path,
        front_proxy_ca_path=front_proxy_ca_path,
        front_proxy_client=_write_leaf(
            leaf=front_proxy_client, directory=directory, name="front-proxy-client"
        ),
        apiserver=_write_leaf(leaf=apiserver, directory=directory, name="apiserver"),
        admin=_write_leaf(leaf=admin, directory=directory, name="admin"),
        controller_manager=_write_leaf(
            leaf=controller_manager, directory=directory, name="controller-manager"
        ),
        controller_manager_serving=_write_leaf(
            leaf=controller_manager_serving,
            directory=directory,
            name="controller-manager-serving",
        ),
        service_account_private_key_path=sa_private,
        service_account_public_key_path=sa_public,
    )
