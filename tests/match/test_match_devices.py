"""Intune device → Configuration: serial, MAC, name; ambiguity, claims, guard, properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m365inventory.match import devices
from m365inventory.match.devices import Configuration, IntuneDevice

LAPTOP = IntuneDevice(
    id="d1",
    name="LAPTOP-ANN.corp.local",
    serial="5CG1234XYZ",
    wifi_mac="AA:BB:CC:00:00:01",
    ethernet_mac="AA-BB-CC-00-00-02",
    manufacturer="HP",
    model="EliteBook 840 G8",
)


def match_one(
    device: IntuneDevice, configurations: list[Configuration], **kwargs: int
) -> devices.DeviceMatchResult:
    return devices.match_devices(devices=[device], configurations=configurations, **kwargs)[
        device.id
    ]


def test_unique_serial_matches_automatically() -> None:
    config = Configuration(key="c1", name="Ann's laptop", serial=" 5cg1234xyz ")
    result = match_one(LAPTOP, [config])
    assert (result.configuration, result.rule, result.suggestions) == ("c1", "serial", ())


@pytest.mark.parametrize(
    ("mac", "kind"), [("aabb.cc00.0001", "wifi"), ("AA-BB-CC-00-00-01", "ethernet")]
)
def test_unique_mac_matches_automatically(mac: str, kind: str) -> None:
    device = IntuneDevice(id="d1", serial="To Be Filled By O.E.M.", **{f"{kind}_mac": mac})
    config = Configuration(
        key="c1", name="x", serial="Default string", macs=("11:22:33:44:55:66", "aabbcc000001")
    )
    result = match_one(device, [config])
    assert (result.configuration, result.rule) == ("c1", "mac")
    (guard,) = devices.serial_or_mac_candidates(device=device, configurations=[config])
    assert guard.evidence[0] == f"mac:{kind}"


def test_serial_wins_over_mac() -> None:
    by_mac = Configuration(key="by-mac", name="a", macs=("aa:bb:cc:00:00:01",))
    by_serial = Configuration(key="by-serial", name="b", serial="5CG1234XYZ")
    result = match_one(LAPTOP, [by_mac, by_serial])
    assert (result.configuration, result.rule) == ("by-serial", "serial")


def test_placeholder_serials_never_match() -> None:
    device = IntuneDevice(id="d1", name="pc-1", serial="To Be Filled By O.E.M.")
    config = Configuration(key="c1", name="unrelated", serial="TO BE FILLED BY O.E.M.")
    result = match_one(device, [config])
    assert result.configuration is None
    assert result.suggestions == ()


def test_shared_serial_is_never_automatic_and_suggests_both_with_evidence() -> None:
    first = Configuration(key="c1", name="LAPTOP-ANN", serial="5CG1234XYZ")
    second = Configuration(key="c2", name="old record", serial="5cg1234xyz")
    result = match_one(LAPTOP, [first, second])
    assert result.configuration is None
    assert [s.key for s in result.suggestions] == ["c1", "c2"]
    assert result.suggestions[0].evidence == ("serial", "name:100")
    assert result.suggestions[0].score == 99
    assert result.suggestions[1].score == devices.SERIAL_SCORE


def test_serial_ambiguity_is_not_resolved_by_mac() -> None:
    first = Configuration(key="c1", name="a", serial="5CG1234XYZ", macs=("aa:bb:cc:00:00:01",))
    second = Configuration(key="c2", name="b", serial="5CG1234XYZ")
    result = match_one(LAPTOP, [first, second])
    assert result.configuration is None
    assert result.suggestions[0].key == "c1"
    assert result.suggestions[0].evidence[:2] == ("serial", "mac:wifi")
    assert result.suggestions[0].score == devices.SERIAL_AND_MAC_SCORE


def test_two_devices_claiming_one_configuration_both_get_suggestions() -> None:
    twin = IntuneDevice(id="d2", name="LAPTOP-ANN", serial="5CG1234XYZ")
    config = Configuration(key="c1", name="LAPTOP-ANN", serial="5CG1234XYZ")
    results = devices.match_devices(devices=[LAPTOP, twin], configurations=[config])
    for result in results.values():
        assert result.configuration is None
        assert [s.key for s in result.suggestions] == ["c1"]


def test_mac_match_contradicted_by_a_different_serial_is_only_a_suggestion() -> None:
    dock_user = Configuration(
        key="c1", name="other laptop", serial="OTHER123", macs=("aabbcc000002",)
    )
    result = match_one(LAPTOP, [dock_user])
    assert result.configuration is None
    (suggestion,) = result.suggestions
    assert suggestion.evidence[:2] == ("mac:ethernet", "serial-differs")
    assert suggestion.score == devices.CONTRADICTED_MAC_SCORE


def test_device_name_alone_only_suggests() -> None:
    config = Configuration(key="c1", name="laptop-ann")
    near = Configuration(key="c2", name="LAPTOP-ANNA")
    far = Configuration(key="c3", name="SERVER-01")
    result = match_one(IntuneDevice(id="d1", name="LAPTOP-ANN.corp.local"), [far, near, config])
    assert result.configuration is None
    assert [(s.key, s.score) for s in result.suggestions] == [("c1", 100), ("c2", 95)]
    assert result.suggestions[0].evidence == ("name:100",)


def test_name_threshold_is_a_parameter() -> None:
    config = Configuration(key="c1", name="laptop-bob")
    device = IntuneDevice(id="d1", name="laptop-ann")
    assert match_one(device, [config]).suggestions == ()
    loose = match_one(device, [config], min_name_score=60)
    assert [s.key for s in loose.suggestions] == ["c1"]


def test_existing_binding_is_kept() -> None:
    bound = Configuration(key="bound", name="renamed", device_id="d1")
    by_serial = Configuration(key="by-serial", name="b", serial="5CG1234XYZ")
    result = match_one(LAPTOP, [bound, by_serial])
    assert (result.configuration, result.rule) == ("bound", "bound")


def test_configuration_bound_to_another_batch_device_is_neither_matched_nor_suggested() -> None:
    other = IntuneDevice(id="d2", name="LAPTOP-ANN", serial="5CG1234XYZ")
    config = Configuration(key="c1", name="LAPTOP-ANN", serial="5CG1234XYZ", device_id="d2")
    results = devices.match_devices(devices=[LAPTOP, other], configurations=[config])
    assert results["d2"].configuration == "c1"
    assert results["d1"].configuration is None
    assert results["d1"].suggestions == ()


def test_configuration_bound_to_a_vanished_device_is_free_again() -> None:
    config = Configuration(key="c1", name="x", serial="5CG1234XYZ", device_id="re-enrolled")
    result = match_one(LAPTOP, [config])
    assert (result.configuration, result.rule) == ("c1", "serial")


def test_claimed_configuration_is_not_suggested_to_another_device() -> None:
    docked = IntuneDevice(id="d2", name="desk", serial="ZZZ999", ethernet_mac="aabbcc000002")
    config = Configuration(key="c1", name="LAPTOP-ANN", serial="5CG1234XYZ", macs=("aabbcc000002",))
    results = devices.match_devices(devices=[LAPTOP, docked], configurations=[config])
    assert results["d1"].configuration == "c1"
    assert results["d2"].configuration is None
    assert results["d2"].suggestions == ()


def test_serial_or_mac_candidates_for_the_create_guard() -> None:
    by_serial = Configuration(key="c1", name="a", serial="5CG1234XYZ", device_id="someone")
    by_mac = Configuration(key="c2", name="b", macs=("aa:bb:cc:00:00:01",))
    by_name = Configuration(key="c3", name="LAPTOP-ANN")
    found = devices.serial_or_mac_candidates(
        device=LAPTOP, configurations=[by_name, by_mac, by_serial]
    )
    assert [(s.key, s.evidence[0]) for s in found] == [("c1", "serial"), ("c2", "mac:wifi")]
    nothing = IntuneDevice(id="d9", serial="0", wifi_mac="00:00:00:00:00:00")
    assert devices.serial_or_mac_candidates(device=nothing, configurations=[by_serial]) == ()


def test_duplicate_device_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        devices.match_devices(devices=[LAPTOP, LAPTOP], configurations=[])


def test_large_batch_matches_by_index() -> None:
    count = 3000
    fleet = [
        IntuneDevice(id=f"d{n}", name=f"PC-{n}", serial=f"SN{n:08d}X", wifi_mac=f"02{n:010x}")
        for n in range(count)
    ]
    configs = [
        Configuration(key=f"s{n}", name=f"pc-{n}", serial=f"sn{n:08d}x") for n in range(0, count, 3)
    ]
    configs += [
        Configuration(key=f"m{n}", name=f"x-{n}", macs=(f"02:{n:010x}",))
        for n in range(1, count, 3)
    ]
    results = devices.match_devices(devices=fleet, configurations=configs)
    rules = [r.rule for r in results.values()]
    assert rules.count("serial") == count // 3
    assert rules.count("mac") == count // 3
    assert rules.count(None) == count // 3


SERIALS = st.one_of(
    st.none(),
    st.sampled_from(["SN1", "sn1 ", "SN2", "0", "To Be Filled By O.E.M.", ""]),
    st.text(max_size=12),
)
MACS = st.one_of(
    st.none(),
    st.sampled_from(
        ["aa:bb:cc:dd:ee:01", "AABBCCDDEE01", "aa-bb-cc-dd-ee-02", "ff:ff:ff:ff:ff:ff"]
    ),
    st.text(max_size=17),
)
NAMES = st.one_of(
    st.none(), st.sampled_from(["PC-1", "pc-1.corp", "PC-11", "Ünïcødé", "🙂", "שלום"]), st.text()
)
DEVICE_IDS = st.sampled_from(["d1", "d2", "d3", "d4"])
DEVICES = st.lists(
    st.builds(
        IntuneDevice, id=DEVICE_IDS, name=NAMES, serial=SERIALS, wifi_mac=MACS, ethernet_mac=MACS
    ),
    max_size=4,
    unique_by=lambda device: device.id,
)
CONFIGS = st.lists(
    st.builds(
        Configuration,
        key=st.sampled_from(["c1", "c2", "c3", "c4", "c5"]),
        name=NAMES.map(lambda name: name or ""),
        serial=SERIALS,
        macs=st.lists(MACS.map(lambda mac: mac or ""), max_size=2).map(tuple),
        device_id=st.one_of(st.none(), DEVICE_IDS, st.just("gone")),
    ),
    max_size=5,
    unique_by=lambda config: config.key,
)


@settings(max_examples=300, deadline=None)
@given(fleet=DEVICES, configs=CONFIGS, data=st.data())
def test_results_are_consistent_and_order_independent(
    fleet: list[IntuneDevice], configs: list[Configuration], data: st.DataObject
) -> None:
    results = devices.match_devices(devices=fleet, configurations=configs)
    assert list(results) == [device.id for device in fleet]
    matched = [r.configuration for r in results.values() if r.configuration]
    assert len(matched) == len(set(matched)), "a configuration is bound to two devices"
    keys = {config.key for config in configs}
    for result in results.values():
        assert (result.configuration is None) == (result.rule is None)
        assert not (result.configuration and result.suggestions)
        assert len(result.suggestions) <= 3
        assert all(s.key in keys and 0 <= s.score <= 100 for s in result.suggestions)
        assert not {s.key for s in result.suggestions} & set(matched)
    shuffled = devices.match_devices(
        devices=data.draw(st.permutations(fleet)),
        configurations=data.draw(st.permutations(configs)),
    )
    assert shuffled == results


def test_huge_identifiers_do_not_crash() -> None:
    huge = "LAPTOP-" + "Ä🙂" * 200_000
    device = IntuneDevice(id="d1", name=huge, serial=huge, wifi_mac=huge, ethernet_mac=huge)
    config = Configuration(key="c1", name=huge, serial=huge, macs=(huge,))
    result = match_one(device, [config])
    assert (result.configuration, result.rule) == ("c1", "serial")


def test_device_bound_to_two_configurations_gets_both_as_suggestions() -> None:
    first = Configuration(key="c1", name="zeta", device_id="d1")
    second = Configuration(key="c2", name="LAPTOP-ANN", device_id="d1")
    result = match_one(LAPTOP, [first, second])
    assert result.configuration is None
    assert [(s.key, s.score, s.evidence[0]) for s in result.suggestions] == [
        ("c2", 100, "bound"),
        ("c1", 100, "bound"),
    ]
