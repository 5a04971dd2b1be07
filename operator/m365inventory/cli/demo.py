"""`m365-inventory demo` (`make demo`): the operator's main job on one machine, end to end.

A person trying the project has no Microsoft tenant and maybe no cluster. The demo starts the
local control plane (or uses the current kube context when asked), the Graph simulator with a
sample MSP (a partner with four customer tenants), installs the CRDs, runs the operator,
applies `examples/demo/`, waits for the first sync, shows what it made and what to try next,
then keeps running until Ctrl-C (or exits at once with --exit-after-sync).

The pure parts (manifests, readiness of a sync, the next steps) come first; `run` does the I/O.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import yaml
from rich.console import Console

from m365inventory.cli import crds
from m365inventory.model import resources
from m365inventory.simulator import foreground

NAMESPACE = "m365-demo"
CONNECTOR = "msp"
SIMULATOR_PORT = 18443
WORLD = foreground.WorldShape(seed=7, tenants=4, users=10, groups=2, devices=3)
UNCONSENTED = "Tailspin Toys Ltd"
"""The customer whose admin never consented to the app: it fails every run, the others sync,
and the connector shows Degraded (naming it) instead of a plain OK."""
"""The sample MSP: Sim MSP Partners with Contoso, Fabrikam and Northwind Traders."""
CA_SECRET = "simulator-ca"  # noqa: S105 - the name of a Secret, not a secret
CLIENT_SECRET = "graph"  # noqa: S105 - the name of a Secret, not a secret
SHOWN_KINDS = ("microsoftconnectors", "tenantmatches", "devicematches", "organizations", "contacts")


def examples_dir() -> Path:
    """`examples/demo/` of the source checkout this package runs from."""
    return Path(__file__).resolve().parents[3] / "examples" / "demo"


# ---------------------------------------------------------------------------------- pure


def load_manifests(directory: Path) -> list[dict[str, Any]]:
    """Every YAML document in the directory's *.yaml files, in file name order."""
    documents: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.yaml")):
        documents.extend(d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict))
    return documents


def point_at(
    documents: list[dict[str, Any]], *, base_url: str, graph_url: str
) -> list[dict[str, Any]]:
    """The documents with every MicrosoftConnector's endpoints set to the simulator's."""
    pointed = copy.deepcopy(documents)
    for doc in pointed:
        if doc.get("kind") == resources.CONNECTOR.kind:
            endpoints = doc["spec"].setdefault("endpoints", {})
            endpoints["authorityHost"] = base_url
            endpoints["graphBaseUrl"] = graph_url
    return pointed


def secrets(*, ca_pem: str, client_secret: str) -> list[dict[str, Any]]:
    """The Secrets the demo connector refers to: the simulator's CA and the client secret."""
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": CA_SECRET},
            "stringData": {"ca.crt": ca_pem},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": CLIENT_SECRET},
            "stringData": {"clientSecret": client_secret},
        },
    ]


def first_sync_done(body: dict[str, Any]) -> bool:
    """True once the connector finished a run (OK, Degraded or Error) for its current spec."""
    status = body.get("status") or {}
    finished = status.get("phase") in {"OK", "Degraded", "Error"} and bool(
        status.get("lastSyncTime")
    )
    return finished and status.get("observedGeneration") == body["metadata"].get("generation")


def next_steps(
    *,
    kubeconfig: Path,
    namespace: str,
    suggested: str | None,
    unmatched: str | None,
    kubectl: Path,
) -> list[str]:
    """What to try next, as commands to paste into another terminal.

    `kubectl` is the one the demo itself runs (the project's pinned kubectl, matching the
    local server's version): the steps alias it, so that they do not depend on whichever
    kubectl is first on the reader's PATH.
    """
    tm = suggested or "<tenantmatch>"
    steps = [
        f"export KUBECONFIG={shlex.quote(str(kubeconfig))}",
        f"alias kubectl={shlex.quote(str(kubectl))}  # the kubectl the demo uses (M365_KUBECTL)",
        "",
        "# Accept the suggestion for the tenant that resembles an Organization:",
        f"kubectl -n {namespace} patch tenantmatch {tm} --type merge "
        """-p '{"spec":{"decision":"AcceptSuggestion"}}'""",
    ]
    if unmatched:
        steps += [
            "# Create an Organization for the tenant that resembles none:",
            f"kubectl -n {namespace} patch tenantmatch {unmatched} --type merge "
            """-p '{"spec":{"decision":"CreateOrganization"}}'""",
        ]
    steps += [
        "# Or decide in bulk (add --git-dir DIR to write manifests for Git instead):",
        f"m365-inventory decisions list -n {namespace}",
        f"m365-inventory decisions accept -n {namespace} --min-score 50",
        "# Pause the connector, then resume it:",
        f"kubectl -n {namespace} patch microsoftconnector {CONNECTOR} --type merge "
        """-p '{"spec":{"suspend":true}}'""",
        f"kubectl -n {namespace} patch microsoftconnector {CONNECTOR} --type merge "
        """-p '{"spec":{"suspend":false}}'""",
        "# Request a sync now:",
        f"kubectl -n {namespace} annotate microsoftconnector {CONNECTOR} --overwrite "
        f'{resources.ANNOTATION_REQUESTED_AT}="$(date +%s)"',
        f"kubectl -n {namespace} get tenantmatches,organizations -w",
    ]
    return steps


