"""Retention (docs/privacy.md, "Retention"): does deleting a million old events slow the
jobs that flow meanwhile?

* ``retention_p95_ratio``: 15-participant jobs submitted at a steady pace over HTTP; each
  job's time from its creation to ``finished_at`` (both the database's clock). Its 95th
  percentile while retention deletes ``events`` old events (planted 40 days back), over its
  95th percentile for the same jobs just before, with the same events planted and retention
  idle. Near 1: the batches (5,000 rows each, a short transaction, rows held by others
  skipped) hold no lock the jobs wait on.
* ``retention_quiet_p95_ms``, ``retention_busy_p95_ms``: the two percentiles.
* ``retention_deleted_per_s``: how fast retention deleted while the jobs flowed.

Run alone at a small size: ``python -m benchmarks.retention`` (``--events``, ``--jobs``).
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from typing import Any

import psycopg

from benchmarks.e2e import Stack, submit_one, wait_until_succeeded
from benchmarks.harness import BENCH_ENV, Figure, Org, Servers, engine, percentile
from domain.services import privacy
from persistence.database import libpq_url
from persistence.privacy import SqlRetention

RATE = 5.0  # jobs per second: a steady flow, well below what the worker drains


def plant(servers: Servers, org: Org, n: int) -> None:
    """``n`` events 40 days old (past the 30 days events are kept), as the superuser."""
    with psycopg.connect(libpq_url(servers.superuser_url), autocommit=True) as conn:
        conn.execute(
            """insert into events (id, org_id, type, data, created_at)
               select 'evt_' || replace(gen_random_uuid()::text, '-', ''), %(org)s,
                      'bulk_registration.succeeded',
                      jsonb_build_object('job_id', gen_random_uuid(), 'status', 'succeeded'),
                      now() - interval '40 days' - n * interval '1 millisecond'
               from generate_series(1, %(n)s) n""",
            {"org": org.id, "n": n},
        )
        conn.execute("vacuum analyze events")


def job_latencies_ms(
    servers: Servers, stack: Stack, org: Org, secret: str, n: int, first_day: int
) -> list[float]:
    """``n`` jobs at ``RATE`` per second; each one's creation → finished, in ms."""
    started = time.monotonic()
    ids: list[uuid.UUID] = []
    for i in range(n):
        time.sleep(max(0.0, started + i / RATE - time.monotonic()))
        ids.append(submit_one(stack, org, secret, first_day + i))
    wait_until_succeeded(servers, ids)
    with psycopg.connect(libpq_url(servers.superuser_url)) as conn:
        rows = conn.execute(
            """select extract(epoch from finished_at - created_at) * 1000 from bulk_jobs
               where id = any(%s)""",
            (ids,),
        ).fetchall()
    return [float(r[0]) for r in rows]


class Running:
    """Retention in a thread, as the beat task runs it (the workers' role, maintenance)."""

    def __init__(self, servers: Servers) -> None:
        self.store = SqlRetention(engine(servers.worker_url))
        self.deleted = 0
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.perf_counter()
        totals = privacy.expire(self.store, privacy.RetentionDays())
        self.seconds = time.perf_counter() - started
        self.deleted = sum(totals.values())

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.thread.join()
        self.store.engine.dispose()


def run(
    servers: Servers,
    stack: Stack,
    org: Org,
    secret: str,
    *,
    events: int,
    jobs: int,
    repeat: int,
    first_day: int,
) -> dict[str, Figure]:
    ratio, quiet_p95, busy_p95, rate = Figure(), Figure(), Figure(), Figure()
    # A few jobs first, so the quiet side does not pay for a cold stack.
    job_latencies_ms(servers, stack, org, secret, 3, first_day + 2 * jobs * repeat)
    for r in range(repeat):
        plant(servers, org, events)
        day = first_day + r * 2 * jobs
        quiet = percentile(job_latencies_ms(servers, stack, org, secret, jobs, day), 0.95)
        with Running(servers) as running:
            busy = percentile(job_latencies_ms(servers, stack, org, secret, jobs, day + jobs), 0.95)
        ratio.add(busy / quiet)
        quiet_p95.add(quiet)
        busy_p95.add(busy)
        rate.add(running.deleted / running.seconds if running.seconds else 0.0)
    return {
        "retention_p95_ratio": ratio,
        "retention_quiet_p95_ms": quiet_p95,
        "retention_busy_p95_ms": busy_p95,
        "retention_deleted_per_s": rate,
    }


def main() -> None:
    """This scenario alone, on embedded servers: a check that it works, at a small size."""
    import os

    from benchmarks.harness import child_env, make_org, servers
    from bulkreg.foundation.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m benchmarks.retention")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=10)
    args = parser.parse_args()
    os.environ.update(BENCH_ENV)
    with servers(Settings()) as s:
        os.environ.update(child_env(s))
        owner = engine(s.owner_url)
        org = make_org(owner, 20)
        owner.dispose()
        stack = Stack(s)
        try:
            found: dict[str, Any] = run(
                s, stack, org, BENCH_ENV["BULKREG_JWT_SECRET"],
                events=args.events, jobs=args.jobs, repeat=1, first_day=100,
            )  # fmt: skip
        finally:
            stack.close()
    for name, figure in found.items():
        print(f"{name:<28} {figure.median:>12.4g}")


if __name__ == "__main__":
    main()
