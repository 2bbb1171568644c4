"""Duplicate check: the same size of job against a small and a large activities table.
Index-backed, the cost follows the batch, not the table."""

from __future__ import annotations

import psycopg

from benchmarks.commit import process_timed, submit
from benchmarks.harness import Figure, Org, Servers, engine, settle
from domain.model import JobStatus
from domain.services import processing
from persistence.database import libpq_url
from persistence.uow import SqlUnitsOfWork

FILLER_TYPE = "phone_call"


def fill_to(servers: Servers, org: Org, total: int) -> None:
    """Top the activities table up to ``total`` rows (distinct peer mentor/date pairs of
    another activity type, so they never collide with the measured jobs). Foreign-key
    triggers are skipped for the bulk load: the rows are valid by construction."""
    with psycopg.connect(libpq_url(servers.superuser_url), autocommit=True) as conn:
        have = conn.execute("select count(*) from activities").fetchone()[0]  # type: ignore[index]
        missing = total - have
        if missing <= 0:
            return
        mentors = org.peer_mentors
        per_mentor = -(-missing // len(mentors))
        with conn.transaction():
            conn.execute("set local session_replication_role = replica")
            conn.execute(
                """insert into activities (id, org_id, peer_mentor_id, activity_type, occurred_on,
                       duration_minutes, registered_by, source)
                   select gen_random_uuid(), %(org)s, m, %(type)s, date '2000-01-01' + g, 30, %(by)s, 'proxy'
                   from unnest(%(mentors)s::uuid[]) as m,
                        generate_series(
                            (select coalesce(max(occurred_on) - date '2000-01-01', 0) + 1
                             from activities where activity_type = %(type)s and org_id = %(org)s),
                            (select coalesce(max(occurred_on) - date '2000-01-01', 0)
                             from activities where activity_type = %(type)s and org_id = %(org)s) + %(n)s) as g
                   limit %(missing)s""",
                {"org": org.id, "type": FILLER_TYPE, "by": org.coordinator.user_id, "mentors": mentors,
                 "n": per_mentor, "missing": missing},
            )  # fmt: skip
        conn.execute("vacuum analyze activities")


def measure(
    uows: SqlUnitsOfWork, servers: Servers, org: Org, n: int, repeat: int, first_day: int
) -> Figure:
    seconds = Figure()
    for rep in range(repeat):
        on = first_day + rep
        # a tenth of the participants are registered already: the check finds real conflicts
        prior = submit(uows, org, n // 10, on=on)
        processing.process(uows, prior, lease_seconds=300, max_attempts=3)  # type: ignore[arg-type]
        job_id = submit(uows, org, n, on=on)
        settle(servers.superuser_url)  # each timed section starts from a checkpoint
        elapsed, status = process_timed(uows, job_id)
        assert status is JobStatus.SUCCEEDED, status
        seconds.add(elapsed)
    return seconds


def run(
    servers: Servers, org: Org, n: int, small: int, large: int, repeat: int
) -> dict[str, Figure]:
    app, worker = engine(servers.api_url), engine(servers.worker_url)
    uows = SqlUnitsOfWork(app, lambda _: None, worker_engine=worker)
    try:
        fill_to(servers, org, small)
        at_small = measure(uows, servers, org, n, repeat, first_day=400)
        fill_to(servers, org, large)
        at_large = measure(uows, servers, org, n, repeat, first_day=500)
    finally:
        app.dispose()
        worker.dispose()
    ratio = Figure([b / a for a, b in zip(at_small.samples, at_large.samples, strict=True)])
    return {
        "dedupe_seconds_small": at_small,
        "dedupe_seconds_large": at_large,
        "dedupe_scaling_ratio": ratio,
    }
