"""The simulator checks workload identity federation the way Entra ID does.

A ServiceAccount token is accepted as an app's client assertion only when one of the app's
federated identity credentials names its issuer, subject (`system:serviceaccount:<ns>:<name>`)
and audience exactly, and its signature verifies against the issuer's published keys. Real
MSAL over real HTTPS; the tokens here are signed by a stand-in issuer key (the cluster test in
test_workload_identity.py uses the real API server's TokenRequest).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from m365inventory.graph import AuthenticationError, ClientAssertion, GraphConnection, clouds
from m365inventory.simulator import Simulator, generate_world
from m365inventory.simulator.world import FederatedCredential

ISSUER = "https://kubernetes.default.svc.cluster.local"
AUDIENCE = "api://AzureADTokenExchange"
TOKEN = "POST /{tenant}/oauth2/v2.0/token"


class Issuer:
    """A stand-in OIDC issuer (a Kubernetes API server's service-account signing key)."""

    def __init__(self, issuer: str = ISSUER, kid: str = "sa-key-1") -> None:
        self.issuer = issuer
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [public | {"kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def token(self, *, namespace: str, name: str, audience: str = AUDIENCE, **extra: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": f"system:serviceaccount:{namespace}:{name}",
            "aud": [audience],
            "iat": now,
            "nbf": now,
            "exp": now + 600,
        } | extra
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


@pytest.fixture
def sim() -> Iterator[Simulator]:
    world = generate_world(seed=3, tenants=1, users_per_tenant=2, groups_per_tenant=0)
    with Simulator(world) as running:
        yield running


@pytest.fixture
def issuer(sim: Simulator) -> Issuer:
    issuer = Issuer()
    sim.world.trust_issuer(issuer.issuer, issuer.jwks())
    sim.world.add_federated_credential(
        sim.world.apps[0].client_id,
        FederatedCredential(
            name="team-a", issuer=ISSUER, subject="system:serviceaccount:team-a:m365-sync"
        ),
    )
    return issuer


async def _sign_in(sim: Simulator, assertion: str) -> None:
    tenant = sim.world.tenants[0].id
    connection = GraphConnection(
        cloud=clouds.custom(
            authority_host=sim.base_url, graph_url=sim.graph_url, ca_bundle=Path(sim.ca_path)
        ),
        client_id=sim.world.apps[0].client_id,
        credential=ClientAssertion(provider=lambda: assertion),
    )
    async with connection as graph:
        assert (await graph.tenant(tenant).organization()).id == tenant


async def test_the_federated_service_account_signs_in(sim: Simulator, issuer: Issuer) -> None:
    await _sign_in(sim, issuer.token(namespace="team-a", name="m365-sync"))
    assert sim.counters.get(TOKEN, 200) == 1


async def test_another_namespaces_service_account_is_refused(
    sim: Simulator, issuer: Issuer
) -> None:
    # Same issuer, same ServiceAccount name, same audience: only the namespace differs.
    with pytest.raises(AuthenticationError) as refused:
        await _sign_in(sim, issuer.token(namespace="team-b", name="m365-sync"))
    assert refused.value.aadsts == 70021
    assert "Assertion Subject: 'system:serviceaccount:team-b:m365-sync'" in str(refused.value)
    assert "system:serviceaccount:<namespace>:<serviceAccountName>" in str(refused.value)
    assert sim.counters.get(TOKEN, 200) == 0


@pytest.mark.parametrize(
    ("namespace", "name", "audience"),
    [
        ("team-a", "other-sa", AUDIENCE),
        ("team-a", "m365-sync", "https://kubernetes.default.svc"),  # a token for the API server
        ("Team-A", "m365-sync", AUDIENCE),  # Entra compares case-sensitively
    ],
)
async def test_subject_and_audience_must_match_exactly(
    sim: Simulator, issuer: Issuer, namespace: str, name: str, audience: str
) -> None:
    with pytest.raises(AuthenticationError) as refused:
        await _sign_in(sim, issuer.token(namespace=namespace, name=name, audience=audience))
    assert refused.value.aadsts == 70021


async def test_a_token_not_signed_by_the_issuer_is_refused(sim: Simulator, issuer: Issuer) -> None:
    # The right claims, signed by a key the issuer never published under that kid.
    forger = Issuer(kid=issuer.kid)
    with pytest.raises(AuthenticationError) as refused:
        await _sign_in(sim, forger.token(namespace="team-a", name="m365-sync"))
    assert refused.value.aadsts == 700027
    # The right claims with no signature at all.
    claims = jwt.decode(
        issuer.token(namespace="team-a", name="m365-sync"), options={"verify_signature": False}
    )
    unsigned = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(AuthenticationError) as refused:
        await _sign_in(sim, unsigned)
    assert refused.value.aadsts == 700027
    assert sim.counters.get(TOKEN, 200) == 0


async def test_an_expired_token_is_refused(sim: Simulator, issuer: Issuer) -> None:
    past = int(time.time()) - 3600
    token = issuer.token(namespace="team-a", name="m365-sync", iat=past - 600, exp=past)
    with pytest.raises(AuthenticationError) as refused:
        await _sign_in(sim, token)
    assert refused.value.aadsts == 700024


async def test_an_issuer_without_a_federated_credential_is_refused(sim: Simulator) -> None:
    stranger = Issuer(issuer="https://attacker.example")
    sim.world.trust_issuer(stranger.issuer, stranger.jwks())
    with pytest.raises(AuthenticationError) as refused:
        await _sign_in(sim, stranger.token(namespace="team-a", name="m365-sync"))
    assert refused.value.aadsts == 70021
