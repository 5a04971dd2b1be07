"""Run the simulator: `Simulator`, a background uvicorn thread over HTTPS (`foreground.py`
runs one until Ctrl-C).

One port serves the identity platform (`{base_url}/{tenant}/...`) and Graph
(`{base_url}/graph/v1.0`). TLS uses a fresh trustme CA written to `state_dir`; clients trust
`ca_path` (MSAL: `verify=ca_path`; httpx: `verify=ssl.create_default_context(cafile=ca_path)`).
"""

from __future__ import annotations

import logging
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from m365inventory.simulator import routes_directory, routes_intune, routes_partner, routes_reports
from m365inventory.simulator.app import QuietCuts, build_app
from m365inventory.simulator.certs import TlsFiles, write_tls_files
from m365inventory.simulator.counters import Counters
from m365inventory.simulator.faults import Faults
from m365inventory.simulator.graph import Environment
from m365inventory.simulator.identity import SigningKey, TokenService
from m365inventory.simulator.settings import Settings
from m365inventory.simulator.throttling import Throttler
from m365inventory.simulator.world import World

GRAPH_ROUTES = [
    *routes_directory.ROUTES,
    *routes_intune.ROUTES,
    *routes_reports.ROUTES,
    *routes_partner.ROUTES,
]


class Simulator:
    """A running Graph + identity simulator; use as a (sync or async) context manager."""

    def __init__(
        self,
        world: World,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state_dir: str | Path | None = None,
        settings: Settings | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.world = world
        self.host = host
        self.settings = settings or Settings()
        self.faults = faults or Faults()
        self.counters = Counters()
        self.throttler = Throttler()
        self._requested_port = port
        self._state_dir = Path(state_dir) if state_dir else None
        self._temp: tempfile.TemporaryDirectory[str] | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.tls: TlsFiles | None = None
        self.port = 0

    # ---- addresses ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/graph/v1.0"

    @property
    def beta_url(self) -> str:
        return f"{self.base_url}/graph/beta"

    def authority_url(self, tenant_id: str) -> str:
        return f"{self.base_url}/{tenant_id}"

    @property
    def ca_path(self) -> str:
        if self.tls is None:
            raise RuntimeError("the simulator is not started")
        return str(self.tls.ca_path)

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> Simulator:
        if self._thread is not None:
            return self
        if self._state_dir is None:
            self._temp = tempfile.TemporaryDirectory(prefix="m365sim-")
            self._state_dir = Path(self._temp.name)
        self.tls = write_tls_files(self._state_dir)
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this; without it Nagle + delayed ACK add ~40 ms per answer.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((self.host, self._requested_port))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            build_app(self.environment()),
            ssl_certfile=str(self.tls.cert_path),
            ssl_keyfile=str(self.tls.key_path),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        error_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, QuietCuts) for f in error_log.filters):
            error_log.addFilter(QuietCuts())
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"m365-simulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._server.force_exit = True  # do not wait for idle keep-alive connections
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None
            self._state_dir = None
        self._server = self._thread = self._socket = None

    def environment(self) -> Environment:
        return Environment(
            world=self.world,
            tokens=TokenService(
                world=self.world, key=SigningKey(), lifetime=self.settings.token_lifetime_seconds
            ),
            settings=self.settings,
            faults=self.faults,
            counters=self.counters,
            throttler=self.throttler,
            base_url=self.base_url,
            routes=GRAPH_ROUTES,
        )

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Simulator:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Simulator(base_url={self.base_url!r}, tenants={len(self.world.tenants)})"


def credentials(world: World) -> dict[str, object]:
    """What a human or the demo needs to connect (this does include the client secret)."""
    partner = world.partner_tenant
    return {
        "tenants": [
            {"id": t.id, "displayName": t.display_name, "defaultDomain": t.default_domain}
            for t in world.tenants
        ],
        "partnerTenantId": partner.id if partner else None,
        "apps": [
            {
                "clientId": a.client_id,
                "homeTenantId": a.home_tenant_id,
                "clientSecret": a.secrets[0].value.get_secret_value() if a.secrets else None,
            }
            for a in world.apps
        ],
        "refreshTokens": [
            {
                "userPrincipalName": g.user_principal_name,
                "refreshToken": g.refresh_token.get_secret_value(),
            }
            for g in world.refresh_grants
        ],
    }
