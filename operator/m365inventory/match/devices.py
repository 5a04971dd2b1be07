"""Intune device → Configuration matching.

Rules, in order; the first rule with an available hit decides:

0. ``bound``: a Configuration already bound to this device id keeps it (idempotent);
1. ``serial``: the normalised serial number (placeholders such as "To Be Filled By O.E.M."
   never match);
2. ``mac``: the Wi-Fi or Ethernet MAC against any MAC of a Configuration, unless the
   Configuration documents a different real serial (a dock's Ethernet MAC travels between
   laptops), which makes it a suggestion only;
3. device name: fuzzy, suggestions only.

A rule's hit is automatic only when it is unique both ways: one Configuration for the device,
and no other device of the batch wanting the same Configuration at the same rule. Otherwise the
device gets up to ``limit`` suggestions with evidence ("serial", "mac:wifi", "name:87"), and
the Configurations involved are held: no later rule matches them automatically either.
Configurations bound to or matched by another device of the batch are neither matched nor
suggested. Everything works rule by rule over the whole batch, so results do not depend on
input order; the exact rules are dictionary lookups and only devices left unmatched are
fuzzy-matched, against the Configurations left unclaimed.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from m365inventory.match import normalise, suggestions
from m365inventory.match.suggestions import Suggestion

DeviceRule = Literal["bound", "serial", "mac"]
RULES: tuple[DeviceRule, ...] = ("bound", "serial", "mac")
DEFAULT_LIMIT = 3
DEFAULT_MIN_SCORE = 60
DEFAULT_MIN_NAME_SCORE = 80
"""Default Windows names ("DESKTOP-1A2B3C4") resemble each other at 60-70; below 80 a name
alone is noise."""
SERIAL_SCORE = 95
MAC_SCORE = 90
SERIAL_AND_MAC_SCORE = 100
CONTRADICTED_MAC_SCORE = 70
"""A MAC match whose Configuration documents a different serial."""
NAME_BONUS_FROM = 60
"""Serial or MAC evidence gains up to 4 points from a name scoring above this."""
MAX_FUZZY_CHARS = 128


@dataclass(frozen=True, slots=True, kw_only=True)
class IntuneDevice:
    """The Intune ``managedDevice`` fields that matching reads."""

    id: str
    name: str | None = None
    serial: str | None = None
    wifi_mac: str | None = None
    ethernet_mac: str | None = None
    manufacturer: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Configuration:
    """A documented configuration (computer) of the organization."""

    key: str
    """Unique key, e.g. the Configuration object's name."""
    name: str
    serial: str | None = None
    macs: tuple[str, ...] = ()
    device_id: str | None = None
    """The Intune device this configuration is already bound to, if any."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceMatchResult:
    """The outcome for one device: an automatic match, or suggestions for a person."""

    device_id: str
    configuration: str | None
    """Key of the automatically matched Configuration."""
    rule: DeviceRule | None
    suggestions: tuple[Suggestion, ...]
    """Empty when ``configuration`` is set."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Observed:
    """A device's identifiers, normalised once."""

    serial: str | None
    macs: tuple[tuple[str, str], ...]
    """(kind, mac) pairs, kind being "wifi" or "ethernet"."""
    name: str


def _observe(device: IntuneDevice) -> _Observed:
    macs = ((kind, normalise.mac(value)) for kind, value in _mac_fields(device))
    return _Observed(
        serial=normalise.serial(device.serial),
        macs=tuple((kind, value) for kind, value in macs if value),
        name=(normalise.device_name(device.name) or "")[:MAX_FUZZY_CHARS],
    )


def _mac_fields(device: IntuneDevice) -> tuple[tuple[str, str | None], ...]:
    return (("wifi", device.wifi_mac), ("ethernet", device.ethernet_mac))


def _config_order(config: Configuration) -> tuple[str, str, str, tuple[str, ...], str]:
    return (config.name, config.key, config.serial or "", config.macs, config.device_id or "")


