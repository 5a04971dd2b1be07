"""Tenant → Organization matching.

The reference product matches an Organization on the tenant name automatically and otherwise
suggests organizations by name similarity. Here:

- an Organization already bound to the tenant keeps it (idempotent across syncs);
- otherwise a tenant whose name equals exactly one Organization's name after case, whitespace
  and punctuation folding (``normalise.literal_name``) is matched, unless that Organization is
  bound to another tenant or another tenant of the same batch also claims it by name (then a
  person decides);
- everything else gets up to ``limit`` suggestions: a name score (rapidfuzz ``ratio`` over
  word-sorted normalised names, i.e. ``token_sort_ratio``) lifted strongly when an
  Organization lists one of the tenant's domains. Names equal only once legal forms are
  dropped ("X Inc" / "X GmbH") or letters transliterated ("Müller" / "Muller") score 100 with
  ``legal-form`` / ``transliteration`` evidence, but are never matched without a person:
  two customers called "X Inc" and "X GmbH" are two customers as often as not.

Why ``token_sort_ratio`` and not ``WRatio``: after legal suffixes are dropped, the words left
are what identifies a company; word order varies ("Pharma Contoso" / "Contoso Pharma") but a
partial match must not score high ("Contoso" inside "Contoso Holdings Europe" is a different
customer as often as not), and ``WRatio``'s partial component does exactly that. It is also
about 25 times slower (5 s versus 0.2 s for 1,000 x 5,000 names on two cores).
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from m365inventory.match import normalise, suggestions
from m365inventory.match.suggestions import Suggestion

DEFAULT_MIN_SCORE = 60
DEFAULT_LIMIT = 3
DEFAULT_DUPLICATE_THRESHOLD = 90
DOMAIN_FLOOR = 90
"""A domain shared with the tenant makes an Organization score at least this…"""
DOMAIN_BONUS = 25
"""…or its name score plus this, whichever is higher (capped at 100)."""
MAX_FUZZY_CHARS = 256
"""Longer names are cut before fuzzy scoring; no real organization name is this long."""

MAX_DOMAIN_EVIDENCE = 3
MAX_EVIDENCE_CHARS = 256
"""Evidence stays short enough for a status field (TenantMatch allows 8 items of 256)."""

MAX_EQUIVALENCE_CHARS = 1024
"""Longer names get no legal-form/transliteration evidence (folding them costs time)."""

MatchReason = Literal["bound", "name"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Tenant:
    """A Microsoft tenant as discovered through Graph."""

    id: str
    display_name: str | None
    verified_domains: tuple[str, ...] = ()
    default_domain: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Organization:
    """A documented organization that a tenant may belong to."""

    key: str
    """Unique key, e.g. the Organization object's name."""
    name: str
    """Display name."""
    domains: tuple[str, ...] = ()
    tenant_id: str | None = None
    """The tenant this organization is already bound to, if any."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantMatchResult:
    """The outcome for one tenant: an automatic match, or suggestions for a person."""

    tenant_id: str
    exact: str | None
    """Key of the automatically matched Organization."""
    reason: MatchReason | None
    suggestions: tuple[Suggestion, ...]
    """Empty when ``exact`` is set."""


def _domain(value: str | None) -> str | None:
    if not isinstance(value, str):
        return None
    domain = value.strip().lower().rstrip(".")
    return domain or None


def _tenant_domains(tenant: Tenant) -> tuple[str, ...]:
    raw = (*tenant.verified_domains, tenant.default_domain)
    return tuple(sorted({domain for value in raw if (domain := _domain(value))}))


def _fuzzy_key(name: str | None) -> str:
    return normalise.sorted_words(normalise.organization_name(name))[:MAX_FUZZY_CHARS]


class OrganizationIndex:
    """Organizations pre-normalised once for many lookups (names, domains, bindings)."""

    __slots__ = (
        "_by_domain",
        "_by_literal_name",
        "_by_name",
        "_by_tenant",
        "_fuzzy_keys",
        "organizations",
    )

    def __init__(self, organizations: Iterable[Organization]) -> None:
        unique = {org.key: org for org in sorted(organizations, key=_org_order, reverse=True)}
        self.organizations: tuple[Organization, ...] = tuple(
            sorted(unique.values(), key=_org_order)
        )
        self._fuzzy_keys = [_fuzzy_key(org.name) for org in self.organizations]
        self._by_name: dict[str, list[int]] = {}
        self._by_literal_name: dict[str, list[int]] = {}
        self._by_domain: dict[str, list[int]] = {}
        self._by_tenant: dict[str, list[int]] = {}
        for index, org in enumerate(self.organizations):
            if name := normalise.organization_name(org.name):
                self._by_name.setdefault(name, []).append(index)
            if literal := normalise.literal_name(org.name):
                self._by_literal_name.setdefault(literal, []).append(index)
            for domain in {d for value in org.domains if (d := _domain(value))}:
                self._by_domain.setdefault(domain, []).append(index)
            if org.tenant_id:
                self._by_tenant.setdefault(org.tenant_id, []).append(index)

    def bound_to(self, tenant_id: str) -> list[int]:
        """Indexes of organizations already bound to ``tenant_id``."""
        return self._by_tenant.get(tenant_id, [])

    def named(self, name: str | None) -> list[int]:
        """Indexes of organizations whose normalised name equals that of ``name``."""
        normalised = normalise.organization_name(name)
        return self._by_name.get(normalised, []) if normalised else []

    def literally_named(self, name: str | None) -> list[int]:
        """Indexes of organizations whose name equals ``name`` after case, whitespace and
        punctuation folding only: the candidates for an automatic match."""
        literal = normalise.literal_name(name)
        return self._by_literal_name.get(literal, []) if literal else []

    def with_domain(self, domain: str) -> list[int]:
        """Indexes of organizations listing ``domain``."""
        return self._by_domain.get(domain, [])

    def name_scores(self, name: str | None, *, min_score: int, limit: int) -> dict[int, int]:
        """Index → 0-100 name score for the best ``limit`` names scoring ``min_score`` or more."""
        query = _fuzzy_key(name)
        if not query or limit <= 0:
            return {}
        hits = process.extract(
            query,
            self._fuzzy_keys,
            scorer=fuzz.ratio,
            processor=None,
            limit=limit,
            score_cutoff=min_score,
        )
        return {index: suggestions.score_to_int(score) for choice, score, index in hits if choice}

    def name_score(self, name: str | None, index: int) -> int:
        """The 0-100 name score of one organization against ``name``."""
        query = _fuzzy_key(name)
        if not query or not self._fuzzy_keys[index]:
            return 0
        return suggestions.score_to_int(fuzz.ratio(query, self._fuzzy_keys[index]))


def _org_order(org: Organization) -> tuple[str, str, tuple[str, ...], str]:
    return (org.name, org.key, org.domains, org.tenant_id or "")


def _candidate(
    *, tenant: Tenant, org: Organization, name_score: int, domain_evidence: list[str]
) -> Suggestion:
    score = name_score
    if domain_evidence:
        score = min(100, max(DOMAIN_FLOOR, name_score + DOMAIN_BONUS))
    bound = ["bound"] if org.tenant_id == tenant.id else []
    if bound:
        score = 100
    shown = [item[:MAX_EVIDENCE_CHARS] for item in domain_evidence[:MAX_DOMAIN_EVIDENCE]]
    return Suggestion(
        key=org.key,
        name=org.name,
        score=score,
        evidence=(*bound, *shown, *_equivalence_evidence(tenant, org), f"name:{name_score}"),
    )


def _equivalence_evidence(tenant: Tenant, org: Organization) -> tuple[str, ...]:
    """``legal-form``, ``transliteration`` or ``legal-form+transliteration`` when the names
    are one name up to those (one item, so that it does not outrank closer names)."""
    mine, theirs = tenant.display_name, org.name
    if not mine or len(mine) > MAX_EQUIVALENCE_CHARS or len(theirs) > MAX_EQUIVALENCE_CHARS:
        return ()
    kind = normalise.name_equivalence(mine, theirs)
    if kind is None or kind == "literal":
        return ()
    return (kind,)


def _suggest(
    *, tenant: Tenant, index: OrganizationIndex, min_score: int, limit: int
) -> tuple[Suggestion, ...]:
    by_org: dict[int, list[str]] = {}
    for domain in _tenant_domains(tenant):
        for org_index in index.with_domain(domain):
            by_org.setdefault(org_index, []).append(f"domain:{domain}")
    # Ask for more fuzzy hits than shown: integer rounding and domain boosts reorder them.
    names = index.name_scores(tenant.display_name, min_score=min_score, limit=limit * 3)
    found = []
    for org_index in {*names, *by_org, *index.bound_to(tenant.id)}:
        name_score = names.get(org_index)
        candidate = _candidate(
            tenant=tenant,
            org=index.organizations[org_index],
            name_score=(
                index.name_score(tenant.display_name, org_index)
                if name_score is None
                else name_score
            ),
            domain_evidence=by_org.get(org_index, []),
        )
        if candidate.score >= min_score:
            found.append(candidate)
    return suggestions.rank(found, limit=limit)


def _automatic(
    *, tenants: Sequence[Tenant], index: OrganizationIndex
) -> dict[str, tuple[int, MatchReason]]:
    """Tenant id → (organization index, reason) for the tenants matched without a person."""
    chosen: dict[str, tuple[int, MatchReason]] = {}
    for tenant in tenants:
        bound = index.bound_to(tenant.id)
        if len(bound) == 1:
            chosen[tenant.id] = (bound[0], "bound")
    proposals: dict[str, int] = {}
    for tenant in tenants:
        if tenant.id in chosen or index.bound_to(tenant.id):
            continue
        named = index.literally_named(tenant.display_name)
        if len(named) == 1 and not index.organizations[named[0]].tenant_id:
            proposals[tenant.id] = named[0]
    claims = Counter(proposals.values())
    for tenant_id, org_index in proposals.items():
        if claims[org_index] == 1:
            chosen[tenant_id] = (org_index, "name")
    return chosen


def match_tenants(
    *,
    tenants: Sequence[Tenant],
    organizations: Iterable[Organization] | OrganizationIndex,
    min_score: int = DEFAULT_MIN_SCORE,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, TenantMatchResult]:
    """Match every tenant of one sync; the result is keyed by tenant id in input order.

    Tenants that contend for one Organization by name are all left for a person. Raises
    ``ValueError`` if two tenants share an id.
    """
    ids = [tenant.id for tenant in tenants]
    if len(set(ids)) != len(ids):
        raise ValueError("tenant ids must be unique within one batch")
    index = (
        organizations
        if isinstance(organizations, OrganizationIndex)
        else OrganizationIndex(organizations)
    )
    automatic = _automatic(tenants=tenants, index=index)
    results: dict[str, TenantMatchResult] = {}
    for tenant in tenants:
        if tenant.id in automatic:
            org_index, reason = automatic[tenant.id]
            results[tenant.id] = TenantMatchResult(
                tenant_id=tenant.id,
                exact=index.organizations[org_index].key,
                reason=reason,
                suggestions=(),
            )
            continue
        results[tenant.id] = TenantMatchResult(
            tenant_id=tenant.id,
            exact=None,
            reason=None,
            suggestions=_suggest(tenant=tenant, index=index, min_score=min_score, limit=limit),
        )
    return results


def near_duplicates(
    *,
    name: str,
    organizations: Iterable[Organization] | OrganizationIndex,
    threshold: int = DEFAULT_DUPLICATE_THRESHOLD,
    limit: int = 10,
) -> tuple[Suggestion, ...]:
    """Organizations whose name is, after normalisation, equal or at least ``threshold``
    similar to ``name``: creating an Organization called ``name`` would duplicate them."""
    index = (
        organizations
        if isinstance(organizations, OrganizationIndex)
        else OrganizationIndex(organizations)
    )
    scores = index.name_scores(name, min_score=threshold, limit=max(limit * 3, limit))
    for org_index in index.named(name):
        scores[org_index] = 100
    found = [
        Suggestion(
            key=index.organizations[org_index].key,
            name=index.organizations[org_index].name,
            score=score,
            evidence=(f"name:{score}",),
        )
        for org_index, score in scores.items()
        if score >= threshold
    ]
    return suggestions.rank(found, limit=limit)
