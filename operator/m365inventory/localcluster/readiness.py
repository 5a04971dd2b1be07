"""Wait for a component's health endpoint, failing fast and explaining why.

A control plane that never becomes ready is only debuggable from its logs, so both errors
here carry the tails of the component logs; a component that exits while we wait is
reported at once rather than after the whole timeout.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Sequence

import httpx

from m365inventory.localcluster.processes import ComponentProcess, tail


class ControlPlaneError(RuntimeError):
    """The local control plane could not be started or restarted."""


class ReadinessTimeoutError(ControlPlaneError, TimeoutError):
    """A health endpoint did not report ready in time."""


class ComponentExitedError(ControlPlaneError):
    """A component exited while it was expected to run."""


def describe_logs(components: Sequence[ComponentProcess], *, lines: int = 30) -> str:
    """The log tails of the components, one titled block each."""
    blocks = [
        f"--- {component.name} ({component.log_path}) ---\n" + tail(component.log_path, lines=lines)
        for component in components
    ]
    return "\n".join(blocks)


def wait_until_healthy(
    *,
    url: str,
    components: Sequence[ComponentProcess],
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
    expected_body: str = "ok",
) -> None:
    """Poll ``url`` with exponential backoff until it answers 200 containing ``expected_body``.

    ``components`` are the processes that must stay alive meanwhile; their logs go into
    any error.
    """
    deadline = time.monotonic() + timeout
    delay = 0.05
    last_problem = "no answer yet"
    verify: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
    with httpx.Client(verify=verify, timeout=5.0) as client:
        while True:
            for component in components:
                if not component.is_running():
                    raise ComponentExitedError(
                        f"{component.name} exited with status {component.returncode} while "
                        f"waiting for {url}\n{describe_logs(components)}"
                    )
            try:
                response = client.get(url)
            except httpx.TransportError as error:
                last_problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 200 and expected_body in response.text:
                    return
                last_problem = f"HTTP {response.status_code}: {response.text[-2000:]}"
            if time.monotonic() + delay > deadline:
                raise ReadinessTimeoutError(
                    f"{url} not ready after {timeout:.0f}s; last answer: {last_problem}\n"
                    f"{describe_logs(components)}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