def pick_examples(matches: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """(an unmatched TenantMatch with a suggestion, one without), for the next steps."""
    suggested = unmatched = None
    for body in sorted(matches, key=lambda b: b["metadata"]["name"]):
        status = body.get("status") or {}
        synced: dict[str, Any] = next(
            (c for c in status.get("conditions") or [] if c.get("type") == "Synced"), {}
        )
        if status.get("state") != "Unmatched" or synced.get("status") == "False":
            continue
        if status.get("suggestions") and suggested is None:
            suggested = body["metadata"]["name"]
        elif not status.get("suggestions") and unmatched is None:
            unmatched = body["metadata"]["name"]
    return suggested, unmatched


# ------------------------------------------------------------------------------------ I/O


@dataclass(frozen=True, slots=True)
class Options:
    """How the demo runs."""

    namespace: str = NAMESPACE
    use_current_context: bool = False
    exit_after_sync: bool = False
    workdir: Path | None = None
    simulator_port: int = SIMULATOR_PORT
    sync_timeout: float = 180.0
    examples: Path | None = None


class DemoError(RuntimeError):
    """The demo could not finish; the message says why and where the logs are."""


def _kubeconfig_of_current_context() -> Path:
    listed = os.environ.get("KUBECONFIG", "")
    first = next((p for p in listed.split(os.pathsep) if p), "")
    path = Path(first) if first else Path.home() / ".kube" / "config"
    if not path.is_file():
        raise DemoError(f"no kubeconfig at {path}: set KUBECONFIG, or drop --use-current-context")
    return path


def _operator_executable() -> list[str]:
    found = shutil.which("m365-inventory", path=str(Path(sys.executable).parent))
    if found:
        return [found]
    return [sys.executable, "-c", "from m365inventory.cli.main import app; app()"]


def _free_port() -> int:
    from m365inventory.localcluster.ports import free_ports

    return free_ports(count=1)[0]


def _port_is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class _Interrupted(Exception):
    pass


@contextlib.contextmanager
def _interruptible(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set `stop` (and interrupt waits) instead of killing the demo."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def run(options: Options, *, console: Console | None = None) -> int:
    """Run the demo; return the process exit status."""
    out = console or Console(highlight=False, soft_wrap=True)
    stop = threading.Event()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_interruptible(stop))
        try:
            code = _run(options, out=out, stack=stack, stop=stop)
        except _Interrupted:
            out.print("\nStopping …")
            code = 130
        except DemoError as error:
            out.print(f"[bold red]demo failed:[/] {error}")
            code = 1
    out.print("Stopped the operator, the simulator and (if started here) the cluster.")
    return code


def _run(
    options: Options, *, out: Console, stack: contextlib.ExitStack, stop: threading.Event
) -> int:
    from m365inventory.localcluster import LocalCluster, find_binaries
    from m365inventory.localcluster.kubectl import Kubectl
    from m365inventory.localcluster.processes import ComponentProcess, tail
    from m365inventory.simulator import Simulator, credentials

    def check_stop() -> None:
        if stop.is_set():
            raise _Interrupted

    if options.workdir is not None:
        workdir = options.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="m365-demo-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)

    # 1. A cluster.
    if options.use_current_context:
        kubeconfig = _kubeconfig_of_current_context()
        out.print(f"[bold]1/6[/] Using the current context of {kubeconfig}")
    else:
        out.print("[bold]1/6[/] Starting the local control plane (etcd, kube-apiserver) …")
        cluster = LocalCluster.start(workdir=workdir / "cluster", binaries=find_binaries())
        stack.callback(cluster.stop)
        kubeconfig = cluster.kubeconfig_path
        out.print(f"      ready at {cluster.server_url}")
    kubectl = Kubectl(kubeconfig=kubeconfig)
    check_stop()

    # 2. The simulator.
    port = options.simulator_port
    if port and not _port_is_free(port):
        out.print(f"      port {port} is taken; the simulator gets another one")
        port = _free_port()
    world = foreground.build_world(shape=WORLD, fixture=None)
    for tenant in world.tenants:
        if tenant.display_name == UNCONSENTED:
            for app in world.apps:
                app.grants.pop(tenant.id, None)
    sim = Simulator(world, port=port, state_dir=workdir / "simulator")
    stack.enter_context(sim)
    foreground.write_connection_file(sim, directory=workdir / "simulator")
    customers = ", ".join(t.display_name for t in world.tenants if t is not world.partner_tenant)
    out.print(f"[bold]2/6[/] Graph simulator at {sim.base_url}: Sim MSP Partners with {customers}")
    check_stop()

    # 3. The CRDs and the namespace.
    out.print("[bold]3/6[/] Installing the CRDs …")
    rendered = "---\n".join(crds.rendered().values())
    applied = kubectl(
        "apply", "--server-side", "--force-conflicts", "-o", "name", "-f", "-", input=rendered
    )
    kubectl("wait", "--for=condition=established", "--timeout=60s", *applied.stdout.split())
    namespace_doc = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": options.namespace},
    }
    kubectl("apply", "-f", "-", input=yaml.safe_dump(namespace_doc))
    check_stop()

    # 4. The operator.
    out.print(f"[bold]4/6[/] Starting the operator (watching namespace {options.namespace}) …")
    liveness = _free_port()
    operator = ComponentProcess(
        name="m365-inventory-operator",
        argv=[
            "env",
            f"KUBECONFIG={kubeconfig}",
            "PYTHONUNBUFFERED=1",
            *_operator_executable(),
            "run",
            # The demo's connectors use cloud Custom (the simulator): opt in explicitly.
            "--allow-custom-cloud",
            "--namespace",
            options.namespace,
            "--liveness",
            f"http://127.0.0.1:{liveness}/healthz",
        ],
        log_path=workdir / "operator.log",
    )
    operator.start()
    stack.callback(operator.stop)
    _wait_for_liveness(port=liveness, operator=operator, stop=stop, log_tail=tail)
    out.print(f"      log: {operator.log_path}")

    # 5. The examples.
    out.print(f"[bold]5/6[/] Applying {options.examples or examples_dir()} …")
    app = credentials(world)["apps"][0]  # type: ignore[index]
    documents = [
        *secrets(ca_pem=Path(sim.ca_path).read_text(), client_secret=str(app["clientSecret"])),
        *point_at(
            load_manifests(options.examples or examples_dir()),
            base_url=sim.base_url,
            graph_url=sim.graph_url,
        ),
    ]
    kubectl("-n", options.namespace, "apply", "-f", "-", input=yaml.safe_dump_all(documents))

    # 6. The first sync.
    out.print("[bold]6/6[/] Waiting for the first sync …")
    with out.status("syncing the sample MSP from the simulator …"):
        body = _wait_for_first_sync(
            kubectl=kubectl, options=options, operator=operator, stop=stop, log_tail=tail
        )
    status = body.get("status") or {}
    out.print(f"      phase {status.get('phase')}: {json.dumps(status.get('summary') or {})}")
    degraded = next(
        (c for c in status.get("conditions") or [] if c.get("type") == "Degraded"), None
    )
    if degraded is not None:
        out.print(
            f"      Degraded: {degraded.get('message')} ({UNCONSENTED} never consented to the "
            "app: its TenantMatch says ConsentMissing; the others synced)",
            markup=False,
        )
    out.print()
    for kind in SHOWN_KINDS:
        shown = kubectl("-n", options.namespace, "get", kind, check=False)
        out.print(f"[bold]$ kubectl get {kind}[/]")
        out.print(shown.stdout.rstrip() or shown.stderr.rstrip(), markup=False)
        out.print()
    matches = json.loads(
        kubectl("-n", options.namespace, "get", "tenantmatches", "-o", "json").stdout
    )
    suggested, unmatched = pick_examples(matches["items"])
    out.print("[bold]Try next[/] (in another terminal):")
    steps = next_steps(
        kubeconfig=kubeconfig,
        namespace=options.namespace,
        suggested=suggested,
        unmatched=unmatched,
        kubectl=kubectl.executable,
    )
    out.print("\n".join(f"  {line}" for line in steps), markup=False)
    ok = status.get("phase") in {"OK", "Degraded"}
    if options.exit_after_sync:
        return 0 if ok else 1
    out.print("\nThe demo keeps running; Ctrl-C stops everything.")
    while not stop.wait(1.0):
        if not operator.is_running():
            raise DemoError(f"the operator exited:\n{tail(operator.log_path)}")
    out.print("\nStopping …")
    return 0 if ok else 1


