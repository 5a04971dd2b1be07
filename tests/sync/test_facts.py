"""Graph entities → the operator-owned status fields (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from m365inventory.model import graph as g
from m365inventory.sync.rules import facts

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
TENANT = "6513270e-269e-4d37-b2a7-4de452e6b438"


def user(**fields: object) -> g.User:
    base: dict[str, object] = {
        "id": "u1",
        "displayName": "Zoë Ålander",
        "givenName": "Zoë",
        "surname": "Ålander",
        "userPrincipalName": "zoe@contoso.com",
        "mail": "Zoe@Contoso.com",
        "proxyAddresses": ["smtp:zoe@contoso.onmicrosoft.com", "SMTP:zoe@contoso.com", "SIP:x"],
        "otherMails": ["zoe.private@example.com"],
        "accountEnabled": True,
        "assignedLicenses": [{"skuId": "sku-e3"}],
    }
    base.update(fields)
    return g.User.model_validate(base)


def test_aliases_primary_first_lower_cased_no_duplicates_no_sip() -> None:
    assert facts.user_aliases(user()) == [
        "zoe@contoso.com",
        "zoe@contoso.onmicrosoft.com",
        "zoe.private@example.com",
    ]


def test_contact_facts_drop_empty_values_and_name_licenses() -> None:
    got = facts.contact_facts(
        user=user(jobTitle=None, businessPhones=[]),
        tenant_id=TENANT,
        skus={"sku-e3": "SPE_E3"},
        entra_fields=False,
        matched_by="Alias",
        now=NOW,
    )
    assert got["licenses"] == ["SPE_E3"]
    assert "jobTitle" not in got
    assert "businessPhones" not in got
    assert "lastSignIn" not in got
    assert got["manageUrl"].endswith("/userId/u1")
    assert got["matchedBy"] == "Alias"


def test_last_sign_in_only_within_30_days() -> None:
    def sign_in(moment: str) -> dict[str, object]:
        return facts.contact_facts(
            user=user(signInActivity={"lastSignInDateTime": moment}),
            tenant_id=TENANT,
            skus={},
            entra_fields=True,
            matched_by="Name",
            now=NOW,
        )

    assert sign_in("2026-11-01T00:00:00Z")["lastSignIn"] == "2026-11-01T00:00:00Z"
    assert "lastSignIn" not in sign_in("2026-10-01T00:00:00Z")


def test_contact_spec_for_a_user_with_no_name_and_no_mail() -> None:
    spec = facts.contact_spec(
        user=g.User.model_validate({"id": "u2", "userPrincipalName": "svc@contoso.com"}),
        organization="contoso",
    )
    assert spec == {"organization": "contoso", "emails": ["svc@contoso.com"]}


def test_contact_spec_truncates_what_the_schema_bounds() -> None:
    spec = facts.contact_spec(user=user(givenName="x" * 5000), organization="o")
    assert len(spec["firstName"]) == 1024


def test_licenses_allow_list_by_part_number_or_id_case_insensitive() -> None:
    skus = [
        g.SubscribedSku.model_validate(
            {
                "skuId": "a",
                "skuPartNumber": "SPE_E3",
                "consumedUnits": 3,
                "prepaidUnits": {"enabled": 5},
            }
        ),
        g.SubscribedSku.model_validate({"skuId": "b", "skuPartNumber": "FLOW_FREE"}),
    ]
    assert [x["skuPartNumber"] for x in facts.licenses(skus, allow_list=["spe_e3"])] == ["SPE_E3"]
    assert [x["skuId"] for x in facts.licenses(skus, allow_list=["b"])] == ["b"]
    assert len(facts.licenses(skus, allow_list=None)) == 2
    assert facts.licenses(skus, allow_list=None)[1]["enabledUnits"] == 5


def test_no_address_no_location() -> None:
    org = g.Organization.model_validate({"id": TENANT, "displayName": "Contoso"})
    assert facts.locations(org) == []
    org = g.Organization.model_validate(
        {"id": TENANT, "displayName": "Contoso", "city": "Seattle", "countryLetterCode": "US"}
    )
    assert facts.locations(org) == [{"name": "Seattle", "city": "Seattle", "country": "US"}]


def test_tenant_facts_default_domain_and_sorted_domains() -> None:
    org = g.Organization.model_validate(
        {
            "id": TENANT,
            "displayName": "Contoso",
            "verifiedDomains": [
                {"name": "contoso.onmicrosoft.com", "isInitial": True},
                {"name": "contoso.com", "isDefault": True},
            ],
        }
    )
    got = facts.tenant_facts(tenant_id=TENANT, display_name=None, organization=org)
    assert got == {
        "tenantId": TENANT,
        "displayName": "Contoso",
        "defaultDomain": "contoso.com",
        "domains": ["contoso.com", "contoso.onmicrosoft.com"],
    }
    assert facts.tenant_facts(tenant_id=TENANT, display_name=None, organization=None) == {
        "tenantId": TENANT,
        "displayName": TENANT,
    }
