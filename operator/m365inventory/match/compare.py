"""Which documented facts of a device differ from what Microsoft observes ("compare data").

Both sides are normalised before comparing, so "LAPTOP-01.corp.local" equals "laptop-01",
"aa-bb-cc-dd-ee-ff" equals "AABB.CCDD.EEFF" and " abc 123 " equals "ABC123". A field Microsoft
does not report (missing, blank or a placeholder serial) is not compared: there is nothing to
correct the documentation with. Differences carry the values as written, for people to read.
"""

from collections.abc import Callable
from dataclasses import dataclass

from m365inventory.match import normalise


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceFacts:
    """The comparable facts of one machine, from either side."""

    name: str | None = None
    serial: str | None = None
    macs: tuple[str, ...] = ()
    manufacturer: str | None = None
    model: str | None = None
    operating_system: str | None = None
    os_version: str | None = None
    primary_user: str | None = None
    """The primary user's e-mail address or UPN."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldDifference:
    """One field whose documented value does not match Microsoft's."""

    field: str
    microsoft: str
    configuration: str | None


FIELDS: tuple[str, ...] = (
    "name",
    "serial",
    "macs",
    "manufacturer",
    "model",
    "operating_system",
    "os_version",
    "primary_user",
)
"""Every compared field, in the order differences are listed."""


def _text(value: str | None) -> str | None:
    return normalise.fold(value) or None


_SCALAR_FIELDS: tuple[tuple[str, Callable[[str | None], str | None]], ...] = (
    ("name", normalise.device_name),
    ("serial", normalise.serial),
    ("manufacturer", _text),
    ("model", _text),
    ("operating_system", _text),
    ("os_version", _text),
    ("primary_user", normalise.email),
)


def _mac_display(mac: str) -> str:
    return ":".join(mac[start : start + 2] for start in range(0, 12, 2))


def _macs(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(mac for value in values if (mac := normalise.mac(value)))


def _compare_macs(*, microsoft: DeviceFacts, configuration: DeviceFacts) -> FieldDifference | None:
    """A difference when Microsoft sees a MAC the documentation lacks; documenting extra
    MACs (another adapter, a dock) is not one."""
    seen, known = _macs(microsoft.macs), _macs(configuration.macs)
    if seen <= known:
        return None
    return FieldDifference(
        field="macs",
        microsoft=", ".join(_mac_display(mac) for mac in sorted(seen)),
        configuration=", ".join(_mac_display(mac) for mac in sorted(known)) or None,
    )


def compare_device(
    *, microsoft: DeviceFacts, configuration: DeviceFacts
) -> tuple[FieldDifference, ...]:
    """The fields, in a fixed order, where the ``configuration`` disagrees with ``microsoft``."""
    differences: list[FieldDifference] = []
    for field, canonical in _SCALAR_FIELDS:
        observed: str | None = getattr(microsoft, field)
        theirs = canonical(observed)
        if theirs is None or observed is None:
            continue
        documented: str | None = getattr(configuration, field)
        if canonical(documented) != theirs:
            differences.append(
                FieldDifference(field=field, microsoft=observed, configuration=documented)
            )
    macs = _compare_macs(microsoft=microsoft, configuration=configuration)
    if macs is not None:
        differences.append(macs)
    return tuple(sorted(differences, key=lambda difference: FIELDS.index(difference.field)))
