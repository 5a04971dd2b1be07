"""The `m365-inventory` command: one entry point, a sub-command per job."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="m365-inventory",
    help="Document Microsoft 365, Entra ID and Intune tenants as Kubernetes resources.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main() -> None:
    """Document Microsoft 365, Entra ID and Intune tenants as Kubernetes resources."""


@app.command()
def crds(
    out: Annotated[
        list[Path] | None,
        typer.Option("--out", help="Directory to write the CRD manifests to (repeatable)."),
    ] = None,
) -> None:
    """Write the CustomResourceDefinitions generated from the API models."""
    from m365inventory.cli import crds as crd_files

    directories = out or [Path("crds")]
    for path in crd_files.write(directories=directories):
        typer.echo(f"wrote {path}")


@app.command()
def run(
    namespace: Annotated[
        list[str] | None,
        typer.Option(
            "--namespace",
            "-n",
            help="Watch only this namespace (repeatable). Default: all namespaces.",
        ),
    ] = None,
    peering: Annotated[
        str | None,
        typer.Option(
            help="Name of the KopfPeering for active/standby replicas. Default: standalone."
        ),
    ] = None,
    liveness: Annotated[
        str | None,
        typer.Option(help="Serve a liveness probe at this URL, e.g. http://0.0.0.0:8080/healthz"),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Serve Prometheus metrics at /metrics on this port (all addresses). "
            "Default: no metrics endpoint."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Run the operator against the cluster of the current kubeconfig (or in-cluster)."""
    from m365inventory.cli import running

    running.run(
        namespaces=namespace or [],
        peering=peering,
        liveness=liveness,
        metrics_port=metrics_port,
        verbose=verbose,
    )
