"""`m365-inventory decisions`: the reference's bulk actions on TenantMatches and DeviceMatches.

The reference's Matching screen lets a person tick many unmatched tenants and accept their
suggestions, create organizations for them or ignore them at once. Here the same selection is
made from the cluster's TenantMatch/DeviceMatch objects, and the decisions are either patched
into the cluster (the operator applies them within a second) or written as manifests into a Git
working directory, for review and for Flux or Argo CD to apply.

The top of this module is pure (rows, selection, decision specs, manifests); reading and
patching the cluster and writing files follow; the typer commands come last.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from m365inventory.cli import yamlio
from m365inventory.model import resources
from m365inventory.model.matches import MatchState

Body = dict[str, Any]
CLI_FIELD_MANAGER = "m365-inventory-cli"
"""Field manager of the decisions this command patches (the operator uses its own)."""


class Target(StrEnum):
    """Which matches the command works on."""

    TENANTS = "tenants"
    DEVICES = "devices"


class Action(StrEnum):
    """A bulk action, as the reference's Bulk Actions menu."""

    ACCEPT = "accept"
    CREATE = "create"
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class TargetKind:
    """What differs between tenant and device decisions."""

    kind: resources.Kind
    create_decision: str
    name_field: str
    subject: str


KINDS = {
    Target.TENANTS: TargetKind(
        resources.TENANT_MATCH, "CreateOrganization", "organizationName", "Organization"
    ),
    Target.DEVICES: TargetKind(
        resources.DEVICE_MATCH, "CreateConfiguration", "configurationName", "Configuration"
    ),
}


# ---------------------------------------------------------------------------------- pure


@dataclass(frozen=True, slots=True)
class Row:
    """One TenantMatch or DeviceMatch as the bulk actions see it."""

    name: str
    namespace: str
    subject_id: str
    """The tenant ID or Intune device ID."""
    display_name: str
    state: str
    suggestion: str | None
    score: int | None
    match: str | None
    decision: str | None


def row_of(body: Body, *, target: Target) -> Row:
    """A row from a TenantMatch (target tenants) or DeviceMatch (target devices) body."""
    meta = body["metadata"]
    status = body.get("status") or {}
    spec = body.get("spec") or {}
    if target == Target.TENANTS:
        facts = status.get("tenant") or {}
        subject_id, display = facts.get("tenantId", ""), facts.get("displayName", "")
        match = status.get("organization")
    else:
        facts = status.get("device") or {}
        subject_id, display = facts.get("deviceId", ""), facts.get("name", "")
        match = status.get("configuration")
    suggestions = status.get("suggestions") or []
    best = suggestions[0] if suggestions else {}
    return Row(
        name=meta["name"],
        namespace=meta.get("namespace", ""),
        subject_id=str(subject_id),
        display_name=str(display),
        state=str(status.get("state") or MatchState.UNMATCHED),
        suggestion=best.get("name"),
        score=best.get("score"),
        match=match,
        decision=spec.get("decision"),
    )


def by_state(rows: Iterable[Row], *, states: Sequence[str]) -> list[Row]:
    """Rows in one of `states` (all rows when `states` is empty), sorted by name."""
    return sorted((r for r in rows if not states or r.state in states), key=lambda r: r.name)


def named(rows: Sequence[Row], *, names: Sequence[str]) -> list[Row]:
    """The rows called `names` (object names, tenant IDs or device IDs); unknown names raise."""
    found: list[Row] = []
    unknown: list[str] = []
    for name in names:
        hits = [r for r in rows if name in (r.name, r.subject_id)]
        if not hits:
            unknown.append(name)
        found.extend(h for h in hits if h not in found)
    if unknown:
        raise LookupError(f"no such match: {', '.join(unknown)}")
    return found


def acceptable(rows: Iterable[Row], *, min_score: int) -> list[Row]:
    """Unmatched rows whose best suggestion scores at least `min_score`."""
    return [
        r
        for r in rows
        if r.state == MatchState.UNMATCHED and r.suggestion and (r.score or 0) >= min_score
    ]


def without_suggestion(rows: Iterable[Row], *, below: int) -> list[Row]:
    """Unmatched rows with no suggestion scoring `below` or more."""
    return [
        r
        for r in rows
        if r.state == MatchState.UNMATCHED and (not r.suggestion or (r.score or 0) < below)
    ]


