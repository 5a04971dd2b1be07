"""Tenant → Organization: automatic name matches, suggestions, duplicates guard, properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m365inventory.match import tenants
from m365inventory.match.tenants import Organization, Tenant

CONTOSO = Organization(key="contoso", name="Contoso Ltd", domains=("contoso.com",))
CONTOSO_EU = Organization(key="contoso-eu", name="Contoso Europe")
FABRIKAM = Organization(key="fabrikam", name="Fabrikam, Inc.")
NORTHWIND = Organization(key="northwind", name="Northwind Traders", domains=("northwind.example",))
ORGANIZATIONS = (CONTOSO, CONTOSO_EU, FABRIKAM, NORTHWIND)


def match_one(
    tenant: Tenant, organizations: tuple[Organization, ...] = ORGANIZATIONS, **kwargs: int
) -> tenants.TenantMatchResult:
    return tenants.match_tenants(tenants=[tenant], organizations=organizations, **kwargs)[tenant.id]


@pytest.mark.parametrize("name", ["CONTOSO LTD", "contoso  ltd", "Contoso, Ltd.", " Contoso-Ltd "])
def test_names_equal_after_case_whitespace_and_punctuation_folding_match_automatically(
    name: str,
) -> None:
    result = match_one(Tenant(id="t1", display_name=name))
    assert result.exact == "contoso"
    assert result.reason == "name"
    assert result.suggestions == ()


@pytest.mark.parametrize(
    ("tenant_name", "org_name", "evidence"),
    [
        ("Contoso Inc", "Contoso GmbH", "legal-form"),
        ("CONTOSO, Inc.", "Contoso Ltd", "legal-form"),
        ("Contoso", "Contoso Ltd", "legal-form"),
        ("Smith & Sons", "Smith and Sons", "legal-form"),
        ("Müller Bau", "Muller Bau", "transliteration"),
        ("Søren Ørsted", "Soren Orsted", "transliteration"),
        ("Müller Bau GmbH", "Muller Bau", "legal-form+transliteration"),
    ],
)
def test_names_equal_only_up_to_legal_form_or_transliteration_are_suggestions(
    tenant_name: str, org_name: str, evidence: str
) -> None:
    org = Organization(key="org", name=org_name)
    result = match_one(Tenant(id="t1", display_name=tenant_name), (org,))
    assert (result.exact, result.reason) == (None, None)
    assert [(s.key, s.score, s.evidence) for s in result.suggestions] == [
        ("org", 100, (evidence, "name:100"))
    ]


def test_x_inc_and_x_gmbh_are_never_merged_even_with_a_shared_domain() -> None:
    org = Organization(key="x-gmbh", name="X GmbH", domains=("x.example",))
    tenant = Tenant(id="t1", display_name="X Inc", verified_domains=("x.example",))
    result = match_one(tenant, (org,))
    assert result.exact is None
    assert result.suggestions[0].evidence == ("domain:x.example", "legal-form", "name:100")


def test_existing_binding_wins_over_name() -> None:
    bound = Organization(key="renamed", name="Something Else", tenant_id="t1")
    result = match_one(Tenant(id="t1", display_name="Contoso"), (*ORGANIZATIONS, bound))
    assert (result.exact, result.reason) == ("renamed", "bound")


def test_organization_bound_to_another_tenant_is_not_taken_automatically() -> None:
    taken = Organization(key="contoso", name="Contoso", tenant_id="other-tenant")
    result = match_one(Tenant(id="t1", display_name="Contoso"), (taken,))
    assert result.exact is None
    assert [s.key for s in result.suggestions] == ["contoso"]


def test_two_organizations_with_the_same_normalised_name_are_suggestions() -> None:
    twins = (
        Organization(key="a", name="Contoso Ltd"),
        Organization(key="b", name="CONTOSO GmbH"),
    )
    result = match_one(Tenant(id="t1", display_name="Contoso"), twins)
    assert result.exact is None
    assert [(s.key, s.score) for s in result.suggestions] == [("b", 100), ("a", 100)]


def test_two_tenants_claiming_one_organization_by_name_both_wait_for_a_person() -> None:
    results = tenants.match_tenants(
        tenants=[
            Tenant(id="t1", display_name="Fabrikam"),
            Tenant(id="t2", display_name="FABRIKAM"),
        ],
        organizations=ORGANIZATIONS,
    )
    assert [r.exact for r in results.values()] == [None, None]
    assert all(r.suggestions[0].key == "fabrikam" for r in results.values())


def test_suggestions_rank_by_name_similarity_with_evidence() -> None:
    result = match_one(Tenant(id="t1", display_name="Contosso"))
    assert result.exact is None
    assert [s.key for s in result.suggestions] == ["contoso", "contoso-eu"]
    assert result.suggestions[0].evidence == ("name:93",)
    assert result.suggestions[0].score == 93


def test_shared_domain_is_a_strong_boost() -> None:
    result = match_one(
        Tenant(
            id="t1",
            display_name="NW Trading Group",
            verified_domains=("NorthWind.Example",),
            default_domain="nwtg.onmicrosoft.com",
        )
    )
    best = result.suggestions[0]
    assert best.key == "northwind"
    assert best.score >= tenants.DOMAIN_FLOOR
    assert best.evidence[0] == "domain:northwind.example"
    assert best.evidence[-1].startswith("name:")


def test_domain_breaks_a_score_tie_between_equal_names() -> None:
    twins = (
        Organization(key="a", name="Contoso"),
        Organization(key="b", name="Contoso Ltd", domains=("contoso.com",)),
    )
    tenant = Tenant(id="t1", display_name="Contoso Inc", default_domain="contoso.com")
    result = match_one(tenant, twins)
    assert [s.key for s in result.suggestions] == ["b", "a"]


def test_a_literally_equal_name_matches_even_beside_a_legal_form_twin() -> None:
    twins = (
        Organization(key="a", name="Contoso"),
        Organization(key="b", name="Contoso Ltd", domains=("contoso.com",)),
    )
    tenant = Tenant(id="t1", display_name="CONTOSO", default_domain="contoso.com")
    assert (match_one(tenant, twins).exact, match_one(tenant, twins).reason) == ("a", "name")


def test_suggestions_below_min_score_are_dropped_and_limit_applies() -> None:
    result = match_one(Tenant(id="t1", display_name="Zzyzx Unrelated"))
    assert result.suggestions == ()
    many = tuple(Organization(key=f"k{n}", name=f"Contoso {n}") for n in range(10))
    limited = match_one(Tenant(id="t1", display_name="Contoso 1x"), many)
    assert len(limited.suggestions) == 3
    strict = match_one(Tenant(id="t1", display_name="Contosso"), min_score=95)
    assert strict.suggestions == ()


def test_tenant_without_a_usable_name_gets_domain_suggestions_only() -> None:
    result = match_one(Tenant(id="t1", display_name="🙂", verified_domains=("contoso.com",)))
    assert [s.key for s in result.suggestions] == ["contoso"]
    assert result.suggestions[0].evidence == ("domain:contoso.com", "name:0")


def test_duplicate_tenant_ids_are_rejected() -> None:
    tenant = Tenant(id="t1", display_name="A")
    with pytest.raises(ValueError, match="unique"):
        tenants.match_tenants(tenants=[tenant, tenant], organizations=ORGANIZATIONS)


def test_a_prebuilt_index_gives_the_same_answer() -> None:
    index = tenants.OrganizationIndex(ORGANIZATIONS)
    batch = [Tenant(id="t1", display_name="Contosso"), Tenant(id="t2", display_name="Fabrikam")]
    assert tenants.match_tenants(tenants=batch, organizations=index) == tenants.match_tenants(
        tenants=batch, organizations=ORGANIZATIONS
    )


def test_near_duplicates_guard_creation() -> None:
    found = tenants.near_duplicates(name="Contoso Limited", organizations=ORGANIZATIONS)
    assert [(s.key, s.score) for s in found] == [("contoso", 100)]
    assert tenants.near_duplicates(name="Brand New Co", organizations=ORGANIZATIONS) == ()
    loose = tenants.near_duplicates(name="Contoso", organizations=ORGANIZATIONS, threshold=60)
    assert [s.key for s in loose] == ["contoso", "contoso-eu"]


def test_near_duplicates_includes_exact_normalised_names_even_if_long() -> None:
    long_name = "Contoso " + "x" * 1000
    org = Organization(key="long", name=long_name + " Ltd")
    found = tenants.near_duplicates(name=long_name, organizations=(org,))
    assert [(s.key, s.score) for s in found] == [("long", 100)]


NAMES = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["Contoso", "Contoso Ltd", "Fabrikam", "שלום", "株式会社", "🙂", "Ørsted A/S"]),
)
ORGS = st.lists(
    st.builds(
        Organization,
        key=st.text(min_size=1, max_size=8),
        name=NAMES.map(lambda name: name or ""),
        domains=st.lists(st.sampled_from(["contoso.com", "x.org", "", " "]), max_size=2).map(tuple),
        tenant_id=st.one_of(st.none(), st.sampled_from(["t0", "t1", "zz"])),
    ),
    max_size=12,
    unique_by=lambda org: org.key,
)
TENANTS = st.lists(
    st.builds(
        Tenant,
        id=st.text(min_size=1, max_size=4),
        display_name=NAMES,
        verified_domains=st.lists(st.sampled_from(["contoso.com", "Contoso.COM.", "y.org"])).map(
            tuple
        ),
        default_domain=st.one_of(st.none(), st.text(max_size=20)),
    ),
    max_size=6,
    unique_by=lambda tenant: tenant.id,
)


@settings(max_examples=150, deadline=None)
@given(batch=TENANTS, organizations=ORGS, data=st.data())
def test_results_are_well_formed_and_order_independent(
    batch: list[Tenant], organizations: list[Organization], data: st.DataObject
) -> None:
    results = tenants.match_tenants(tenants=batch, organizations=organizations)
    keys = {org.key for org in organizations}
    assert list(results) == [tenant.id for tenant in batch]
    for result in results.values():
        assert (result.exact is None) == (result.reason is None)
        assert result.exact is None or result.exact in keys
        assert len(result.suggestions) <= 3
        assert all(s.key in keys and 0 <= s.score <= 100 for s in result.suggestions)
        assert [s.score for s in result.suggestions] == sorted(
            (s.score for s in result.suggestions), reverse=True
        )
    automatic = [r.exact for r in results.values() if r.reason == "name"]
    assert len(automatic) == len(set(automatic))
    shuffled = tenants.match_tenants(
        tenants=data.draw(st.permutations(batch)),
        organizations=data.draw(st.permutations(organizations)),
    )
    assert shuffled == results


def test_huge_and_mixed_script_names_do_not_crash() -> None:
    huge = "Contoso " * 100_000 + "🙂 שלום 株式会社 " * 10_000
    organizations = (*ORGANIZATIONS, Organization(key="huge", name=huge))
    result = match_one(Tenant(id="t1", display_name=huge), organizations)
    assert result.exact == "huge"
    assert result.reason == "name"


def test_tenant_bound_to_two_organizations_is_left_to_a_person() -> None:
    first = Organization(key="a", name="Alpha", tenant_id="t1")
    second = Organization(key="b", name="Beta", tenant_id="t1")
    result = match_one(Tenant(id="t1", display_name="Contoso"), (first, second, CONTOSO))
    assert result.exact is None
    assert [(s.key, s.score, s.evidence[0]) for s in result.suggestions] == [
        ("a", 100, "bound"),
        ("b", 100, "bound"),
        ("contoso", 100, "legal-form"),  # "Contoso" vs "Contoso Ltd"
    ]


def test_evidence_stays_small_with_many_shared_domains() -> None:
    domains = tuple(f"{'x' * 250}{n}.example" for n in range(20))
    org = Organization(key="many", name="Many Domains", domains=domains)
    result = match_one(Tenant(id="t1", display_name="Other", verified_domains=domains), (org,))
    (suggestion,) = result.suggestions
    assert len(suggestion.evidence) == 4
    assert all(len(item) <= 256 for item in suggestion.evidence)
