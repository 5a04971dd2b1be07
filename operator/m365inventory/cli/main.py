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
    priority: Annotated[
        int | None,
        typer.Option(
            help="Peering priority: the highest is active. Default with --peering: random, so "
            "that replicas never tie (kopf freezes every operator of a tied priority)."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
    allow_custom_cloud: Annotated[
        bool,
        typer.Option(
            "--allow-custom-cloud",
            envvar="M365_INVENTORY_ALLOW_CUSTOM_CLOUD",
            help="Let connectors with cloud Custom send their credentials to the authority "
            "host they name (the Graph simulator in demos and tests). Default: credentials go "
            "only to Microsoft's clouds; a Custom connector gets CredentialsValid=False, "
            "CustomCloudNotAllowed.",
        ),
    ] = False,
) -> None:
    """Run the operator against the cluster of the current kubeconfig (or in-cluster)."""
    from m365inventory.cli import running

    running.run(
        namespaces=namespace or [],
        peering=peering,
        liveness=liveness,
        metrics_port=metrics_port,
        priority=priority,
        verbose=verbose,
        allow_custom_cloud=allow_custom_cloud,
    )


@app.command()
def simulate(
    port: Annotated[int, typer.Option(help="HTTPS port (0: any free port).")] = 8443,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    state_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where the CA, TLS key and credentials.json (mode 0600) are written. "
            "Default: a new temporary directory."
        ),
    ] = None,
    fixture: Annotated[
        Path | None, typer.Option(help="A YAML/JSON world file instead of a generated world.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated world.")] = 7,
    tenants: Annotated[int, typer.Option(help="Customer tenants to generate.")] = 3,
    users: Annotated[int, typer.Option(help="Users per tenant.")] = 10,
    devices: Annotated[int, typer.Option(help="Intune devices per tenant.")] = 3,
    no_partner: Annotated[
        bool, typer.Option("--no-partner", help="No partner tenant: single tenants only.")
    ] = False,
) -> None:
    """Run the Microsoft Graph + identity platform simulator (a sample MSP) until Ctrl-C.

    Point a connector at it with cloud: Custom, endpoints.authorityHost = the printed
    address, endpoints.graphBaseUrl = the printed Graph URL and a Secret holding the printed
    CA, and start the operator with --allow-custom-cloud. Client secrets are in
    credentials.json, never printed. See docs/simulator.md.
    """
    import tempfile

    from m365inventory.cli import simulating

    shape = simulating.WorldShape(
        seed=seed, tenants=tenants, users=users, devices=devices, partner=not no_partner
    )
    directory = state_dir or Path(tempfile.mkdtemp(prefix="m365-simulator-"))
    simulating.run(host=host, port=port, state_dir=directory, shape=shape, fixture=fixture)


@app.command()
def permissions(
    connector: Annotated[
        Path | None,
        typer.Option(help="A MicrosoftConnector manifest: list what its settings need."),
    ] = None,
    feature: Annotated[
        list[str] | None,
        typer.Option(
            help="A feature to include (repeatable): partner, contacts, entraFields, licenses, "
            "locations, groups, mailboxes, intuneDevices, bitlockerKeys."
        ),
    ] = None,
    all_features: Annotated[bool, typer.Option("--all", help="Every feature.")] = False,
    least_privileged: Annotated[
        bool,
        typer.Option(
            help="Least privileged permission per endpoint (Organization.Read.All, "
            "GroupMember.Read.All) instead of Directory.Read.All as the reference lists it."
        ),
    ] = False,
    output: Annotated[
        str,
        typer.Option("--output", "-o", help="table, manifest (requiredResourceAccess) or json."),
    ] = "table",
) -> None:
    """The Graph application permissions to grant, and the manifest snippet to paste.

    Lists the Microsoft Graph application permissions the app registration needs for the
    features in use, and the requiredResourceAccess snippet for its manifest.
    Without options: a SingleTenant connector with default sync settings. Examples:
    `m365-inventory permissions --connector connector.yaml`,
    `m365-inventory permissions --feature partner --feature intuneDevices -o manifest`.
    """
    from rich.console import Console

    from m365inventory.cli import permissions as perms

    try:
        if all_features:
            features = list(perms.FEATURES)
        elif connector is not None:
            features = perms.features_of_manifest(connector.read_text())
        else:
            features = perms.default_features()
        features += [f for f in feature or [] if f not in features]
        shown = perms.render(
            features=features,
            profile=perms.Profile.LEAST if least_privileged else perms.Profile.REFERENCE,
            output=perms.Output(output),
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    Console(highlight=False).print(shown, markup=False, soft_wrap=True)


@app.command()
def demo(
    use_current_context: Annotated[
        bool,
        typer.Option(
            envvar="DEMO_USE_CURRENT_CONTEXT",
            help="Use the current kube context instead of starting a local control plane.",
        ),
    ] = False,
    exit_after_sync: Annotated[
        bool,
        typer.Option(envvar="DEMO_EXIT", help="Exit after the first sync instead of waiting."),
    ] = False,
    namespace: Annotated[str, typer.Option("--namespace", "-n")] = "m365-demo",
    workdir: Annotated[
        Path | None,
        typer.Option(help="Keep the cluster, simulator and operator files (and logs) here."),
    ] = None,
    simulator_port: Annotated[int, typer.Option(help="Port of the Graph simulator.")] = 18443,
) -> None:
    """Show the operator's main job on this machine, against a simulated MSP.

    Starts a local control plane (or uses the current context), the Graph simulator with a
    partner and three customer tenants, installs the CRDs, runs the operator, applies
    examples/demo/, waits for the first sync, prints what it made and what to try next.
    Ctrl-C stops everything.
    """
    from m365inventory.cli import demo as demo_run

    options = demo_run.Options(
        namespace=namespace,
        use_current_context=use_current_context,
        exit_after_sync=exit_after_sync,
        workdir=workdir,
        simulator_port=simulator_port,
    )
    raise typer.Exit(demo_run.run(options))


def _decisions() -> typer.Typer:
    from m365inventory.cli import decisions

    return decisions.app


app.add_typer(_decisions(), name="decisions")
