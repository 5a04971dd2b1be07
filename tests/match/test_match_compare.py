"""Compare data: normalised field-by-field differences between Microsoft and the documentation."""

from hypothesis import given
from hypothesis import strategies as st

from m365inventory.match import compare
from m365inventory.match.compare import DeviceFacts, FieldDifference

OBSERVED = DeviceFacts(
    name="LAPTOP-ANN",
    serial="5CG1234XYZ",
    macs=("AA:BB:CC:00:00:01", "aa-bb-cc-00-00-02"),
    manufacturer="HP",
    model="HP EliteBook 840 G8",
    operating_system="Windows",
    os_version="10.0.22631.4460",
    primary_user="Ann@Contoso.com",
)


def test_equal_after_normalisation_is_no_difference() -> None:
    documented = DeviceFacts(
        name="laptop-ann.corp.local",
        serial=" 5cg1234xyz ",
        macs=("aabb.cc00.0002", "AABBCC000001", "11:22:33:44:55:66"),
        manufacturer="hp",
        model="HP  EliteBook 840 G8",
        operating_system="WINDOWS",
        os_version="10.0.22631.4460",
        primary_user="ann@contoso.com",
    )
    assert compare.compare_device(microsoft=OBSERVED, configuration=documented) == ()


def test_every_differing_field_is_listed_in_a_fixed_order_with_raw_values() -> None:
    documented = DeviceFacts(
        name="LAPTOP-OLD",
        serial="OTHER123",
        macs=("aa:bb:cc:00:00:01",),
        model="EliteBook 830",
        primary_user="bob@contoso.com",
    )
    differences = compare.compare_device(microsoft=OBSERVED, configuration=documented)
    assert [d.field for d in differences] == [
        "name",
        "serial",
        "macs",
        "manufacturer",
        "model",
        "operating_system",
        "os_version",
        "primary_user",
    ]
    assert differences[0] == FieldDifference(
        field="name", microsoft="LAPTOP-ANN", configuration="LAPTOP-OLD"
    )
    assert differences[2] == FieldDifference(
        field="macs",
        microsoft="aa:bb:cc:00:00:01, aa:bb:cc:00:00:02",
        configuration="aa:bb:cc:00:00:01",
    )
    assert differences[3] == FieldDifference(
        field="manufacturer", microsoft="HP", configuration=None
    )


def test_fields_microsoft_does_not_report_are_not_compared() -> None:
    observed = DeviceFacts(
        name="pc-1", serial="To Be Filled By O.E.M.", macs=("00:00:00:00:00:00",)
    )
    documented = DeviceFacts(name="PC-1", serial="REAL123", macs=("aa:bb:cc:dd:ee:ff",), model="X")
    assert compare.compare_device(microsoft=observed, configuration=documented) == ()


def test_documented_placeholder_serial_differs_from_a_real_one() -> None:
    observed = DeviceFacts(serial="REAL123")
    documented = DeviceFacts(serial="Default string")
    (difference,) = compare.compare_device(microsoft=observed, configuration=documented)
    assert difference == FieldDifference(
        field="serial", microsoft="REAL123", configuration="Default string"
    )


FACTS = st.builds(
    DeviceFacts,
    name=st.one_of(st.none(), st.text()),
    serial=st.one_of(st.none(), st.text()),
    macs=st.lists(st.text(max_size=20), max_size=3).map(tuple),
    manufacturer=st.one_of(st.none(), st.text()),
    model=st.one_of(st.none(), st.text()),
    operating_system=st.one_of(st.none(), st.text()),
    os_version=st.one_of(st.none(), st.text()),
    primary_user=st.one_of(st.none(), st.text()),
)


@given(observed=FACTS, documented=FACTS)
def test_compare_never_crashes_and_a_device_equals_itself(
    observed: DeviceFacts, documented: DeviceFacts
) -> None:
    differences = compare.compare_device(microsoft=observed, configuration=documented)
    assert all(d.field in compare.FIELDS for d in differences)
    assert len({d.field for d in differences}) == len(differences)
    assert compare.compare_device(microsoft=observed, configuration=observed) == ()
