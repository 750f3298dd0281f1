"""The PostgreSQL the journal tests run against: ``SMSMANAGER_TEST_POSTGRES_URL`` when
set, else a throwaway cluster started for the session (skipped, saying why, only when
no PostgreSQL binaries exist here)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from .cluster import ENV_URL, Cluster, binaries, throwaway_cluster

REQUIRED = "SMSMANAGER_TEST_POSTGRES_REQUIRED"
"""Set (as CI does): no PostgreSQL to test against fails the tests instead of skipping."""


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster | None]:
    """The cluster this session started (``None``: the one the environment names)."""
    if not os.environ.get(REQUIRED):
        pytest.importorskip("psycopg", reason="the PostgreSQL tests need psycopg (test extra)")
    if os.environ.get(ENV_URL):
        yield None
        return
    bin_dir = binaries()
    if bin_dir is None:
        if os.environ.get(REQUIRED):
            pytest.fail(f"{REQUIRED} is set, and no PostgreSQL binaries were found")
        pytest.skip(
            f"no PostgreSQL binaries (initdb, pg_ctl) on the PATH or under "
            f"/usr/lib/postgresql/*/bin, and {ENV_URL} is not set"
        )
    with throwaway_cluster(bin_dir) as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: Cluster | None) -> str:
    if postgres_cluster is None:
        return os.environ[ENV_URL]
    return postgres_cluster.url


@pytest.fixture
def campaign() -> str:
    """A campaign name no other test uses."""
    return f"test-{uuid.uuid4().hex[:10]}"
