"""Run the real kubectl against one kubeconfig, with errors that show what went wrong.

Tests and the demo drive the cluster the way people do, through kubectl; a failed call raises
with the command, exit status and stderr so an assertion failure explains itself. Bearer
tokens on the command line are redacted from those messages.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from m365inventory.localcluster.binaries import find_kubectl

_SECRET_FLAGS = ("--token", "--password")


class KubectlError(RuntimeError):
    """kubectl exited with a non-zero status."""

    def __init__(self, *, args: Sequence[str], result: subprocess.CompletedProcess[str]) -> None:
        self.returncode = result.returncode
        self.stdout = result.stdout
        self.stderr = result.stderr
        super().__init__(
            f"kubectl {' '.join(redact(args))} exited with {result.returncode}\n"
            f"stderr:\n{result.stderr.strip()}\n"
            f"stdout (tail):\n{result.stdout.strip()[-2000:]}"
        )


def redact(args: Sequence[str]) -> list[str]:
    """The arguments with the values of credential flags replaced by ``***``."""
    redacted: list[str] = []
    hide_next = False
    for arg in args:
        if hide_next:
            redacted.append("***")
            hide_next = False
        elif arg in _SECRET_FLAGS:
            redacted.append(arg)
            hide_next = True
        elif arg.startswith(tuple(f"{flag}=" for flag in _SECRET_FLAGS)):
            redacted.append(arg.split("=", 1)[0] + "=***")
        else:
            redacted.append(arg)
    return redacted


@dataclass(frozen=True, slots=True)
class Kubectl:
    """A kubectl bound to one kubeconfig; call it with kubectl's own arguments."""

    kubeconfig: Path
    executable: Path = field(default_factory=find_kubectl)
    timeout: float = 120.0

    def __call__(
        self,
        *args: str,
        check: bool = True,
        input: str | None = None,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``kubectl --kubeconfig=... <args>``; raise :class:`KubectlError` if ``check``."""
        command = [str(self.executable), f"--kubeconfig={self.kubeconfig}", *args]
        result = subprocess.run(
            command,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout if timeout is not None else self.timeout,
            check=False,
            env={**os.environ, "KUBECONFIG": str(self.kubeconfig)},
        )
        if check and result.returncode != 0:
            raise KubectlError(args=args, result=result)
        return result
