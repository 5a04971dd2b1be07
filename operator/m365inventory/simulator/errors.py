"""Error bodies and headers exactly as Microsoft sends them, for Graph and for Entra ID.

Graph: `{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}`. Entra ID token endpoint: `{"error", "error_description" (starting
with the AADSTS code), "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"}`.
Neither ever echoes a secret or token back.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def graph_error(
    *, code: str, message: str, request_id: str, client_request_id: str
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": now_iso(),
                "request-id": request_id,
                "client-request-id": client_request_id,
            },
        }
    }


class GraphError(Exception):
    """Raised inside a Graph handler to answer with Graph's error shape."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


_STATUS_CODES = {
    400: ("BadRequest", "Bad request."),
    401: ("InvalidAuthenticationToken", "Access token validation failure."),
    403: ("Forbidden", "Forbidden."),
    404: ("NotFound", "Not found."),
    409: ("Conflict", "Conflict."),
    410: ("syncStateNotFound", "The sync state is not found or has expired. Resync required."),
    429: ("TooManyRequests", "Too many requests."),
    500: ("InternalServerError", "An internal server error occurred."),
    502: ("BadGateway", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway did not receive a response in time."),
}


def generic(status: int) -> tuple[str, str]:
    """Graph's usual (code, message) for a status, used by injected faults."""
    return _STATUS_CODES.get(status, ("UnknownError", ""))


class IdentityError(Exception):
    """Raised in the token endpoint to answer with Entra ID's OAuth error shape."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(f"AADSTS{aadsts}: {description}")
        self.status = status
        self.error = error
        self.aadsts = aadsts
        self.description = description

    def body(self) -> dict[str, Any]:
        trace_id = str(uuid.uuid4())
        correlation_id = str(uuid.uuid4())
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": (
                f"AADSTS{self.aadsts}: {self.description} Trace ID: {trace_id} "
                f"Correlation ID: {correlation_id} Timestamp: {stamp}"
            ),
            "error_codes": [self.aadsts],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.aadsts}",
        }