def decision_spec(action: Action, *, target: Target, force: bool = False) -> Body:
    """The complete spec of a decision: fields of other decisions are cleared (None)."""
    kind = KINDS[target]
    spec: Body = {"decision": None, kind.name_field: None}
    if target == Target.TENANTS:
        spec["force"] = None
    if action == Action.ACCEPT:
        spec["decision"] = "AcceptSuggestion"
    elif action == Action.IGNORE:
        spec["decision"] = "Ignore"
    else:
        spec["decision"] = kind.create_decision
        if force and target == Target.TENANTS:
            spec["force"] = True
    return spec


def already_decided(row: Row, spec: Body) -> bool:
    """True when the row carries this decision already (nothing to write)."""
    return bool(row.decision == spec["decision"])


def manifest(row: Row, spec: Body, *, target: Target) -> Body:
    """The decision as a manifest that `kubectl apply` (or Flux, Argo CD) accepts."""
    return {
        "apiVersion": resources.API_VERSION,
        "kind": KINDS[target].kind.kind,
        "metadata": {"name": row.name, "namespace": row.namespace},
        "spec": {k: v for k, v in spec.items() if v is not None},
    }


def manifest_text(row: Row, spec: Body, *, target: Target) -> str:
    """The manifest with a comment saying what was decided about which tenant or device."""
    what = f"{row.display_name or row.subject_id} ({row.subject_id})"
    note = f"# {spec['decision']}: {what}"
    if spec["decision"] == "AcceptSuggestion" and row.suggestion:
        note += f"\n# best suggestion when decided: {row.suggestion} (score {row.score})"
    return f"{note}\n{yamlio.dump(manifest(row, spec, target=target))}"


def file_name(row: Row, *, target: Target) -> str:
    """A flat file name, so `kubectl apply -f <dir>` finds every decision."""
    return f"{KINDS[target].kind.singular}-{row.name}.yaml"


def table(rows: Sequence[Row], *, target: Target, title: str) -> Table:
    """The rows as the reference's Matching list shows them."""
    subject = "Tenant" if target == Target.TENANTS else "Device"
    view = Table(title=title, title_justify="left")
    for column in ("Name", subject, "State", "Suggestion", "Score", "Match", "Decision"):
        view.add_column(column, justify="right" if column == "Score" else "left")
    for r in rows:
        view.add_row(
            r.name,
            r.display_name,
            r.state,
            r.suggestion or "",
            "" if r.score is None else str(r.score),
            r.match or "",
            r.decision or "",
        )
    return view


# ------------------------------------------------------------------------------------ I/O


async def _client(kubeconfig: Path | None) -> Any:
    from lightkube import AsyncClient
    from lightkube.config.kubeconfig import KubeConfig

    config = KubeConfig.from_file(str(kubeconfig)) if kubeconfig else None
    return AsyncClient(config=config, field_manager=CLI_FIELD_MANAGER)


async def load(
    *, target: Target, namespace: str, connector: str | None, kubeconfig: Path | None
) -> list[Row]:
    """Every match of the namespace (of one connector, if given) from the cluster."""
    from m365inventory.kube.kinds import resource_of

    client = await _client(kubeconfig)
    labels = {resources.LABEL_CONNECTOR: connector} if connector else {}
    try:
        found = [
            row_of(dict(item.to_dict()), target=target)
            async for item in client.list(
                resource_of(KINDS[target].kind), namespace=namespace, labels=labels
            )
        ]
    finally:
        await client.close()
    return found


async def patch_all(
    rows: Sequence[Row], spec: Body, *, target: Target, kubeconfig: Path | None, progress: Progress
) -> int:
    """Merge-patch the decision into every row's spec; return how many were patched."""
    from lightkube.types import PatchType

    from m365inventory.kube.kinds import resource_of

    res = resource_of(KINDS[target].kind)
    client = await _client(kubeconfig)
    task = progress.add_task("patching decisions", total=len(rows))
    try:
        for row in rows:
            await client.patch(
                res, row.name, {"spec": spec}, namespace=row.namespace, patch_type=PatchType.MERGE
            )
            progress.advance(task)
    finally:
        await client.close()
    return len(rows)


