"""Every activity of a job is written in the transaction that marks it succeeded — or none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from domain.errors import TransientError
from domain.model import (
    ActivityDraft,
    JobStatus,
    Outcome,
    ProxyRegistration,
)
from domain.ports.activities import Screening
from domain.rules import Limits
from domain.services import bulk, proxy
from persistence.repositories.jobs import SqlJobs
from persistence.uow import SqlUnitsOfWork
from tests.support.jobs import activities_of, process, submit
from tests.support.orgs import Org, make_org, yesterday


@pytest.fixture
def big_org(owner_engine: Engine) -> Org:
    return make_org(owner_engine, peer_mentors=1200)


def test_mid_batch_unique_violation_writes_nothing_and_the_retry_reports_the_conflict(
    uows: SqlUnitsOfWork,
    big_org: Org,
    superuser_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mentors = big_org.peer_mentors[:1000]
    victim = mentors[700]  # well past the first page of rows
    job_id = submit(uows, big_org, mentors)
    # Another registration of the same activity lands between the duplicate check and the
    # insert: we hide it from the check, so the insert itself hits the unique index.
    existing = proxy.register(
        uows,
        big_org.coordinator2,
        ProxyRegistration(
            peer_mentor_id=victim,
            activity=ActivityDraft(
                activity_type="home_visit", occurred_on=yesterday(), duration_minutes=10
            ),
        ),
        limits=Limits(),
    )
    real_lock = SqlJobs.lock_claimed

    def lock_without_victim(self: SqlJobs, *args: Any) -> Any:
        found = real_lock(self, *args)
        if found is None:
            return found
        job, seen = found
        if seen is None:
            return found
        return job, Screening(
            seen.ineligible,
            {k: v for k, v in seen.duplicates.items() if k != victim},
            seen.people,
        )

    monkeypatch.setattr(SqlJobs, "lock_claimed", lock_without_victim)

    with pytest.raises(TransientError):
        process(uows, job_id)

    assert activities_of(superuser_engine, job_id) == 0
    with superuser_engine.connect() as conn:
        status, attempts = conn.execute(
            text("select status, attempts from bulk_jobs where id = :j"), {"j": job_id}
        ).one()
    assert (status, attempts) == ("queued", 1)  # released for the retry, nothing claimed

    monkeypatch.undo()
    assert process(uows, job_id) is JobStatus.NEEDS_REVIEW
    job = bulk.get(uows, big_org.coordinator, job_id)
    conflicts = [i for i in job.items if i.outcome is Outcome.CONFLICT]
    assert [(i.peer_mentor_id, i.conflict_activity_id) for i in conflicts] == [
        (victim, existing.id)
    ]
    assert job.attempts == 2
    assert activities_of(superuser_engine, job_id) == 0


def test_a_failing_row_mid_batch_fails_the_job_and_writes_nothing(
    uows: SqlUnitsOfWork,
    big_org: Org,
    superuser_engine: Engine,
) -> None:
    mentors = big_org.peer_mentors[:1000]
    job_id = submit(uows, big_org, mentors)
    bad = mentors[800]
    with superuser_engine.begin() as conn:
        conn.execute(
            text(
                f"""create function reject_one() returns trigger language plpgsql as $$
                    begin
                      if new.peer_mentor_id = '{bad}' then
                        raise check_violation using message = 'injected fault';
                      end if;
                      return new;
                    end $$;
                    create trigger reject_one before insert on activities
                      for each row execute function reject_one();"""
            )
        )
    try:
        with pytest.raises(psycopg.IntegrityError):
            process(uows, job_id)
    finally:
        with superuser_engine.begin() as conn:
            conn.execute(text("drop trigger reject_one on activities; drop function reject_one()"))

    assert activities_of(superuser_engine, job_id) == 0
    job = bulk.get(uows, big_org.coordinator, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error_code == "processing_error"
    assert "injected fault" in (job.error_message or "")
    assert not any(i.activity_id for i in job.items)


def test_the_index_refuses_a_silent_duplicate(api_engine: Engine, org: Org) -> None:
    pm = org.peer_mentors[0]
    insert = text(
        """insert into activities (id, org_id, peer_mentor_id, activity_type, occurred_on,
               duration_minutes, registered_by, source)
           values (gen_random_uuid(), :org, :pm, 'home_visit', :on, 30, :by, 'proxy')"""
    )
    params = {"org": org.id, "pm": pm, "on": yesterday(), "by": org.coordinator.user_id}
    identity = text("select app.act_as(:u, :o, 'coordinator')")
    ids = {"u": str(org.coordinator.user_id), "o": str(org.id)}
    with api_engine.begin() as conn:
        conn.execute(identity, ids)
        conn.execute(insert, params)
    with (
        pytest.raises(IntegrityError, match="activities_no_silent_duplicate"),
        api_engine.begin() as conn,
    ):
        conn.execute(identity, ids)
        conn.execute(insert, params)


def test_a_job_writes_all_rows_with_the_status_in_one_commit(
    uows: SqlUnitsOfWork, org_factory: Callable[..., Org], superuser_engine: Engine
) -> None:
    org = org_factory(50)
    job_id = submit(uows, org, org.peer_mentors)
    assert process(uows, job_id) is JobStatus.SUCCEEDED
    with superuser_engine.connect() as conn:
        created = conn.execute(
            text(
                "select min(created_at), max(created_at), count(*) from activities where bulk_job_id = :j"
            ),
            {"j": job_id},
        ).one()
    # now() is the transaction's start: one value for every row means one transaction.
    assert created[0] == created[1]
    assert created[2] == 50
