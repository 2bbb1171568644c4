"""Duplicate check: the same size of job against a small and a large activities table.
Index-backed, the screening's cost follows the batch, not the table
(``dedupe_scaling_ratio``); the whole job's (``dedupe_job_ratio``) also pays for inserting
into the larger table's indexes."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import psycopg

from benchmarks.commit import process_timed, submit
from benchmarks.harness import Figure, Org, Servers, day, engine, settle
from domain.model import JobStatus
from domain.ports.activities import ActivityFilter
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
                {
                    "org": org.id,
                    "type": FILLER_TYPE,
                    "by": org.coordinator.user_id,
                    "mentors": mentors,
                    "n": per_mentor,
                    "missing": missing,
                },
            )
        conn.execute("vacuum analyze activities")


def measure(
    uows: SqlUnitsOfWork, servers: Servers, org: Org, n: int, repeat: int, first_day: int
) -> tuple[Figure, Figure, Figure]:
    """The whole job's processing, and the screening alone (the duplicate check of all its
    participants: one statement), each ``repeat`` times; then a responder's window."""
    seconds, screening = Figure(), Figure()
    started = datetime.now(UTC)
    for rep in range(repeat):
        on = first_day + rep
        # a tenth of the participants are registered already: the check finds real conflicts
        prior = submit(uows, org, n // 10, on=on)
        processing.process(uows, prior, lease_seconds=300, max_attempts=3)  # type: ignore[arg-type]
        settle(servers.superuser_url)
        screening.add(screen_seconds(uows, org, n, day(on)))
        job_id = submit(uows, org, n, on=on)
        settle(servers.superuser_url)  # each timed section starts from a checkpoint
        elapsed, status = process_timed(uows, job_id)
        assert status is JobStatus.SUCCEEDED, status
        seconds.add(elapsed)
    middle = started + (datetime.now(UTC) - started) / 2
    window = Figure([window_seconds(uows, org, started, middle) for _ in range(repeat)])
    return seconds, screening, window


def window_seconds(uows: SqlUnitsOfWork, org: Org, since: datetime, until: datetime) -> float:
    """A responder's question — what did this coordinator register between these times —
    as the API asks it (a page of 50, newest first), in a transaction already open. The
    fastest of three."""
    best = float("inf")
    flt = ActivityFilter(
        registered_by=org.coordinator.user_id, created_from=since, created_to=until
    )
    for _ in range(3):
        with uows(org.coordinator) as uow:
            uow.directory.user(org.coordinator.user_id)  # open the transaction
            begun = time.perf_counter()
            page = uow.activities.page(flt, None, 50)
            best = min(best, time.perf_counter() - begun)
        assert page.items and all(since <= a.created_at < until for a in page.items)
    return best


def screen_seconds(uows: SqlUnitsOfWork, org: Org, n: int, on: date) -> float:
    """The screening statement alone, in a transaction already open under the coordinator's
    identity (its opening round trip is not timed). The fastest of three: the figure is
    the statement's cost, not the machine's hiccups."""
    best = float("inf")
    for _ in range(3):
        with uows(org.coordinator) as uow:
            uow.directory.user(org.coordinator.user_id)  # open the transaction
            started = time.perf_counter()
            found = uow.activities.screen(org.id, "home_visit", on, org.peer_mentors[:n])
            best = min(best, time.perf_counter() - started)
        assert len(found.duplicates) == n // 10, len(found.duplicates)
    return best


def run(
    servers: Servers, org: Org, n: int, small: int, large: int, repeat: int
) -> dict[str, Figure]:
    app, worker = engine(servers.api_url), engine(servers.worker_url)
    uows = SqlUnitsOfWork(app, lambda _: None, worker_engine=worker)
    try:
        fill_to(servers, org, small)
        at_small, screen_small, window_small = measure(uows, servers, org, n, repeat, 400)
        fill_to(servers, org, large)
        at_large, screen_large, window_large = measure(uows, servers, org, n, repeat, 500)
    finally:
        app.dispose()
        worker.dispose()
    return {
        "dedupe_seconds_small": at_small,
        "dedupe_seconds_large": at_large,
        "dedupe_job_ratio": _ratios(at_small, at_large),
        "screen_seconds_small": screen_small,
        "screen_seconds_large": screen_large,
        "dedupe_scaling_ratio": _ratios(screen_small, screen_large),
        "audit_window_ratio": _ratios(window_small, window_large),
    }


def _ratios(small: Figure, large: Figure) -> Figure:
    return Figure([b / a for a, b in zip(small.samples, large.samples, strict=True)])
