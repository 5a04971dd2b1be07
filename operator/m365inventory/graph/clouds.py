"""The Microsoft clouds the operator can talk to: where to get tokens and where Graph lives.

National clouds have their own sign-in and Graph hosts; a custom endpoint (authority host,
Graph base URL and a CA bundle to trust) points the client at the Graph simulator. Credentials
go to a custom authority host only when the operator was started to allow it (see
``sync/credentials.py``): the built-in clouds are the only hosts trusted by default.

Each cloud has its own audience for federated (workload identity) tokens:
https://learn.microsoft.com/graph/api/resources/federatedidentitycredential ("audiences").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Cloud:
    """Endpoints of one Microsoft cloud (or of a stand-in such as the simulator)."""

    name: str
    authority_host: str
    graph_root: str
    ca_bundle: Path | None = None
    validate_authority: bool = True
    graph_version: str = "v1.0"
    token_scope: str | None = None
    federation_audience: str = "api://AzureADTokenExchange"
    """The ``aud`` a federated credential of this cloud expects in a workload identity token."""

    @property
    def graph_url(self) -> str:
        """Base URL of the Graph version used (``https://graph.microsoft.com/v1.0``)."""
        return f"{self.graph_root.rstrip('/')}/{self.graph_version}"

    @property
    def scope(self) -> str:
        """The app-only scope: the Graph resource with ``/.default``."""
        if self.token_scope:
            return self.token_scope
        return f"{self.graph_root.rstrip('/')}/.default"

    def authority(self, tenant_id: str) -> str:
        return f"{self.authority_host.rstrip('/')}/{tenant_id}"


GLOBAL = Cloud(
    name="Global",
    authority_host="https://login.microsoftonline.com",
    graph_root="https://graph.microsoft.com",
)
US_GOV = Cloud(
    name="USGov",
    authority_host="https://login.microsoftonline.us",
    graph_root="https://graph.microsoft.us",
    federation_audience="api://AzureADTokenExchangeUSGov",
)
US_GOV_DOD = Cloud(
    name="USGovDoD",
    authority_host="https://login.microsoftonline.us",
    graph_root="https://dod-graph.microsoft.us",
    federation_audience="api://AzureADTokenExchangeUSGov",
)
CHINA = Cloud(
    name="China",
    authority_host="https://login.chinacloudapi.cn",
    graph_root="https://microsoftgraph.chinacloudapi.cn",
    federation_audience="api://AzureADTokenExchangeChina",
)

CLOUDS: dict[str, Cloud] = {cloud.name: cloud for cloud in (GLOBAL, US_GOV, US_GOV_DOD, CHINA)}


def is_builtin(cloud: Cloud) -> bool:
    """Whether ``cloud`` is one of Microsoft's clouds (not a custom endpoint)."""
    return CLOUDS.get(cloud.name) == cloud


def named(name: str) -> Cloud:
    """The national cloud called ``name`` (as written in a connector's ``spec.cloud``)."""
    try:
        return CLOUDS[name]
    except KeyError:
        known = ", ".join(sorted(CLOUDS))
        raise ValueError(f"unknown cloud {name!r}; expected one of {known}") from None


def custom(
    *,
    authority_host: str,
    graph_url: str,
    ca_bundle: Path | None = None,
    token_scope: str = "https://graph.microsoft.com/.default",  # noqa: S107 - a scope
) -> Cloud:
    """A custom endpoint (the simulator): authority validation off, its own CA trusted.

    ``graph_url`` is the versioned base (``https://127.0.0.1:8443/graph/v1.0``).
    """
    root, _, version = graph_url.rstrip("/").rpartition("/")
    return Cloud(
        name="Custom",
        authority_host=authority_host,
        graph_root=root,
        ca_bundle=ca_bundle,
        validate_authority=False,
        graph_version=version,
        token_scope=token_scope,
    )
