"""Resolution re-checks at processing time, and every decision and override is audited."""

from __future__ import annotations

from sqlalchemy import Engine, text

from domain.model import ActivityDraft, Decision, JobStatus, Outcome, ProxyRegistration
from domain.rules import Limits
from domain.services import bulk, proxy
from persistence.uow import SqlUnitsOfWork
from tests.support.jobs import process, submit
from tests.support.orgs import Org, yesterday


def register(uows: SqlUnitsOfWork, org: Org, pm: object, override: bool = False) -> object:
    return proxy.register(
        uows,
        org.coordinator2,
        ProxyRegistration(
            peer_mentor_id=pm,
            activity=ActivityDraft(
                activity_type="home_visit", occurred_on=yesterday(), duration_minutes=5
            ),
            override_duplicate=override,
        ),
        limits=Limits(),
    )


def test_a_conflict_that_appeared_after_review_sends_the_job_back_to_review(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    pms = org.peer_mentors[:5]
    register(uows, org, pms[0])
    job_id = submit(uows, org, pms)
    assert process(uows, job_id) is JobStatus.NEEDS_REVIEW

    bulk.resolve(
        uows, org.coordinator, job_id, decisions=[(pms[0], Decision.OVERRIDE)], default=None
    )
    register(uows, org, pms[1])  # meanwhile, someone registers another participant
    assert process(uows, job_id) is JobStatus.NEEDS_REVIEW

    job = bulk.get(uows, org.coordinator, job_id)
    by_pm = {i.peer_mentor_id: i for i in job.items}
    assert by_pm[pms[1]].outcome is Outcome.CONFLICT
    assert by_pm[pms[0]].outcome is Outcome.READY and by_pm[pms[0]].decision is Decision.OVERRIDE
    with superuser_engine.connect() as conn:
        assert (
            conn.execute(
                text("select count(*) from activities where bulk_job_id = :j"), {"j": job_id}
            ).scalar()
            == 0
        )

    bulk.resolve(uows, org.coordinator, job_id, decisions=[], default=Decision.CANCEL)
    assert process(uows, job_id) is JobStatus.SUCCEEDED
    job = bulk.get(uows, org.coordinator, job_id)
    assert (
        job.counts()["overridden"] == 1
        and job.counts()["cancelled"] == 1
        and job.counts()["registered"] == 3
    )


def test_decisions_and_overrides_are_audited(
    uows: SqlUnitsOfWork, org: Org, superuser_engine: Engine
) -> None:
    pms = org.peer_mentors[:3]
    register(uows, org, pms[0])
    register(uows, org, pms[1])
    job_id = submit(uows, org, pms)
    process(uows, job_id)
    bulk.resolve(
        uows,
        org.coordinator,
        job_id,
        decisions=[(pms[0], Decision.OVERRIDE), (pms[1], Decision.CANCEL)],
        default=None,
    )
    process(uows, job_id)
    with superuser_engine.connect() as conn:
        rows = conn.execute(
            text("select actor_id, action, details from audit_log where org_id = :o order by id"),
            {"o": org.id},
        ).all()
    actions = [(r.actor_id, r.action, r.details.get("peer_mentor_id")) for r in rows]
    assert (org.coordinator.user_id, "bulk_job.decision.override", str(pms[0])) in actions
    assert (org.coordinator.user_id, "bulk_job.decision.cancel", str(pms[1])) in actions
    assert (org.coordinator.user_id, "activity.override", str(pms[0])) in actions
    proxies = [r for r in rows if r.action == "activity.proxy"]
    assert [r.actor_id for r in proxies] == [org.coordinator2.user_id] * 2  # the registrations
    assert all(r.actor_id == org.coordinator.user_id for r in rows if r not in proxies)
