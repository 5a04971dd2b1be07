"""One sync run of one connector: discover → match → decide → sync data → report.

A run never deletes documentation because something failed: each tenant's failure is
recorded on its TenantMatch and in the connector's summary, and Organizations whose tenant
failed keep their previous facts. Every write is skipped when the live object already says
the same thing, so an unchanged tenant costs zero documentation writes.
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from m365inventory.graph.client import GraphConnection
from m365inventory.graph.credentials import ClientSecret
from m365inventory.graph.errors import GraphError
from m365inventory.kube import events
from m365inventory.kube.store import Body, Store, WriteFenced
from m365inventory.model import resources
from m365inventory.model.connector import (
    ConnectorMode,
    MicrosoftConnectorSpec,
    PartnerAuthentication,
)
from m365inventory.model.matches import MatchState
from m365inventory.sync.reconcile import credentials, tenantmatch
from m365inventory.sync.reconcile.discovery import discover
from m365inventory.sync.reconcile.failures import Failure, classify
from m365inventory.sync.reconcile.observing import NoObserver, SyncObserver
from m365inventory.sync.reconcile.tenantdata import (
    CONCEALED_MESSAGE,
    REPORT_NAMES_CONCEALED,
    OrganizationFacts,
    sync_tenant_data,
)
from m365inventory.sync.rules import conditions, naming, outcome, schedule
from m365inventory.sync.rules.facts import tenant_facts
from m365inventory.sync.rules.outcome import RunReport
from m365inventory.sync.state.workspace import Namespaces, Workspace, match_metadata

log = logging.getLogger(__name__)
FRESH_START_TRIGGERS = frozenset({"Requested", "SpecChanged"})
PROGRESS_EVERY_SECONDS = 5.0
RESYNC_SECONDS = 6 * 3600.0
"""List the namespace's documentation again at most this often (a safety net under the watch:
controller-runtime's resync period)."""
Connect = Callable[[credentials.ConnectionSettings], GraphConnection]


