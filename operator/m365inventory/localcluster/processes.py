"""Run one control-plane component as a child process that cannot be orphaned.

Each component gets its own process group (so a stop reaches anything it forked), a log file
that a failing test can show, SIGTERM-then-SIGKILL shutdown, an ``atexit`` safety net, and on
Linux a parent-death signal so even a SIGKILLed test runner leaves nothing behind.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import datetime
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_live: set[ComponentProcess] = set()
_live_lock = threading.Lock()


def _parent_death_signal() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when its parent thread dies.

    libc is loaded here, before ``fork``, because loading it in the child could deadlock.
    The signal follows the *thread* that forked, so it is only used from the main thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    prctl = ctypes.CDLL(library, use_errno=True).prctl

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return preexec


def tail(path: Path, *, lines: int = 40) -> str:
    """The last lines of a log file, or a note that it does not exist."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read()
    except FileNotFoundError:
        return f"({path} does not exist)"
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


class ComponentProcess:
    """One component (etcd, kube-apiserver, ...) started from a fixed command line."""

    def __init__(self, *, name: str, argv: Sequence[str], log_path: Path) -> None:
        self.name = name
        self.argv = tuple(argv)
        self.log_path = log_path
        self._popen: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<ComponentProcess {self.name} pid={self.pid} log={self.log_path}>"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit status once the process has exited, else None."""
        return self._popen.poll() if self._popen is not None else None

    def is_running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def start(self) -> None:
        if self.is_running():
            raise RuntimeError(f"{self.name} is already running")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        with self.log_path.open("ab") as log:
            log.write(f"=== {stamp} starting {self.name}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_parent_death_signal(),
            )
        with _live_lock:
            _live.add(self)

    def stop(self, *, grace_period: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL it if it outlives the grace period."""
        popen = self._popen
        if popen is None:
            return
        try:
            if popen.poll() is None:
                self._signal_group(popen, signal.SIGTERM)
                try:
                    popen.wait(timeout=grace_period)
                except subprocess.TimeoutExpired:
                    self._signal_group(popen, signal.SIGKILL)
                    popen.wait()
            # Reap anything the component forked into its group.
            self._signal_group(popen, signal.SIGKILL)
        finally:
            with _live_lock:
                _live.discard(self)

    @staticmethod
    def _signal_group(popen: subprocess.Popen[bytes], signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(popen.pid, signum)


def _stop_all_at_exit() -> None:
    with _live_lock:
        remaining = list(_live)
    for component in remaining:
        component.stop(grace_period=3.0)


atexit.register(_stop_all_at_exit)
