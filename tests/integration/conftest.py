"""Real servers for the integration tests: an embedded PostgreSQL and a Redis, started once
per session and stopped at its end, plus factories for isolated organizations."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from unittest import mock
from uuid import UUID

import pytest
from sqlalchemy import Engine, text

from bulkreg.foundation.settings import get_settings
from persistence.database import make_engine
from persistence.uow import SqlUnitsOfWork
from persistence.wire import sql
from tests.support.db import BARRIER
from tests.support.orgs import Org, make_org
from tests.support.servers import Servers, embedded_servers
from tests.support.worker import Worker


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    settings = get_settings()
    with embedded_servers(settings.data_path, settings.embedded_redis_port) as started:
        # As ``bulkreg up`` does for its children: the composition root and the workers the
        # tests start read the servers from the environment.
        with mock.patch.dict(os.environ, started.env):
            get_settings.cache_clear()
            yield started
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def api_engine(servers: Servers) -> Iterator[Engine]:
    engine = make_engine(servers.api_url, pool_size=5)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def worker_engine(servers: Servers) -> Iterator[Engine]:
    engine = make_engine(servers.worker_url, pool_size=5)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def owner_engine(servers: Servers) -> Iterator[Engine]:
    engine = make_engine(servers.owner_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def superuser_engine(servers: Servers) -> Iterator[Engine]:
    """The independent observer: a superuser connection that RLS does not filter."""
    engine = make_engine(servers.superuser_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture
def published() -> list[UUID]:
    return []


@pytest.fixture
def uows(api_engine: Engine, worker_engine: Engine, published: list[UUID]) -> SqlUnitsOfWork:
    """Units of work whose after-commit messages are recorded, not sent; each side as the
    role it has in production (the API's units as ``bulkreg_api``, claims and maintenance
    as ``bulkreg_worker``)."""
    return SqlUnitsOfWork(
        api_engine, lambda job: published.append(job.job_id), worker_engine=worker_engine
    )


@pytest.fixture
def org_factory(owner_engine: Engine, worker_engine: Engine) -> Iterator[Callable[..., Org]]:
    """Organizations of this test alone. Small jobs share one queue with fair turns, so a
    job a test leaves queued would be any later test's worker's to take: when the test ends,
    its organizations' queued jobs are failed (a legal transition, as the maintenance role)."""
    made: list[UUID] = []

    def make(peer_mentors: int = 20) -> Org:
        org = make_org(owner_engine, peer_mentors)
        made.append(org.id)
        return org

    yield make
    if made:
        with SqlUnitsOfWork(
            worker_engine, lambda job: None, worker_engine=worker_engine
        ).maintenance() as maintenance:
            left = maintenance.wire.rows(
                sql("select id from bulk_jobs where org_id = any(:orgs) and status = 'queued'"),
                {"orgs": made},
            )
            for (job_id,) in left:
                maintenance.jobs.fail(job_id, "test_ended", "the test that submitted it ended")
            maintenance.commit()


@pytest.fixture
def org(org_factory: Callable[..., Org]) -> Org:
    return org_factory()


@pytest.fixture
def other_org(org_factory: Callable[..., Org]) -> Org:
    return org_factory(3)


@pytest.fixture(scope="session")
def worker(servers: Servers) -> Iterator[Worker]:
    w = Worker().start()
    yield w
    w.stop()


@pytest.fixture
def insert_barrier(superuser_engine: Engine) -> Iterator[None]:
    """Every insert into activities first waits for an advisory lock the test may hold: a
    job passes its duplicate check, then stops here, inside its transaction — with its
    COMMIT already sent behind the insert (the worker pipelines its writes and the commit)."""
    with superuser_engine.begin() as conn:
        conn.execute(
            text(
                f"""create function test_barrier() returns trigger language plpgsql as $$
                    begin perform pg_advisory_xact_lock_shared({BARRIER}); return null; end $$;
                    create trigger test_barrier before insert on activities
                      for each statement execute function test_barrier();"""
            )
        )
    yield
    with superuser_engine.begin() as conn:
        conn.execute(text("drop trigger test_barrier on activities; drop function test_barrier()"))
