"""Microsoft Graph client: MSAL auth, paging, delta, ``$batch``, throttling (an I/O edge).

Layered like lightkube/httpx: :mod:`calls`/:mod:`selects`/:mod:`batching` build requests
(pure), :mod:`sending` sends them (the only I/O), :mod:`errors`/:mod:`retrying` decide what an
answer means (pure). :class:`GraphConnection` and :class:`GraphClient` are the facade. Only
:mod:`m365inventory.model.graph` is imported from the rest of the package.
"""

from m365inventory.graph.auth import PartnerDelegation, TokenProvider
from m365inventory.graph.client import BatchResult, GraphClient, GraphConnection
from m365inventory.graph.clouds import CHINA, GLOBAL, US_GOV, US_GOV_DOD, Cloud
from m365inventory.graph.credentials import Certificate, ClientAssertion, ClientSecret, Credential
from m365inventory.graph.delta import DeltaChanges, DeltaResync
from m365inventory.graph.errors import (
    AuthenticationError,
    GraphError,
    MissingPermission,
    PermanentError,
    ResyncRequired,
    Throttled,
    TransientError,
)
from m365inventory.graph.events import RequestCounters, RequestEvent
from m365inventory.graph.retrying import RetryPolicy

__all__ = [
    "CHINA",
    "GLOBAL",
    "US_GOV",
    "US_GOV_DOD",
    "AuthenticationError",
    "BatchResult",
    "Certificate",
    "ClientAssertion",
    "ClientSecret",
    "Cloud",
    "Credential",
    "DeltaChanges",
    "DeltaResync",
    "GraphClient",
    "GraphConnection",
    "GraphError",
    "MissingPermission",
    "PartnerDelegation",
    "PermanentError",
    "RequestCounters",
    "RequestEvent",
    "ResyncRequired",
    "RetryPolicy",
    "Throttled",
    "TokenProvider",
    "TransientError",
]