def _connect(settings: credentials.ConnectionSettings) -> GraphConnection:
    return GraphConnection(
        cloud=settings.cloud,
        client_id=settings.client_id,
        credential=settings.credential,
        delegation=settings.delegation,
    )


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Runner:
    """Runs syncs; keeps one Graph connection (token cache, keep-alive) per connector."""

    def __init__(
        self,
        *,
        store: Store,
        connect: Connect = _connect,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        observer: SyncObserver | None = None,
        namespaces: Namespaces | None = None,
        allow_custom_cloud: bool = False,
    ) -> None:
        self.store = store
        self.namespaces = namespaces or Namespaces(store=store, clock=clock)
        # Send credentials to `cloud: Custom` endpoints (`run --allow-custom-cloud`).
        self.allow_custom_cloud = allow_custom_cloud
        self.observer: SyncObserver = observer or NoObserver()
        self._connect = connect
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._connections: dict[tuple[str, str], tuple[str, GraphConnection]] = {}
        self.failures: dict[tuple[str, str], int] = defaultdict(int)
        self._stalled_on: dict[tuple[str, str], str] = {}
        """Connectors whose last run stalled → the credentials' fingerprint it stalled on."""

    async def close(self) -> None:
        for _, connection in self._connections.values():
            await connection.aclose()
        self._connections.clear()

    async def _connection(
        self, key: tuple[str, str], settings: credentials.ConnectionSettings
    ) -> GraphConnection:
        cached = self._connections.get(key)
        if cached is not None and cached[0] == settings.fingerprint:
            return cached[1]
        if cached is not None:
            await cached[1].aclose()
        connection = self._connect(settings)
        self._connections[key] = (settings.fingerprint, connection)
        self.observer.connection_opened(namespace=key[0], connector=key[1], connection=connection)
        return connection

    async def _drop_connection(self, key: tuple[str, str]) -> None:
        cached = self._connections.pop(key, None)
        if cached is not None:
            await cached[1].aclose()

    async def forget(self, namespace: str, name: str) -> None:
        """The connector is gone: close its connection."""
        await self._drop_connection((namespace, name))
        self.observer.connector_removed(namespace=namespace, connector=name)

    # ------------------------------------------------------------------ status helpers

    def _documentation_writes(self) -> int:
        """Writes to documentation and match objects (not the connector's status, not Events)."""
        return sum(
            count
            for (_, kind), count in self.store.writes.items()
            if kind not in {resources.CONNECTOR.kind, "Event"}
        )

    async def _status(self, body: Body, status: dict[str, Any]) -> Body:
        live = {k: v for k, v in (body.get("status") or {}).items() if k != "kopf"}
        merged = {k: v for k, v in {**live, **status}.items() if v is not None}
        meta = body["metadata"]
        applied = await self.store.apply_status(
            resources.CONNECTOR, name=meta["name"], namespace=meta["namespace"], status=merged
        )
        body["status"] = applied.get("status") or {}
        body["metadata"]["resourceVersion"] = applied["metadata"].get("resourceVersion")
        return body

    async def _event(
        self, body: Body, *, type: events.EventType, reason: str, message: str
    ) -> None:
        await self.store.create_event(
            events.event_for(involved=body, type=type, reason=reason, message=message)
        )

    async def mark_suspended(self, body: Body) -> None:
        """Say in status that the connector is suspended (once per generation)."""
        status = body.get("status") or {}
        generation = body["metadata"].get("generation")
        if status.get("phase") == "Suspended" and status.get("observedGeneration") == generation:
            return
        now = self._clock()
        conds = conditions.set_condition(
            status.get("conditions") or [],
            type=conditions.READY,
            status=False,
            reason=conditions.SUSPENDED,
            message="spec.suspend is true: syncs are paused; decisions still apply",
            now=now,
            generation=generation,
        )
        await self._status(
            body,
            {
                "phase": "Suspended",
                "conditions": conds,
                "observedGeneration": generation,
                "nextSyncTime": None,
                "progress": None,
            },
        )
        await self._event(body, type="Normal", reason="Suspended", message="syncs paused")

    # ------------------------------------------------------------------ the run

    async def run(self, body: Body, *, trigger: str) -> RunReport:
        """Sync the connector described by `body` (its live object) once."""
        meta = body["metadata"]
        key = (meta["namespace"], meta["name"])
        self.observer.run_started(namespace=key[0], connector=key[1])
        try:
            return await self._run(body, trigger=trigger)
        finally:
            self.observer.run_ended(namespace=key[0], connector=key[1])

    async def _run(self, body: Body, *, trigger: str) -> RunReport:
        meta = body["metadata"]
        key = (meta["namespace"], meta["name"])
        report = RunReport(trigger=trigger, started=self._clock())
        log.info("connector %s/%s: sync started (%s)", key[0], key[1], trigger)
        started_monotonic = time.monotonic()
        writes_before = self._documentation_writes()
        generation = meta.get("generation")
        requested = (meta.get("annotations") or {}).get(resources.ANNOTATION_REQUESTED_AT)
        before = copy.deepcopy(body.get("status") or {})
        await self._status(
            body,
            outcome.started(previous=body.get("status") or {}, trigger=trigger, now=report.started),
        )
        if trigger != "Schedule":
            await self._event(
                body, type="Normal", reason="SyncStarted", message=f"sync started ({trigger})"
            )
        connection: GraphConnection | None = None
        answered_before: Counter[tuple[str, str]] = Counter()
        credentials_ok: tuple[bool, str, str] | None = None
        spec: MicrosoftConnectorSpec | None = None
        settings: credentials.ConnectionSettings | None = None
        try:
            spec = MicrosoftConnectorSpec.model_validate(body.get("spec") or {})
        except ValidationError as invalid:
            report.fatal = Failure("InvalidSpec", validation_summary(invalid), retryable=False)
        try:
            if spec is not None:
                settings = await credentials.resolve(
                    self.store,
                    spec=spec,
                    namespace=key[0],
                    allow_custom_cloud=self.allow_custom_cloud,
                )
                if trigger in FRESH_START_TRIGGERS and self.failures[key]:
                    # MSAL remembers a failed token request for 60 s (its throttling cache); a
                    # person who fixed consent and asked for a sync expects a real new attempt.
                    await self._drop_connection(key)
                connection = await self._connection(key, settings)
                answered_before = Counter(connection.counters.requests)
                discovered = await discover(connection, spec=spec)
                report.secret_expiry = await _secret_expiry(
                    connection, spec=spec, settings=settings
                )
                await self._sync_tenants(
                    body, spec=spec, connection=connection, found=discovered, report=report
                )
        except WriteFenced:
            raise
        except credentials.CredentialsProblem as problem:
            report.fatal = Failure(
                problem.reason, problem.message, retryable=False, credentials=True
            )
        except Exception as error:
            report.fatal = classify(error)
            if not isinstance(error, GraphError):
                log.exception("sync of %s/%s failed", *key)
        if connection is not None and _signed_in(connection, before=answered_before):
            credentials_ok = (True, "Valid", "Microsoft Graph accepted the app's token")
        if report.fatal is not None and report.fatal.credentials:
            credentials_ok = (False, report.fatal.reason, report.fatal.message)
        refused = [f for f in (report.fatal, *report.failed.values()) if f and f.credentials]
        if credentials_ok is None and refused:
            credentials_ok = (False, refused[0].reason, refused[0].message)
        if refused and spec is not None and settings is not None:
            report.credentials_changed = await self._secret_changed(
                spec=spec, namespace=key[0], used=settings
            )
        if connection is not None:
            report.graph_requests = sum(connection.counters.requests.values()) - sum(
                answered_before.values()
            )
        report.writes = self._documentation_writes() - writes_before
        if report.stalled:
            self._stalled_on[key] = (
                settings.fingerprint
                if settings is not None
                else f"problem:{report.fatal.reason}"
                if report.fatal is not None and report.fatal.credentials
                else "invalid-spec"
            )
        else:
            self._stalled_on.pop(key, None)
        phase, ready = await self._finish(
            body,
            before=before,
            spec=spec,
            report=report,
            generation=generation,
            requested=requested,
            credentials_ok=credentials_ok,
        )
        log.info(
            "connector %s/%s: sync finished: %s, %d tenants, %d failed, %d writes, %d requests",
            key[0],
            key[1],
            phase,
            report.tenants,
            len(report.failed),
            report.writes,
            report.graph_requests,
        )
        self.observer.run_finished(
            namespace=key[0],
            connector=key[1],
            report=report,
            phase=phase,
            ready=ready,
            credentials_valid=credentials_ok[0] if credentials_ok else None,
            duration_seconds=time.monotonic() - started_monotonic,
            interval_seconds=schedule.parse_duration(
                spec.interval if spec else "1h"
            ).total_seconds(),
        )
        return report

    async def credentials_changed(self, body: Body) -> bool:
        """For a stalled connector: do its credentials differ from those of the run that
        stalled? (A Secret read, no Graph request.) True when unknown (after a restart)."""
        meta = body["metadata"]
        key = (meta["namespace"], meta["name"])
        if key not in self._stalled_on:
            return True
        try:
            spec = MicrosoftConnectorSpec.model_validate(body.get("spec") or {})
            now = (
                await credentials.resolve(
                    self.store,
                    spec=spec,
                    namespace=key[0],
                    allow_custom_cloud=self.allow_custom_cloud,
                )
            ).fingerprint
        except credentials.CredentialsProblem as problem:
            now = f"problem:{problem.reason}"
        except ValidationError:
            now = "invalid-spec"
        return now != self._stalled_on[key]

    async def _secret_changed(
        self, *, spec: MicrosoftConnectorSpec, namespace: str, used: credentials.ConnectionSettings
    ) -> bool:
        try:
            now = await credentials.resolve(
                self.store,
                spec=spec,
                namespace=namespace,
                allow_custom_cloud=self.allow_custom_cloud,
            )
        except credentials.CredentialsProblem:
            return False
        return now.fingerprint != used.fingerprint

    async def _sync_tenants(
        self,
        body: Body,
        *,
        spec: MicrosoftConnectorSpec,
        connection: GraphConnection,
        found: list[Any],
        report: RunReport,
    ) -> None:
        meta = body["metadata"]
        connector = meta["name"]
        ws = self.namespaces[meta["namespace"]]
        await ws.ensure(resources.ORGANIZATION, resources.TENANT_MATCH, resources.CONTACT)
        await ws.resync(max_age=RESYNC_SECONDS)
        delegated = (
            spec.mode == ConnectorMode.PARTNER
            and spec.partner is not None
            and spec.partner.authentication == PartnerAuthentication.DELEGATED
        )
        report.tenants = len(found)
        profiles: dict[str, Any] = {}
        seen: list[tenantmatch.TenantSeen] = []
        for tenant in found:
            client = connection.tenant(tenant.tenant_id, delegated=delegated)
            try:
                profiles[tenant.tenant_id] = await client.organization()
            except GraphError as error:
                report.failed[tenant.tenant_id] = classify(error)
            seen.append(
                tenantmatch.TenantSeen(
                    tenant.tenant_id,
                    tenant_facts(
                        tenant_id=tenant.tenant_id,
                        display_name=tenant.display_name,
                        organization=profiles.get(tenant.tenant_id),
                    ),
                )
            )
        results = tenantmatch.match_all(ws, seen=seen, spec=spec)
        org_facts: dict[str, OrganizationFacts] = defaultdict(OrganizationFacts)
        last_progress = time.monotonic()
        for done, tenant in enumerate(seen, start=1):
            # Decisions on this tenant's TenantMatch wait for it; all others land between
            # two of its writes (see Workspace.turn).
            async with ws.claim(tenant.tenant_id):
                await self._sync_one(
                    ws,
                    body=body,
                    spec=spec,
                    connection=connection,
                    tenant=tenant,
                    result=results[tenant.tenant_id],
                    profile=profiles.get(tenant.tenant_id),
                    delegated=delegated,
                    org_facts=org_facts,
                    report=report,
                    connector=connector,
                )
            if len(seen) > 1 and time.monotonic() - last_progress >= PROGRESS_EVERY_SECONDS:
                last_progress = time.monotonic()
                await self._status(
                    body, {"progress": {"tenantsDone": done, "tenantsTotal": len(seen)}}
                )
        for organization, gathered in org_facts.items():
            if gathered.failed or organization not in ws.organizations:
                continue
            async with ws.turn:
                await self._write_organization(ws, organization, gathered, spec=spec)

    async def _sync_one(
        self,
        ws: Workspace,
        *,
        body: Body,
        spec: MicrosoftConnectorSpec,
        connection: GraphConnection,
        tenant: tenantmatch.TenantSeen,
        result: Any,
        profile: Any,
        delegated: bool,
        org_facts: dict[str, OrganizationFacts],
        report: RunReport,
        connector: str,
    ) -> None:
        tenant_id = tenant.tenant_id
        name = naming.tenant_match_name(connector=connector, tenant_id=tenant_id)
        log.debug("connector %s/%s: tenant %s", ws.namespace, connector, tenant_id)
        async with ws.turn:
            if name in ws.tenant_matches:
                await ws.refresh(resources.TENANT_MATCH, name)
            outcome, suggestions = tenantmatch.decide(
                ws, name=name, tenant_id=tenant_id, facts=tenant.facts, result=result, spec=spec
            )
            await tenantmatch.apply_side_effects(
                ws, name=name, tenant_id=tenant_id, outcome=outcome
            )
            live = ws.tenant_matches.get(name) or {}
            decided_generation = (live.get("metadata") or {}).get("generation")
        contacts: dict[str, int] | None = None
        ambiguous: list[str] | None = None
        devices: dict[str, int] | None = None
        synced: tuple[bool, str, str]
        failure = report.failed.get(tenant_id)
        if failure is not None:
            synced = (False, failure.reason, failure.message)
            if outcome.organization:
                org_facts[outcome.organization].failed = True
        elif outcome.state == MatchState.MATCHED and outcome.organization:
            gathered = org_facts[outcome.organization]
            try:
                data = await sync_tenant_data(
                    ws,
                    client=connection.tenant(tenant_id, delegated=delegated),
                    connector=connector,
                    spec=spec,
                    tenant_id=tenant_id,
                    display_name=str(tenant.facts.get("displayName") or tenant_id),
                    organization=outcome.organization,
                    tenant_match=name,
                    org_profile=profile,
                    org_facts=gathered,
                    connector_body=body,
                )
            except GraphError as error:
                failure = report.failed[tenant_id] = classify(error)
                gathered.failed = True
                synced = (False, failure.reason, failure.message)
            else:
                report.synced += 1
                if data.contacts is not None:
                    contacts = data.contacts.as_status()
                    ambiguous = list(data.contacts.ambiguous_users)
                    for field_name in ("created", "updated", "unchanged", "ambiguous"):
                        report.contacts[field_name] += getattr(data.contacts, field_name)
                if data.devices is not None:
                    devices = data.devices.as_status()
                    report.unmatched_devices += data.devices.unmatched
                if data.degraded:
                    report.degraded[tenant_id] = dict(data.degraded)
                notes = "; ".join([*data.notes, *self._skipped(connection, tenant_id, report)])
                synced = (
                    True,
                    "Succeeded",
                    f"synced {data.users} users" + (f"; {notes}" if notes else ""),
                )
        else:
            if outcome.state == MatchState.UNMATCHED:
                report.unmatched += 1
            synced = (True, "NotMatched", "only matched tenants have their data synced")
        async with ws.turn:
            current = ws.tenant_matches.get(name)
            if (
                current is not None
                and (current.get("metadata") or {}).get("generation") != decided_generation
            ):
                # A person decided while the tenant synced: the decision path has written
                # (or will write) the match; this run's view of it is stale.
                return
            await ws.write_metadata(
                resources.TENANT_MATCH,
                name,
                match_metadata(connector=body, tenant_id=tenant_id, state=outcome.state.value),
            )
            await ws.write_status(
                resources.TENANT_MATCH,
                name,
                tenantmatch.desired_status(
                    connector=connector,
                    facts=tenant.facts,
                    outcome=outcome,
                    suggestions=suggestions,
                    live_status=live.get("status") or {},
                    generation=decided_generation
                    or (ws.tenant_matches.get(name) or {}).get("metadata", {}).get("generation"),
                    synced=synced,
                    ambiguous_users=ambiguous,
                    contacts=contacts,
                    devices=devices,
                    now=ws.now,
                ),
            )
        if failure is not None:
            tm = ws.tenant_matches.get(name)
            if tm is not None and (live.get("status") or {}).get("conditions") != (
                tm.get("status") or {}
            ).get("conditions"):
                await self._event(
                    tm, type="Warning", reason=failure.reason, message=failure.message
                )

    @staticmethod
    def _skipped(connection: GraphConnection, tenant_id: str, report: RunReport) -> list[str]:
        """Move the tenant's skipped Graph objects into the report; a note naming them."""
        notes: list[str] = []
        for delegated in (False, True):
            client = connection.tenant(tenant_id, delegated=delegated)
            for record in client.skipped:
                report.skipped.append(
                    outcome.SkippedRecord(
                        tenant_id=tenant_id, kind=record.kind, id=record.id, fields=record.fields
                    )
                )
                if len(notes) < 5:
                    notes.append(
                        f"skipped {record.kind} {record.id} (invalid {', '.join(record.fields)})"
                    )
            client.skipped.clear()
        return notes

    async def _write_organization(
        self,
        ws: Workspace,
        organization: str,
        gathered: OrganizationFacts,
        *,
        spec: MicrosoftConnectorSpec,
    ) -> None:
        status = gathered.status()
        live = ws.organizations[organization].get("status") or {}
        conds = list(live.get("conditions") or [])
        if spec.sync.mailboxes or conditions.get_condition(conds, REPORT_NAMES_CONCEALED):
            conds = conditions.set_condition(
                conds,
                type=REPORT_NAMES_CONCEALED,
                status=bool(gathered.concealed),
                reason="Concealed" if gathered.concealed else "Visible",
                message=CONCEALED_MESSAGE if gathered.concealed else "report names are visible",
                now=ws.now,
            )
            status["conditions"] = conds
        await ws.write_status(resources.ORGANIZATION, organization, status)

    async def _finish(
        self,
        body: Body,
        *,
        before: Body,
        spec: MicrosoftConnectorSpec | None,
        report: RunReport,
        generation: int | None,
        requested: str | None,
        credentials_ok: tuple[bool, str, str] | None,
    ) -> tuple[str, bool]:
        key = (body["metadata"]["namespace"], body["metadata"]["name"])
        end = self._clock()
        interval = schedule.parse_duration(spec.interval if spec else "1h")
        if report.failed_entirely or report.failed:
            self.failures[key] += 1
        else:
            self.failures[key] = 0
        if report.retryable:
            wait = outcome.retry_delay(
                failures=self.failures[key],
                interval=interval,
                rng=self._rng,
                first=schedule.FIRST_RETRY_DELAY,
            )
        else:
            wait = schedule.next_interval(interval=interval, rng=self._rng)
        done = outcome.finished(
            previous=body.get("status") or {},
            report=report,
            generation=generation,
            requested=requested,
            credentials=credentials_ok,
            wait=wait,
            end=end,
            before=before,
        )
        await self._status(body, done.status)
        if done.event is not None:
            await self._event(body, type=done.event[0], reason=done.event[1], message=done.event[2])
        return done.phase, done.ready


