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
    lease_namespace: Annotated[
        str | None,
        typer.Option(
            help="Namespace of the leader-election Lease. Default: $POD_NAMESPACE, else the "
            "in-cluster service account's namespace, else 'default'."
        ),
    ] = None,
    lease_name: Annotated[
        str | None,
        typer.Option(
            help="Name of the leader-election Lease; replicas sharing it elect one writer. "
            "Default: m365-inventory-operator (a suffix derived from --namespace when given)."
        ),
    ] = None,
    identity: Annotated[
        str | None,
        typer.Option(help="This replica's name in the Lease. Default: $POD_NAME or the host name."),
    ] = None,
    lease_duration: Annotated[
        float, typer.Option(help="Seconds a standby waits for an unrenewed Lease.")
    ] = 15.0,
    renew_deadline: Annotated[
        float, typer.Option(help="Seconds the leader keeps trying to renew before it stops.")
    ] = 10.0,
    retry_period: Annotated[
        float, typer.Option(help="Seconds between attempts to take or renew the Lease.")
    ] = 2.0,
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

    namespaces = namespace or []
    try:
        election = running.election_settings(
            namespaces=namespaces,
            lease_namespace=lease_namespace,
            lease_name=lease_name,
            identity=identity,
            lease_duration=lease_duration,
            renew_deadline=renew_deadline,
            retry_period=retry_period,
        )
    except ValueError as invalid:
        raise typer.BadParameter(str(invalid)) from None
    running.run(
        namespaces=namespaces,
        election=election,
        liveness=liveness,
        metrics_port=metrics_port,
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
    groups: Annotated[int, typer.Option(help="Groups per tenant.")] = 2,
    devices: Annotated[int, typer.Option(help="Intune devices per tenant.")] = 3,
    large_tenant_users: Annotated[
        int, typer.Option(help="Add one tenant with this many users (0: none).")
    ] = 0,
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

    from m365inventory.simulator import FixtureError, foreground

    shape = foreground.WorldShape(
        seed=seed,
        tenants=tenants,
        users=users,
        groups=groups,
        devices=devices,
        partner=not no_partner,
        large_tenant_users=large_tenant_users,
    )
    try:
        world = foreground.build_world(shape=shape, fixture=fixture)
    except FixtureError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    directory = state_dir or Path(tempfile.mkdtemp(prefix="m365-simulator-"))
    foreground.run(host=host, port=port, state_dir=directory, world=world)


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
    perms.print_report(shown)


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
    partner and four customer tenants, installs the CRDs, runs the operator, applies
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