class ConfigurationIndex:
    """Configurations indexed by serial, MAC and bound device id, names pre-normalised."""

    __slots__ = ("_by_device", "_by_mac", "_by_serial", "configurations", "names", "serials")

    def __init__(self, configurations: Iterable[Configuration]) -> None:
        by_key: dict[str, Configuration] = {}
        for config in sorted(configurations, key=_config_order):
            by_key.setdefault(config.key, config)
        self.configurations: tuple[Configuration, ...] = tuple(by_key.values())
        self.names = [
            (normalise.device_name(config.name) or "")[:MAX_FUZZY_CHARS]
            for config in self.configurations
        ]
        self.serials = [normalise.serial(config.serial) for config in self.configurations]
        self._by_serial: dict[str, list[int]] = {}
        self._by_mac: dict[str, list[int]] = {}
        self._by_device: dict[str, list[int]] = {}
        for index, config in enumerate(self.configurations):
            if serial := self.serials[index]:
                self._by_serial.setdefault(serial, []).append(index)
            for mac in {m for value in config.macs if (m := normalise.mac(value))}:
                self._by_mac.setdefault(mac, []).append(index)
            if config.device_id:
                self._by_device.setdefault(config.device_id, []).append(index)

    def bound_to(self, device_id: str) -> list[int]:
        """Indexes of configurations already bound to ``device_id``."""
        return self._by_device.get(device_id, [])

    def with_serial(self, serial: str | None) -> list[int]:
        """Indexes of configurations with this normalised serial."""
        return self._by_serial.get(serial, []) if serial else []

    def with_mac(self, mac: str) -> list[int]:
        """Indexes of configurations listing this normalised MAC."""
        return self._by_mac.get(mac, [])

    def serial_differs(self, index: int, observed: _Observed) -> bool:
        """Whether both sides have a real serial and they differ."""
        documented = self.serials[index]
        return bool(observed.serial and documented and documented != observed.serial)

    def hits(self, *, rule: DeviceRule, device: IntuneDevice, observed: _Observed) -> set[int]:
        """Indexes that ``rule`` finds for ``device``, before any claims."""
        if rule == "bound":
            return set(self.bound_to(device.id))
        if rule == "serial":
            return set(self.with_serial(observed.serial))
        return {index for _, mac in observed.macs for index in self.with_mac(mac)}


@dataclass(slots=True, kw_only=True)
class _Batch:
    """The state carried from one rule to the next."""

    index: ConfigurationIndex
    observed: dict[str, _Observed]
    reserved: dict[int, str]
    """Configuration index → the batch device it is bound to."""
    claimed: set[int]
    held: set[int]
    matched: dict[str, tuple[int, DeviceRule]]
    undecided: set[str]
    """Devices whose deciding rule hit something but not automatically."""

    def available(self, *, device_id: str, candidates: Iterable[int]) -> set[int]:
        return {
            index
            for index in candidates
            if index not in self.claimed and self.reserved.get(index, device_id) == device_id
        }


def _automatic_hit(
    *, batch: _Batch, rule: DeviceRule, device: IntuneDevice, hits: set[int]
) -> int | None:
    if len(hits) != 1 or hits & batch.held:
        return None
    (hit,) = hits
    if rule == "mac" and batch.index.serial_differs(hit, batch.observed[device.id]):
        return None
    return hit


def _decide_rule(*, batch: _Batch, rule: DeviceRule, pending: list[IntuneDevice]) -> None:
    proposals: dict[str, int] = {}
    newly_held: set[int] = set()
    for device in pending:
        raw = batch.index.hits(rule=rule, device=device, observed=batch.observed[device.id])
        hits = batch.available(device_id=device.id, candidates=raw)
        hit = _automatic_hit(batch=batch, rule=rule, device=device, hits=hits)
        if hit is not None:
            proposals[device.id] = hit
        elif hits:
            batch.undecided.add(device.id)
            newly_held.update(hits)
    wanted = Counter(proposals.values())
    for device_id, hit in proposals.items():
        if wanted[hit] == 1:
            batch.matched[device_id] = (hit, rule)
            batch.claimed.add(hit)
        else:
            batch.undecided.add(device_id)
            newly_held.add(hit)
    batch.held.update(newly_held)


def _exact_evidence(*, index: ConfigurationIndex, observed: _Observed) -> dict[int, list[str]]:
    """Configuration index → serial and MAC evidence for one device."""
    evidence: dict[int, list[str]] = {}
    for hit in index.with_serial(observed.serial):
        evidence.setdefault(hit, []).append("serial")
    for kind, mac in observed.macs:
        for hit in index.with_mac(mac):
            evidence.setdefault(hit, []).append(f"mac:{kind}")
    return evidence