def write_all(
    rows: Sequence[Row], spec: Body, *, target: Target, directory: Path, progress: Progress
) -> list[Path]:
    """Write one manifest per row into `directory`; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for row in progress.track(rows, description="writing manifests"):
        path = directory / file_name(row, target=target)
        path.write_text(manifest_text(row, spec, target=target))
        written.append(path)
    return written


def inside_git_work_tree(directory: Path) -> bool:
    """True when `directory` is in a Git working tree (the manifests are meant for review)."""
    probe = subprocess.run(
        ["git", "-C", str(directory), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == "true"


# ------------------------------------------------------------------------------ commands

app = typer.Typer(
    name="decisions",
    no_args_is_help=True,
    help=(
        "Bulk decisions on TenantMatches and DeviceMatches, as the reference's Bulk Actions: "
        "list what is unmatched, accept every suggestion above a score, create, or ignore a "
        "selection. Decisions are patched into the cluster (the operator applies them at "
        "once), or with --git-dir written as manifests into a Git working directory for "
        "review, for Flux or Argo CD to apply.\n\n"
        "Examples:\n\n"
        "  m365-inventory decisions list -n msp\n\n"
        "  m365-inventory decisions accept -n msp --min-score 80 --dry-run\n\n"
        "  m365-inventory decisions accept -n msp --min-score 80 --git-dir ../fleet/msp\n\n"
        "  m365-inventory decisions ignore -n msp --without-suggestion\n\n"
        "  m365-inventory decisions create -n msp msp-<tenant-id>"
    ),
)

NamespaceOption = Annotated[
    str, typer.Option("--namespace", "-n", help="Namespace of the connector and its matches.")
]
TargetOption = Annotated[
    Target, typer.Option("--kind", help="tenants (TenantMatch) or devices (DeviceMatch).")
]
ConnectorOption = Annotated[
    str | None, typer.Option("--connector", "-c", help="Only matches of this connector.")
]
KubeconfigOption = Annotated[
    Path | None,
    typer.Option(help="kubeconfig to use. Default: $KUBECONFIG, ~/.kube/config or in-cluster."),
]
GitDirOption = Annotated[
    Path | None,
    typer.Option(
        "--git-dir",
        help="Write manifests into this directory (a Git working tree) instead of patching "
        "the cluster. Review with `git diff`, commit, and let Flux/Argo CD apply them.",
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be decided; change nothing.")
]


def _console() -> Console:
    return Console(highlight=False)


@app.command("list")
def list_matches(
    namespace: NamespaceOption,
    target: TargetOption = Target.TENANTS,
    connector: ConnectorOption = None,
    state: Annotated[
        list[str] | None,
        typer.Option(help="Unmatched, Matched or Ignored (repeatable). Default: Unmatched."),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Every state.")] = False,
    kubeconfig: KubeconfigOption = None,
) -> None:
    """List matches waiting for a decision, with their best suggestion and its score."""
    rows = asyncio.run(
        load(target=target, namespace=namespace, connector=connector, kubeconfig=kubeconfig)
    )
    states = [] if show_all else (state or [MatchState.UNMATCHED.value])
    shown = by_state(rows, states=states)
    title = f"{KINDS[target].kind.plural} in {namespace}: {', '.join(states) or 'all'}"
    _console().print(table(shown, target=target, title=title))


def _decide(
    *,
    action: Action,
    namespace: str,
    target: Target,
    connector: str | None,
    names: Sequence[str],
    pick: Any,
    force: bool,
    kubeconfig: Path | None,
    git_dir: Path | None,
    dry_run: bool,
) -> None:
    console = _console()
    rows = asyncio.run(
        load(target=target, namespace=namespace, connector=connector, kubeconfig=kubeconfig)
    )
    try:
        candidates = named(rows, names=names) if names else rows
    except LookupError as error:
        raise typer.BadParameter(str(error)) from None
    chosen = pick(candidates)
    spec = decision_spec(action, target=target, force=force)
    todo = [r for r in chosen if git_dir is not None or not already_decided(r, spec)]
    console.print(table(todo, target=target, title=f"{spec['decision']}: {len(todo)} selected"))
    if not todo or dry_run:
        console.print("Nothing changed." if dry_run else "Nothing to decide.")
        return
    with Progress(console=console, transient=True) as progress:
        if git_dir is not None:
            written = write_all(todo, spec, target=target, directory=git_dir, progress=progress)
            console.print(f"Wrote {len(written)} manifest(s) to {git_dir}.")
            if inside_git_work_tree(git_dir):
                console.print(f"Review with `git -C {git_dir} diff`, then commit and push.")
            else:
                console.print(f"Note: {git_dir} is not inside a Git working tree.")
        else:
            done = asyncio.run(
                patch_all(todo, spec, target=target, kubeconfig=kubeconfig, progress=progress)
            )
            console.print(
                f"Patched {done} {KINDS[target].kind.kind}(s); the operator applies the "
                f"decisions at once. Watch: kubectl get {KINDS[target].kind.plural} -n {namespace}"
            )


NamesArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Match names (or tenant/device IDs) to act on. Default: all."),
]


@app.command()
def accept(
    namespace: NamespaceOption,
    min_score: Annotated[
        int,
        typer.Option(
            "--min-score", min=0, max=100, help="Accept only suggestions scoring this or more."
        ),
    ],
    names: NamesArgument = None,
    target: TargetOption = Target.TENANTS,
    connector: ConnectorOption = None,
    kubeconfig: KubeconfigOption = None,
    git_dir: GitDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Accept the best suggestion of every unmatched match scoring at least --min-score."""
    _decide(
        action=Action.ACCEPT,
        namespace=namespace,
        target=target,
        connector=connector,
        names=names or [],
        pick=lambda rows: acceptable(rows, min_score=min_score),
        force=False,
        kubeconfig=kubeconfig,
        git_dir=git_dir,
        dry_run=dry_run,
    )


