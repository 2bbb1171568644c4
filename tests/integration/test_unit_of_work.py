"""The unit of work's wire: round trips, a transaction that has ended, dead pooled connections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from domain.model import ActivityDraft, BulkSubmission, JobStatus, ParticipantRequest
from domain.ports.jobs import Claimed
from domain.rules import Limits
from domain.services import bulk
from persistence.database import answers, make_engine
from persistence.roles import API_ROLE
from persistence.uow import SqlUnitsOfWork
from persistence.wire import Wire, sql
from tests.support.db import count
from tests.support.jobs import process, submit
from tests.support.orgs import Org, yesterday
from tests.support.servers import Servers


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The number of round trips each pipeline made, in order."""
    made: list[int] = []
    real = Wire._pipeline

    def counted(self: Wire, queued: Any, wanted: Any) -> Any:
        made.append(len(queued) + len(wanted))
        return real(self, queued, wanted)

    monkeypatch.setattr(Wire, "_pipeline", counted)
    yield made


def test_a_bulk_job_costs_two_or_three_round_trips_to_submit_and_two_to_process(
    uows: SqlUnitsOfWork, org: Org, round_trips: list[int], superuser_engine: Engine
) -> None:
    """Submit: identity (+ the Idempotency-Key and its stored job), the draft's facts, the
    writes + COMMIT. Process: the claim (a transaction of its own) + identity + job + items
    + screening, the writes + COMMIT."""
    submission = BulkSubmission(
        activity=ActivityDraft(
            activity_type="home_visit", occurred_on=yesterday(), duration_minutes=5
        ),
        participants=[ParticipantRequest(peer_mentor_id=m) for m in org.peer_mentors],
    )
    job, created = bulk.submit(
        uows, org.coordinator, submission, limits=Limits(), idempotency_key="k1"
    )
    assert created and len(round_trips) == 3
    round_trips.clear()
    assert submit(uows, org, org.peer_mentors[:1]) and len(round_trips) == 2
    round_trips.clear()
    assert process(uows, job.id) is JobStatus.SUCCEEDED
    assert len(round_trips) == 2
    writes = count(
        superuser_engine, "select count(*) from activities where bulk_job_id = :j", j=job.id
    )
    assert writes == len(org.peer_mentors)


def test_nothing_is_sent_once_the_transaction_has_ended(uows: SqlUnitsOfWork, org: Org) -> None:
    with uows(org.coordinator) as uow:
        uow.directory.users(org.peer_mentors)
        uow.commit()
        with pytest.raises(RuntimeError, match="has ended"):
            uow.directory.users(org.peer_mentors)


def test_a_pooled_connection_that_died_is_replaced_without_an_error(
    servers: Servers, org: Org, superuser_engine: Engine
) -> None:
    """The pool does not ping before handing a connection out: the first round trip finds
    it dead (here, every backend of the application was terminated, as by a server
    restart) and the unit of work starts again on a fresh one."""
    engine = make_engine(servers.api_url, pool_size=3)
    uows = SqlUnitsOfWork(engine, lambda _: None)
    try:
        with engine.connect() as a, engine.connect() as b, engine.connect() as c:
            pids = {conn.execute(text("select pg_backend_pid()")).scalar() for conn in (a, b, c)}
        with superuser_engine.connect() as admin:
            killed = admin.execute(
                text(
                    "select count(pg_terminate_backend(pid)) from pg_stat_activity where pid = any(:p)"
                ),
                {"p": list(pids)},
            ).scalar()
        assert killed == 3
        with uows(org.coordinator) as uow:
            seen = uow.directory.users(org.peer_mentors)
            (who,) = uow.wire.rows(sql("select current_user as name, pg_backend_pid() as pid"))
        assert len(seen) == len(org.peer_mentors)
        assert who.name == API_ROLE and who.pid not in pids
        assert answers(engine)
        page = bulk.list_jobs(uows, org.coordinator, status=None, cursor=None, limit=5)
        assert page.items == []
    finally:
        engine.dispose()


def test_the_claim_takes_effect_at_once_ahead_of_the_transaction_it_travels_with(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    """The claim commits in the round trip that also opens the processing transaction:
    another connection sees it while that transaction is still open, and it stands when the
    transaction then fails. The transaction acts as the job's submitter, whom the worker
    never named."""
    from uuid import uuid4

    job_id = submit(uows, org, org.peer_mentors[:2])
    with pytest.raises(RuntimeError, match="boom"), uows.claiming(job_id, uuid4(), 60) as uow:
        claimed = uow.claimed()
        assert claimed.claim is not None and claimed.claim.attempts == 1
        assert claimed.job is not None and len(claimed.job.items) == 2
        assert job_status(superuser_engine, job_id) == "running"
        (who,) = uow.wire.rows(
            sql(
                "select current_setting('app.user_id') as user_id, "
                "current_setting('app.org_id') as org_id, current_setting('app.role') as role"
            )
        )
        assert (who.user_id, who.org_id, who.role) == (
            str(org.coordinator.user_id),
            str(org.id),
            "coordinator",
        )
        raise RuntimeError("boom")
    assert job_status(superuser_engine, job_id) == "running"
    # Its lease is live: a second claim takes nothing of it (for a small job the named one
    # is a hint: the claim may take another organization's queued job in its turn).
    with uows.claiming(job_id, uuid4(), 60) as uow:
        again = uow.claimed()
        assert again == Claimed(None, None) or (
            again.claim is not None and again.claim.job_id != job_id
        )
    assert job_status(superuser_engine, job_id) == "running"


def test_the_processing_transaction_alone_runs_on_generic_plans(
    servers: Servers, org: Org, uows: SqlUnitsOfWork
) -> None:
    """Locking a claimed job switches its transaction to generic plans; the next unit of
    work on the same connection (the worker's maintenance, whose statements want plans for
    their values) is back to PostgreSQL's choice."""
    from uuid import uuid4

    engine = make_engine(servers.worker_url, pool_size=1)  # one connection: the same one
    worker = SqlUnitsOfWork(engine, lambda _: None)
    show = sql("select current_setting('plan_cache_mode') as mode, pg_backend_pid() as pid")
    try:
        job_id = submit(uows, org, org.peer_mentors[:2])
        with worker.maintenance() as maintenance:
            (before,) = maintenance.wire.rows(show)
        with worker.claiming(job_id, uuid4(), 60) as claiming:
            assert claiming.claimed().job is not None
            (during,) = claiming.wire.rows(show)
        with worker.maintenance() as maintenance:
            (after,) = maintenance.wire.rows(show)
        assert before.mode == after.mode == "auto" and during.mode == "force_generic_plan"
        assert before.pid == during.pid == after.pid
    finally:
        engine.dispose()


def job_status(engine: Engine, job_id: object) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(text("select status from bulk_jobs where id = :j"), {"j": job_id}).scalar()
        )
