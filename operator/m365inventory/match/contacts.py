"""Microsoft user → Contact matching, in the reference product's order.

For each user the first rule with a hit decides:

0. ``bound``: a Contact already bound to this user id keeps it (idempotent across syncs);
1. ``alias``: any SMTP ``proxyAddresses`` entry, ``mail`` or ``otherMails`` equals any e-mail
   address of a Contact;
2. ``username``: the user principal name equals any e-mail address of a Contact;
3. ``name``: first + last name (case-folded, accents stripped) equals a Contact's.

Exactly one candidate is a match; two or more are ``Ambiguous`` (no merge, no creation: a
person decides); no hit at all is ``Create``. Contacts are never shared:

- a Contact bound to a user of this batch is invisible to every other user of the batch (one
  bound to a user id absent from the batch is free again, so a re-created user finds it);
- a Contact matched at one rule is invisible to users decided at later rules (the second
  "Ann Lee", whose e-mail matched nothing, gets her own Contact);
- when several users would take the same Contact at the same rule, none does: each is
  ``Ambiguous`` with the others listed as contenders, and that Contact is held;
- a held Contact (one that is part of any ``Ambiguous`` outcome) turns every later hit on it into
  ``Ambiguous`` too, so nobody takes it or duplicates it until a person has decided.

All of this works rule by rule over the whole batch, so the outcome does not depend on the order
of users or contacts, and costs O(users + contacts) dictionary operations.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from m365inventory.match import normalise

Rule = Literal["bound", "alias", "username", "name"]
RULES: tuple[Rule, ...] = ("bound", "alias", "username", "name")
STATUS_NAMES: dict[Rule, str] = {
    "bound": "Bound",
    "alias": "Alias",
    "username": "Username",
    "name": "Name",
}
"""Each rule as people read it: in Contact status (``matchedBy``, ``ambiguousMatches[].rule``),
Events and the docs. The lower-case ``Rule`` values are Python identifiers, never shown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MicrosoftUser:
    """The Graph ``user`` fields that matching reads."""

    id: str
    user_principal_name: str | None = None
    mail: str | None = None
    other_mails: tuple[str, ...] = ()
    proxy_addresses: tuple[str, ...] = ()
    given_name: str | None = None
    surname: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """A documented contact of the tenant's organization."""

    key: str
    """Unique key, e.g. the Contact object's name."""
    first_name: str | None = None
    last_name: str | None = None
    emails: tuple[str, ...] = ()
    microsoft_user_id: str | None = None
    """The Microsoft user this contact is already bound to, if any."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Matched:
    """The user is this contact."""

    user_id: str
    contact: str
    rule: Rule


@dataclass(frozen=True, slots=True, kw_only=True)
class Ambiguous:
    """More than one contact fits, or another user wants the same one: a person decides."""

    user_id: str
    rule: Rule
    candidates: tuple[str, ...]
    """Contact keys, sorted."""
    contenders: tuple[str, ...] = ()
    """Other user ids that wanted the same contact at the same rule, sorted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Create:
    """Nothing matched: the user gets a new contact."""

    user_id: str


ContactOutcome = Matched | Ambiguous | Create


def aliases(user: MicrosoftUser) -> frozenset[str]:
    """Every normalised address the user receives mail at, the UPN excepted."""
    found = {normalise.proxy_address(value) for value in user.proxy_addresses}
    found.add(normalise.email(user.mail))
    found.update(normalise.email(value) for value in user.other_mails)
    return frozenset(address for address in found if address)