@app.command()
def ignore(
    namespace: NamespaceOption,
    names: NamesArgument = None,
    without_suggestion_below: Annotated[
        int | None,
        typer.Option(
            "--without-suggestion-below",
            min=0,
            max=101,
            help="Select unmatched matches with no suggestion scoring this or more.",
        ),
    ] = None,
    no_suggestion: Annotated[
        bool,
        typer.Option("--without-suggestion", help="Select unmatched matches with no suggestion."),
    ] = False,
    target: TargetOption = Target.TENANTS,
    connector: ConnectorOption = None,
    kubeconfig: KubeconfigOption = None,
    git_dir: GitDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Ignore a selection, so it stops counting as unmatched.

    Name the matches, or select them with --without-suggestion (no suggestion at all) or
    --without-suggestion-below N (no suggestion scoring N or more).
    """
    selecting = no_suggestion or without_suggestion_below is not None
    if not names and not selecting:
        raise typer.BadParameter("name the matches, or use --without-suggestion(-below)")
    below = without_suggestion_below or 0

    def pick(rows: list[Row]) -> list[Row]:
        if selecting:
            return without_suggestion(rows, below=below)
        return [r for r in rows if r.state != MatchState.IGNORED]

    _decide(
        action=Action.IGNORE,
        namespace=namespace,
        target=target,
        connector=connector,
        names=names or [],
        pick=pick,
        force=False,
        kubeconfig=kubeconfig,
        git_dir=git_dir,
        dry_run=dry_run,
    )


@app.command()
def create(
    namespace: NamespaceOption,
    names: Annotated[list[str], typer.Argument(help="Match names (or tenant/device IDs).")],
    force: Annotated[
        bool,
        typer.Option(help="Tenants: create even when a similar Organization exists."),
    ] = False,
    target: TargetOption = Target.TENANTS,
    connector: ConnectorOption = None,
    kubeconfig: KubeconfigOption = None,
    git_dir: GitDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Create an Organization (or Configuration) for each named match.

    Check first that none exists already: the reference warns that this makes duplicates.
    """
    _decide(
        action=Action.CREATE,
        namespace=namespace,
        target=target,
        connector=connector,
        names=names,
        pick=lambda rows: [r for r in rows if r.state != MatchState.MATCHED],
        force=force,
        kubeconfig=kubeconfig,
        git_dir=git_dir,
        dry_run=dry_run,
    )