def validation_summary(invalid: ValidationError) -> str:
    """Where the spec is invalid and why, without the values (they may be anything)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'spec'}: {error['msg']}"
        for error in invalid.errors(include_input=False, include_url=False)
    )[:1000]


def _signed_in(connection: GraphConnection, *, before: Counter[tuple[str, str]]) -> bool:
    """Did Graph answer a request of this run with anything but 401 (a token was accepted)?"""
    return any(
        count > before.get(key, 0) and key[1].isdigit() and key[1] != "401"
        for key, count in connection.counters.requests.items()
    )


async def _secret_expiry(
    connection: GraphConnection,
    *,
    spec: MicrosoftConnectorSpec,
    settings: credentials.ConnectionSettings,
) -> datetime | None:
    """When the client secret in use expires, if Graph may tell (else None: the alert falls
    back to spec.credentials.clientSecret.expiresAt). Never fails a sync."""
    if not isinstance(settings.credential, ClientSecret):
        return None
    try:
        app = await connection.tenant(spec.tenant_id).application(spec.client_id)
    except GraphError:
        return None
    if app is None:
        return None
    hint = settings.credential.secret.get_secret_value()[:3]
    ends = [
        c.end_date_time if c.end_date_time.tzinfo else c.end_date_time.replace(tzinfo=UTC)
        for c in app.password_credentials
        if c.end_date_time is not None and (not c.hint or c.hint == hint)
    ]
    return min(ends) if ends else None
