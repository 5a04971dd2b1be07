"""``python -m m365inventory.localcluster``: run the local control plane in the foreground.

The demo and manual experiments need a cluster that outlives one command: this starts it,
prints an ``export KUBECONFIG=...`` line and keeps it running until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from m365inventory.localcluster.binaries import BinariesNotFoundError, find_binaries
from m365inventory.localcluster.cluster import LocalCluster
from m365inventory.localcluster.readiness import ControlPlaneError


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m m365inventory.localcluster",
        description="Run etcd, kube-apiserver and kube-controller-manager on loopback.",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="empty directory for certificates, data, kubeconfig and logs "
        "(default: a temporary directory, removed on exit)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for readiness")
    return parser.parse_args(argv)


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    owns_workdir = args.workdir is None
    workdir: Path = (
        Path(tempfile.mkdtemp(prefix="m365-localcluster-")) if owns_workdir else args.workdir
    )
    # SIGINT too: a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    started = time.monotonic()
    try:
        with LocalCluster.start(
            workdir=workdir, binaries=find_binaries(), timeout=args.timeout
        ) as cluster:
            elapsed = time.monotonic() - started
            print(f"# local control plane ready in {elapsed:.1f}s at {cluster.server_url}")
            print(f"# logs: {cluster.logs_dir}")
            print(f"export KUBECONFIG={cluster.kubeconfig_path}", flush=True)
            while all(component.is_running() for component in cluster.components):
                time.sleep(1.0)
            print(f"a component exited:\n{cluster.describe_logs()}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("# stopped", file=sys.stderr)
        return 0
    except (BinariesNotFoundError, ControlPlaneError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        if owns_workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