def _wait_for_liveness(*, port: int, operator: Any, stop: threading.Event, log_tail: Any) -> None:
    deadline = time.monotonic() + 60
    while True:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2),
        ):
            return
        if stop.is_set():
            raise _Interrupted
        if not operator.is_running() or time.monotonic() > deadline:
            raise DemoError(f"the operator did not start:\n{log_tail(operator.log_path)}")
        time.sleep(0.2)


def _wait_for_first_sync(
    *, kubectl: Any, options: Options, operator: Any, stop: threading.Event, log_tail: Any
) -> dict[str, Any]:
    deadline = time.monotonic() + options.sync_timeout
    while True:
        found = kubectl(
            "-n",
            options.namespace,
            "get",
            "microsoftconnector",
            CONNECTOR,
            "-o",
            "json",
            check=False,
        )
        if found.returncode == 0:
            body: dict[str, Any] = json.loads(found.stdout)
            if first_sync_done(body):
                return body
        if stop.wait(0.5):
            raise _Interrupted
        if not operator.is_running():
            raise DemoError(f"the operator exited:\n{log_tail(operator.log_path)}")
        if time.monotonic() > deadline:
            raise DemoError(
                f"no sync within {options.sync_timeout:.0f}s; operator log:\n"
                f"{log_tail(operator.log_path)}"
            )
