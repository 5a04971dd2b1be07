"""Microsoft user → Contact: the reference's rule order, ambiguity, claims and idempotency."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m365inventory.match import contacts
from m365inventory.match.contacts import Ambiguous, Contact, Create, Matched, MicrosoftUser

ANN = MicrosoftUser(
    id="u-ann",
    user_principal_name="ann@contoso.onmicrosoft.com",
    mail="Ann.Lee@Contoso.com",
    other_mails=("ann.private@example.org",),
    proxy_addresses=("SMTP:Ann.Lee@Contoso.com", "smtp:ann@contoso.com", "X500:/o=x/cn=ann"),
    given_name="Ann",
    surname="Lee",
)


def decide(users: list[MicrosoftUser], known: list[Contact]) -> dict[str, contacts.ContactOutcome]:
    return contacts.match_contacts(users=users, contacts=known)


def test_aliases_cover_proxy_addresses_mail_and_other_mails_but_not_upn() -> None:
    assert contacts.aliases(ANN) == {
        "ann.lee@contoso.com",
        "ann@contoso.com",
        "ann.private@example.org",
    }


@pytest.mark.parametrize(
    "email", ["ANN@contoso.com", "ann.lee@contoso.com", "ann.private@example.org"]
)
def test_rule_1_any_alias_against_any_contact_email(email: str) -> None:
    contact = Contact(key="c1", first_name="A.", last_name="L.", emails=("x@y.z", email))
    assert decide([ANN], [contact]) == {
        "u-ann": Matched(user_id="u-ann", contact="c1", rule="alias")
    }


def test_non_smtp_proxy_address_does_not_match() -> None:
    contact = Contact(key="c1", emails=("/o=x/cn=ann",))
    assert decide([ANN], [contact]) == {"u-ann": Create(user_id="u-ann")}


def test_rule_2_username() -> None:
    contact = Contact(key="c1", emails=("Ann@Contoso.OnMicrosoft.com",))
    assert decide([ANN], [contact])["u-ann"] == Matched(
        user_id="u-ann", contact="c1", rule="username"
    )


def test_rule_3_first_and_last_name_folded() -> None:
    user = MicrosoftUser(id="u1", given_name="Zoë", surname="O'Brien")
    contact = Contact(key="c1", first_name="ZOE", last_name="OBrien")
    assert decide([user], [contact])["u1"] == Matched(user_id="u1", contact="c1", rule="name")


def test_first_rule_with_a_hit_decides() -> None:
    by_name = Contact(key="by-name", first_name="Ann", last_name="Lee")
    by_username = Contact(key="by-username", emails=("ann@contoso.onmicrosoft.com",))
    by_alias = Contact(key="by-alias", emails=("ann@contoso.com",))
    outcome = decide([ANN], [by_name, by_username, by_alias])["u-ann"]
    assert outcome == Matched(user_id="u-ann", contact="by-alias", rule="alias")
    outcome = decide([ANN], [by_name, by_username])["u-ann"]
    assert outcome == Matched(user_id="u-ann", contact="by-username", rule="username")


def test_two_candidates_at_the_deciding_rule_are_ambiguous() -> None:
    first = Contact(key="c1", emails=("ann@contoso.com",))
    second = Contact(key="c2", emails=("ann.lee@contoso.com",))
    unique_by_name = Contact(key="c3", first_name="Ann", last_name="Lee")
    assert decide([ANN], [second, unique_by_name, first])["u-ann"] == Ambiguous(
        user_id="u-ann", rule="alias", candidates=("c1", "c2")
    )


def test_no_hit_creates() -> None:
    assert decide([ANN], [Contact(key="c1", first_name="Bob", last_name="Lee")]) == {
        "u-ann": Create(user_id="u-ann")
    }


def test_existing_binding_is_kept_even_if_emails_changed() -> None:
    bound = Contact(key="old", first_name="Ann", last_name="Smith", microsoft_user_id="u-ann")
    by_alias = Contact(key="other", emails=("ann@contoso.com",))
    assert decide([ANN], [bound, by_alias])["u-ann"] == Matched(
        user_id="u-ann", contact="old", rule="bound"
    )


def test_contact_bound_to_another_batch_user_is_not_available() -> None:
    bob = MicrosoftUser(id="u-bob", given_name="Bob", surname="Ray")
    bobs = Contact(key="c1", emails=("ann@contoso.com",), microsoft_user_id="u-bob")
    outcomes = decide([ANN, bob], [bobs])
    assert outcomes["u-bob"] == Matched(user_id="u-bob", contact="c1", rule="bound")
    assert outcomes["u-ann"] == Create(user_id="u-ann")


def test_contact_bound_to_a_vanished_user_is_free_again() -> None:
    stale = Contact(key="c1", emails=("ann@contoso.com",), microsoft_user_id="u-deleted")
    assert decide([ANN], [stale])["u-ann"] == Matched(user_id="u-ann", contact="c1", rule="alias")


def test_same_name_users_never_share_one_contact() -> None:
    first = MicrosoftUser(id="u1", given_name="John", surname="Smith")
    second = MicrosoftUser(id="u2", given_name="JOHN", surname="SMITH")
    contact = Contact(key="c1", first_name="John", last_name="Smith")
    outcomes = decide([first, second], [contact])
    assert outcomes == {
        "u1": Ambiguous(user_id="u1", rule="name", candidates=("c1",), contenders=("u2",)),
        "u2": Ambiguous(user_id="u2", rule="name", candidates=("c1",), contenders=("u1",)),
    }


def test_stronger_rule_claims_first_and_the_namesake_gets_a_new_contact() -> None:
    owner = MicrosoftUser(id="u1", mail="john@contoso.com", given_name="John", surname="Smith")
    namesake = MicrosoftUser(id="u2", mail="jsmith@contoso.com", given_name="John", surname="Smith")
    contact = Contact(key="c1", first_name="John", last_name="Smith", emails=("john@contoso.com",))
    outcomes = decide([namesake, owner], [contact])
    assert outcomes["u1"] == Matched(user_id="u1", contact="c1", rule="alias")
    assert outcomes["u2"] == Create(user_id="u2")


def test_contact_held_by_an_ambiguity_is_not_taken_by_a_later_rule() -> None:
    twins = [
        MicrosoftUser(id="u1", mail="shared@contoso.com"),
        MicrosoftUser(id="u2", mail="shared@contoso.com"),
    ]
    by_name = MicrosoftUser(id="u3", given_name="Sam", surname="Shared")
    contact = Contact(
        key="c1", first_name="Sam", last_name="Shared", emails=("shared@contoso.com",)
    )
    outcomes = decide([*twins, by_name], [contact])
    assert isinstance(outcomes["u1"], Ambiguous)
    assert isinstance(outcomes["u2"], Ambiguous)
    assert outcomes["u3"] == Ambiguous(user_id="u3", rule="name", candidates=("c1",))


def test_duplicate_user_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        decide([ANN, ANN], [])


def test_result_is_keyed_in_input_order() -> None:
    users = [MicrosoftUser(id=f"u{n}") for n in (3, 1, 2)]
    assert list(decide(users, [])) == ["u3", "u1", "u2"]


EMAILS = st.sampled_from(
    ["a@x.com", "A@X.COM", "b@x.com", "c@y.org", "bad", "", "ש@דוגמה.ישראל", "🙂@x.com"]
)
NAMES = st.one_of(st.none(), st.sampled_from(["Ann", "ANN", "Lee", "Zoë", "", "🙂"]), st.text())
USER_IDS = st.sampled_from(["u1", "u2", "u3", "u4", "u5"])
USERS = st.lists(
    st.builds(
        MicrosoftUser,
        id=USER_IDS,
        user_principal_name=st.one_of(st.none(), EMAILS),
        mail=st.one_of(st.none(), EMAILS),
        other_mails=st.lists(EMAILS, max_size=2).map(tuple),
        proxy_addresses=st.lists(
            st.one_of(
                EMAILS.map(lambda e: "smtp:" + e), EMAILS.map(lambda e: "SMTP:" + e), st.text()
            ),
            max_size=3,
        ).map(tuple),
        given_name=NAMES,
        surname=NAMES,
    ),
    max_size=5,
    unique_by=lambda user: user.id,
)
CONTACTS = st.lists(
    st.builds(
        Contact,
        key=st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6"]),
        first_name=NAMES,
        last_name=NAMES,
        emails=st.lists(EMAILS, max_size=3).map(tuple),
        microsoft_user_id=st.one_of(st.none(), USER_IDS, st.just("gone")),
    ),
    max_size=6,
    unique_by=lambda contact: contact.key,
)


@settings(max_examples=300, deadline=None)
@given(users=USERS, known=CONTACTS, data=st.data())
def test_outcomes_are_consistent_and_order_independent(
    users: list[MicrosoftUser], known: list[Contact], data: st.DataObject
) -> None:
    outcomes = decide(users, known)
    assert list(outcomes) == [user.id for user in users]
    matched = [o.contact for o in outcomes.values() if isinstance(o, Matched)]
    assert len(matched) == len(set(matched)), "a contact is bound to two users"
    keys = {contact.key for contact in known}
    for outcome in outcomes.values():
        if isinstance(outcome, Ambiguous):
            assert outcome.candidates
            assert set(outcome.candidates) <= keys
            assert len(outcome.candidates) > 1 or outcome.contenders or outcome.rule != "bound"
        if isinstance(outcome, Matched):
            assert outcome.contact in keys
    bound_elsewhere = {c.key: c.microsoft_user_id for c in known if c.microsoft_user_id in outcomes}
    for user_id, outcome in outcomes.items():
        if isinstance(outcome, Matched) and outcome.contact in bound_elsewhere:
            assert bound_elsewhere[outcome.contact] == user_id
    shuffled = decide(data.draw(st.permutations(users)), data.draw(st.permutations(known)))
    assert shuffled == outcomes


def test_large_batch_with_thousands_of_namesakes() -> None:
    users = [
        MicrosoftUser(id=f"u{n}", mail=f"user{n}@contoso.com", given_name="Same", surname="Name")
        for n in range(5000)
    ]
    known = [Contact(key=f"c{n}", emails=(f"user{n}@contoso.com",)) for n in range(0, 5000, 2)]
    known.append(Contact(key="namesake", first_name="Same", last_name="Name"))
    outcomes = decide(users, known)
    matched = [o for o in outcomes.values() if isinstance(o, Matched)]
    assert len(matched) == 2500
    contested = [o for o in outcomes.values() if isinstance(o, Ambiguous)]
    assert len(contested) == 2500
    assert all(o.candidates == ("namesake",) and len(o.contenders) == 2499 for o in contested)


def test_user_bound_to_two_contacts_is_ambiguous() -> None:
    first = Contact(key="c1", microsoft_user_id="u-ann")
    second = Contact(key="c2", microsoft_user_id="u-ann", emails=("ann@contoso.com",))
    assert decide([ANN], [second, first])["u-ann"] == Ambiguous(
        user_id="u-ann", rule="bound", candidates=("c1", "c2")
    )