def _score(*, evidence: list[str], name_score: int, serial_differs: bool) -> int:
    if "bound" in evidence:
        return 100
    has_serial = "serial" in evidence
    has_mac = any(item.startswith("mac:") for item in evidence)
    if has_serial and has_mac:
        base = SERIAL_AND_MAC_SCORE
    elif has_serial:
        base = SERIAL_SCORE
    elif has_mac:
        base = CONTRADICTED_MAC_SCORE if serial_differs else MAC_SCORE
    else:
        return name_score
    return min(100, base + max(0, name_score - NAME_BONUS_FROM) // 10)


class _NameScorer:
    """Fuzzy name scores against the unclaimed configurations, once per distinct name."""

    __slots__ = ("_cache", "_choices", "_limit", "_min_score")

    def __init__(self, *, choices: list[str | None], min_score: int, limit: int) -> None:
        self._choices = choices
        self._min_score = min_score
        self._limit = limit
        self._cache: dict[str, dict[int, int]] = {}

    def scores(self, query: str) -> dict[int, int]:
        """Configuration index -> 0-100 score for the best names similar to ``query``."""
        if not query or self._limit <= 0:
            return {}
        if query not in self._cache:
            hits = process.extract(
                query,
                self._choices,
                scorer=fuzz.ratio,
                processor=None,
                limit=self._limit,
                score_cutoff=self._min_score,
            )
            self._cache[query] = {
                index: suggestions.score_to_int(score) for _, score, index in hits
            }
        return self._cache[query]


def _suggestion(
    *,
    index: ConfigurationIndex,
    position: int,
    observed: _Observed,
    evidence: list[str],
    name_score: int | None,
) -> Suggestion:
    config = index.configurations[position]
    if name_score is None:
        other = index.names[position]
        name_score = suggestions.score_to_int(fuzz.ratio(observed.name, other)) if other else 0
    differs = (
        bool(evidence) and "serial" not in evidence and index.serial_differs(position, observed)
    )
    score = _score(evidence=evidence, name_score=name_score, serial_differs=differs)
    notes = ["serial-differs"] if differs else []
    return Suggestion(
        key=config.key,
        name=config.name,
        score=score,
        evidence=(*evidence, *notes, f"name:{name_score}"),
    )


def _suggest(
    *,
    batch: _Batch,
    device: IntuneDevice,
    scorer: _NameScorer,
    min_score: int,
    limit: int,
) -> tuple[Suggestion, ...]:
    observed = batch.observed[device.id]
    evidence = _exact_evidence(index=batch.index, observed=observed)
    for position in batch.index.bound_to(device.id):
        evidence[position] = ["bound", *evidence.get(position, [])]
    names = scorer.scores(observed.name)
    candidates = batch.available(device_id=device.id, candidates={*evidence, *names})
    found = (
        _suggestion(
            index=batch.index,
            position=position,
            observed=observed,
            evidence=evidence.get(position, []),
            name_score=names.get(position),
        )
        for position in candidates
    )
    return suggestions.rank((item for item in found if item.score >= min_score), limit=limit)


def _decide_exact(*, devices: Sequence[IntuneDevice], index: ConfigurationIndex) -> _Batch:
    """Run the exact rules over the whole batch, one rule at a time."""
    in_batch = {device.id for device in devices}
    batch = _Batch(
        index=index,
        observed={device.id: _observe(device) for device in devices},
        reserved={
            position: config.device_id
            for position, config in enumerate(index.configurations)
            if config.device_id in in_batch
        },
        claimed=set(),
        held=set(),
        matched={},
        undecided=set(),
    )
    pending = list(devices)
    for rule in RULES:
        _decide_rule(batch=batch, rule=rule, pending=pending)
        pending = [
            device
            for device in pending
            if device.id not in batch.matched and device.id not in batch.undecided
        ]
    return batch


def match_devices(
    *,
    devices: Sequence[IntuneDevice],
    configurations: Iterable[Configuration] | ConfigurationIndex,
    min_score: int = DEFAULT_MIN_SCORE,
    min_name_score: int = DEFAULT_MIN_NAME_SCORE,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, DeviceMatchResult]:
    """Match every Intune device of one organization; keyed by device id in input order.

    Pass all devices of the organization: a Configuration bound to a device id missing from
    ``devices`` is treated as free (a re-enrolled device gets a new id). Raises ``ValueError``
    if two devices share an id.
    """
    ids = [device.id for device in devices]
    if len(set(ids)) != len(ids):
        raise ValueError("device ids must be unique within one batch")
    index = (
        configurations
        if isinstance(configurations, ConfigurationIndex)
        else ConfigurationIndex(configurations)
    )
    batch = _decide_exact(devices=devices, index=index)
    choices: list[str | None] = [
        None if position in batch.claimed or position in batch.reserved else name
        for position, name in enumerate(index.names)
    ]
    # More fuzzy hits than shown: integer rounding and exact evidence reorder them.
    scorer = _NameScorer(choices=choices, min_score=min_name_score, limit=limit * 3)
    results: dict[str, DeviceMatchResult] = {}
    for device in devices:
        if device.id in batch.matched:
            position, rule = batch.matched[device.id]
            results[device.id] = DeviceMatchResult(
                device_id=device.id,
                configuration=index.configurations[position].key,
                rule=rule,
                suggestions=(),
            )
            continue
        found = _suggest(
            batch=batch,
            device=device,
            scorer=scorer,
            min_score=min_score,
            limit=limit,
        )
        results[device.id] = DeviceMatchResult(
            device_id=device.id, configuration=None, rule=None, suggestions=found
        )
    return results


def serial_or_mac_candidates(
    *,
    device: IntuneDevice,
    configurations: Iterable[Configuration] | ConfigurationIndex,
    limit: int = 10,
) -> tuple[Suggestion, ...]:
    """Every Configuration sharing the device's serial or a MAC, bound or not, ranked.

    Creating a Configuration for ``device`` while this is non-empty would document the same
    machine twice; the "CreateConfiguration" decision is refused until a person matches or
    ignores the device instead.
    """
    index = (
        configurations
        if isinstance(configurations, ConfigurationIndex)
        else ConfigurationIndex(configurations)
    )
    observed = _observe(device)
    evidence = _exact_evidence(index=index, observed=observed)
    found = (
        _suggestion(
            index=index,
            position=position,
            observed=observed,
            evidence=items,
            name_score=None,
        )
        for position, items in evidence.items()
    )
    return suggestions.rank(found, limit=limit)
