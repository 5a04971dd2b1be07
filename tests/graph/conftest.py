"""Fixtures for the Graph client tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from graph_testkit import Rig, make_rig_factory


@pytest.fixture
async def make_rig() -> AsyncIterator[Callable[..., Rig]]:
    """Build GraphClients over MockTransport; their HTTP clients are closed afterwards."""
    async for build in make_rig_factory():
        yield build