class ContactIndex:
    """Contacts indexed by e-mail address, folded full name and bound user id."""

    __slots__ = ("by_email", "by_name", "by_user")

    def __init__(self, contacts: Iterable[Contact]) -> None:
        self.by_email: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}
        self.by_user: dict[str, set[str]] = {}
        for contact in _unique(contacts):
            for address in filter(None, map(normalise.email, contact.emails)):
                self.by_email.setdefault(address, set()).add(contact.key)
            name = normalise.person_name(first=contact.first_name, last=contact.last_name)
            if name:
                self.by_name.setdefault(name, set()).add(contact.key)
            if contact.microsoft_user_id:
                self.by_user.setdefault(contact.microsoft_user_id, set()).add(contact.key)

    def hits(self, *, rule: Rule, user: MicrosoftUser) -> set[str]:
        """Keys of the contacts that ``rule`` finds for ``user``, before any claims."""
        if rule == "bound":
            return set(self.by_user.get(user.id, ()))
        if rule == "alias":
            return {key for address in aliases(user) for key in self.by_email.get(address, ())}
        if rule == "username":
            username = normalise.email(user.user_principal_name)
            return set(self.by_email.get(username, ())) if username else set()
        name = normalise.person_name(first=user.given_name, last=user.surname)
        return set(self.by_name.get(name, ())) if name else set()


def _contact_order(contact: Contact) -> tuple[str, str, str, tuple[str, ...], str]:
    return (
        contact.key,
        contact.first_name or "",
        contact.last_name or "",
        contact.emails,
        contact.microsoft_user_id or "",
    )


def _unique(contacts: Iterable[Contact]) -> list[Contact]:
    """One contact per key; of duplicates the first in a fixed order wins."""
    by_key: dict[str, Contact] = {}
    for contact in sorted(contacts, key=_contact_order):
        by_key.setdefault(contact.key, contact)
    return list(by_key.values())


@dataclass(slots=True, kw_only=True)
class _Batch:
    """The state carried from one rule to the next."""

    index: ContactIndex
    reserved: dict[str, str]
    """Contact key → the batch user it is bound to."""
    claimed: set[str]
    held: set[str]
    outcomes: dict[str, ContactOutcome]

    def available_hits(self, *, rule: Rule, user: MicrosoftUser) -> set[str]:
        taken = self.claimed
        return {
            key
            for key in self.index.hits(rule=rule, user=user)
            if key not in taken and self.reserved.get(key, user.id) == user.id
        }


def _decide_rule(*, batch: _Batch, rule: Rule, pending: list[MicrosoftUser]) -> None:
    proposals: dict[str, str] = {}
    newly_held: set[str] = set()
    for user in pending:
        hits = batch.available_hits(rule=rule, user=user)
        if len(hits) == 1 and not hits & batch.held:
            proposals[user.id] = next(iter(hits))
        elif hits:
            batch.outcomes[user.id] = Ambiguous(
                user_id=user.id, rule=rule, candidates=tuple(sorted(hits))
            )
            newly_held.update(hits)
    wanted: dict[str, list[str]] = {}
    for user_id, key in proposals.items():
        wanted.setdefault(key, []).append(user_id)
    for key, user_ids in wanted.items():
        if len(user_ids) == 1:
            batch.outcomes[user_ids[0]] = Matched(user_id=user_ids[0], contact=key, rule=rule)
            batch.claimed.add(key)
            continue
        for user_id in user_ids:
            batch.outcomes[user_id] = Ambiguous(
                user_id=user_id,
                rule=rule,
                candidates=(key,),
                contenders=tuple(sorted(other for other in user_ids if other != user_id)),
            )
        newly_held.add(key)
    batch.held.update(newly_held)


def match_contacts(
    *, users: Sequence[MicrosoftUser], contacts: Iterable[Contact]
) -> dict[str, ContactOutcome]:
    """Decide every user of one tenant; the result is keyed by user id in input order.

    Pass all users of the tenant: a Contact bound to a user missing from ``users`` is treated
    as free. Raises ``ValueError`` if two users share an id.
    """
    ids = [user.id for user in users]
    if len(set(ids)) != len(ids):
        raise ValueError("user ids must be unique within one batch")
    index = ContactIndex(contacts)
    in_batch = set(ids)
    batch = _Batch(
        index=index,
        reserved={
            key: user_id
            for user_id, keys in index.by_user.items()
            if user_id in in_batch
            for key in keys
        },
        claimed=set(),
        held=set(),
        outcomes={},
    )
    pending = list(users)
    for rule in RULES:
        _decide_rule(batch=batch, rule=rule, pending=pending)
        pending = [user for user in pending if user.id not in batch.outcomes]
    return {user_id: batch.outcomes.get(user_id, Create(user_id=user_id)) for user_id in ids}
