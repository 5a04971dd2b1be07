"""Classify what went wrong in a run into a reason, a message and whether to retry soon (pure)."""

from __future__ import annotations

from m365inventory.graph import errors
from m365inventory.sync.rules.failure import Failure

__all__ = ["CONSENT_CODES", "Failure", "classify"]

CONSENT_CODES = frozenset({65001, 7000229, 500011})


def classify(error: BaseException) -> Failure:
    """The Failure for an exception raised while syncing."""
    if isinstance(error, errors.AuthenticationError):
        if error.aadsts in CONSENT_CODES or error.consent_missing:
            return Failure("ConsentMissing", error.message, retryable=False)
        return Failure("AuthenticationFailed", error.message, retryable=False, credentials=True)
    if isinstance(error, errors.MissingPermission):
        needed = ", ".join(error.permissions) or "a Graph application permission"
        return Failure(
            "PermissionMissing",
            f"{error.message}: grant {needed} (application permission) and admin consent",
            retryable=False,
        )
    if isinstance(error, errors.NotApplicable):
        return Failure("NotApplicable", error.message, retryable=False)
    if isinstance(error, errors.Throttled):
        return Failure("Throttled", error.message, retryable=True)
    if isinstance(error, errors.TransientError):
        return Failure("TransientError", error.message, retryable=True)
    if isinstance(error, errors.GraphError):
        return Failure("GraphError", error.message, retryable=False)
    name = type(error).__name__
    if name in {"ApiError", "ConnectError", "ReadTimeout", "RemoteProtocolError", "ConnectTimeout"}:
        return Failure("KubernetesUnavailable", f"{name}: {str(error)[:300]}", retryable=True)
    return Failure("InternalError", f"{name}: {str(error)[:300]}", retryable=True)
