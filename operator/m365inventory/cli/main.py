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
