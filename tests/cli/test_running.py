"""`m365-inventory run` logging: kopf's retries are not errors, its give-ups are."""

from __future__ import annotations

import logging

import pytest

from m365inventory.cli.running import QuietRetries

WHAT = "GET https://127.0.0.1:6443/apis/m365.inventory.dev/v1alpha1/tenantmatches"


def filtered(message: str, *, name: str = "kopf._cogs.clients.watching") -> logging.LogRecord:
    record = logging.LogRecord(name, logging.ERROR, __file__, 1, message, None, None)
    logging.getLogger(name).setLevel(logging.DEBUG)
    assert QuietRetries().filter(record)
    return record


@pytest.mark.parametrize(
    ("message", "level"),
    [
        (
            f"Request attempt #1/9 failed; will retry: {WHAT} -> "
            "APITooManyRequestsError('storage is (re)initializing', {})",
            logging.DEBUG,
        ),
        (
            f"Request attempt #2/9 failed; will retry: {WHAT} -> "
            "ClientConnectorError('Connection refused')",
            logging.WARNING,
        ),
        (f"Request attempt #9/9 failed; escalating: {WHAT} -> APIServerError()", logging.ERROR),
        ("Handler 'x' failed with an exception. Will retry.", logging.ERROR),
    ],
)
def test_retries_are_lowered_and_give_ups_stay_errors(message: str, level: int) -> None:
    record = filtered(message)
    assert (record.levelno, record.levelname) == (level, logging.getLevelName(level))


def test_other_loggers_are_untouched() -> None:
    record = filtered(f"Request attempt #1/9 failed; will retry: {WHAT}", name="m365inventory")
    assert record.levelno == logging.ERROR


def test_a_lowered_record_below_the_level_is_dropped() -> None:
    record = logging.LogRecord(
        "kopf.quiet", logging.ERROR, __file__, 1,
        f"Request attempt #1/9 failed; will retry: {WHAT} -> APITooManyRequestsError()",
        None, None,
    )  # fmt: skip
    logging.getLogger("kopf.quiet").setLevel(logging.INFO)
    assert not QuietRetries().filter(record)


def test_kopf_handler_successes_are_dropped_and_failures_kept() -> None:
    from m365inventory.cli.running import quiet_successes

    def record(level: int, message: str) -> logging.LogRecord:
        return logging.LogRecord("kopf.objects", level, __file__, 1, message, None, None)

    assert not quiet_successes(record(logging.INFO, "Handler 'cache-contact' succeeded."))
    assert quiet_successes(record(logging.ERROR, "Handler 'cache-contact' failed with an error."))
    assert quiet_successes(record(logging.INFO, "Timer 'x' has started."))


def test_lease_defaults_follow_the_watched_scope() -> None:
    from m365inventory.cli.running import default_lease_name, election_settings

    assert default_lease_name([]) == "m365-inventory-operator"
    assert default_lease_name(["b", "a"]) == default_lease_name(["a", "b", "a"])
    assert default_lease_name(["a"]) != default_lease_name(["b"])
    settings = election_settings(
        namespaces=[],
        lease_namespace="ops",
        lease_name=None,
        identity="pod-1",
        lease_duration=15,
        renew_deadline=10,
        retry_period=2,
    )
    assert (settings.namespace, settings.name, settings.identity) == (
        "ops",
        "m365-inventory-operator",
        "pod-1",
    )
    with pytest.raises(ValueError, match="lease duration > renew deadline"):
        election_settings(
            namespaces=[],
            lease_namespace=None,
            lease_name=None,
            identity=None,
            lease_duration=5,
            renew_deadline=10,
            retry_period=2,
        )
