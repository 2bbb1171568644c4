"""Fairness across organizations: organization B's small jobs while organization A keeps
large jobs flowing, and while A submits a burst of small ones.

``fairness_ratio``: the p95 of B's 15-participant jobs, submit → ``succeeded`` (the job
row's own timestamps), while A keeps two of its largest jobs waiting at all times, ÷ the
same p95 on an idle stack. Large jobs have their own queue and worker
(``bulkreg.publisher.queue_for``), so B's jobs never wait behind A's; what is left is
sharing the machine's two cores.

``burst_ratio``: the same while A submits a burst of small jobs (500 at full size). They
share B's queue, but the claim takes organizations in turns (``persistence.lifecycle.CLAIM``):
B's job waits for about one of A's, not for the burst.

Each p95 is of ``jobs`` of B's jobs (100 at full size), and each repetition measures an idle
round right before each loaded one and divides by it, so a stall moves one repetition, not
the figure: the median of the repetitions is the figure, min and max beside it.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from typing import Any

import psycopg

from benchmarks.e2e import Stack, submit_jobs, submit_one
from benchmarks.harness import Figure, Org, Servers
from persistence.database import libpq_url

SMALL = 15
B_INTERVAL_SECONDS = 0.1
A_WAITING = 2


def run(
    servers: Servers,
    stack: Stack,
    a: Org,
    b: Org,
    secret: str,
    *,
    first_day: int,
    repeat: int,
    burst: int,
    jobs: int = 100,
) -> dict[str, Figure]:
    fair, bursts = Figure(), Figure()
    idle_p95 = Figure()
    for rep in range(repeat):
        on = first_day + rep * 4 * jobs

        def b_p95(day: int) -> float:
            return p95_seconds(servers, stack, b, secret, day, jobs)

        idle = b_p95(on)
        idle_p95.add(idle * 1000)
        with large_jobs_flowing(servers, stack, a, secret, on):
            fair.add(b_p95(on + jobs) / idle)
        idle = b_p95(on + 2 * jobs)
        idle_p95.add(idle * 1000)
        burst_day = 20_000 + rep * burst  # A's burst: dates nobody else uses
        with small_jobs_burst(servers, stack, a, secret, burst, burst_day):
            bursts.add(b_p95(on + 3 * jobs) / idle)
    return {"fairness_ratio": fair, "burst_ratio": bursts, "fairness_idle_p95_ms": idle_p95}


class small_jobs_burst:
    """Organization A submits ``n`` 15-participant jobs at once (the end-to-end benchmark's
    load generator) as the block starts; leaving the block waits until they are done."""

    def __init__(
        self, servers: Servers, stack: Stack, org: Org, secret: str, n: int, first_day: int
    ) -> None:
        self.servers = servers
        self.thread = threading.Thread(
            target=lambda: self.sent.extend(submit_jobs(stack, org, n, first_day, secret)),
            daemon=True,
        )
        self.sent: list[uuid.UUID] = []

    def __enter__(self) -> None:
        self.thread.start()
        time.sleep(0.5)  # the burst is under way

    def __exit__(self, *_: object) -> None:
        self.thread.join()
        _latencies(self.servers, self.sent)  # drained before the next measurement


def p95_seconds(
    servers: Servers, stack: Stack, org: Org, secret: str, first_day: int, jobs: int
) -> float:
    """B's small jobs, one every ``B_INTERVAL_SECONDS``; the p95 of their latencies."""
    ids = []
    for n in range(jobs):
        ids.append(submit_one(stack, org, secret, first_day + n, SMALL))
        time.sleep(B_INTERVAL_SECONDS)
    latencies = _latencies(servers, ids)
    return statistics.quantiles(latencies, n=20, method="inclusive")[18]


class large_jobs_flowing:
    """While the block runs, organization A keeps ``A_WAITING`` of its largest jobs queued
    or running (one activity date each, so none conflicts).

    Whether they are done is read from the job table, as B's latencies are, not polled over
    HTTP: a status poll of a 10,000-item job every half second was most of the API's and a
    good part of PostgreSQL's work in this round (sampled from ``pg_stat_activity``), a
    load of the load generator's making that a client following the job with ``ETag`` or
    a long poll does not put on the API."""

    def __init__(
        self, servers: Servers, stack: Stack, org: Org, secret: str, first_day: int
    ) -> None:
        self.servers, self.stack, self.org, self.secret = servers, stack, org, secret
        self.day = first_day + 5000  # far from B's dates and every other benchmark's
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._flow, daemon=True)

    def __enter__(self) -> None:
        self.thread.start()
        time.sleep(2)  # the first large job is running

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()

    def _flow(self) -> None:
        sent: list[uuid.UUID] = []
        with psycopg.connect(libpq_url(self.servers.superuser_url), autocommit=True) as conn:
            while not self.stop.is_set():
                unfinished = _unfinished(conn, sent)
                for _ in range(A_WAITING - len(unfinished)):
                    self.day += 1
                    unfinished.append(
                        submit_one(
                            self.stack, self.org, self.secret, self.day, len(self.org.peer_mentors)
                        )
                    )
                sent = unfinished
                self.stop.wait(0.5)


def _unfinished(conn: psycopg.Connection[Any], ids: list[uuid.UUID]) -> list[uuid.UUID]:
    rows = conn.execute(
        "select id from bulk_jobs where id = any(%s) and status in ('queued', 'running')",
        (ids,),
    ).fetchall()
    return [row[0] for row in rows]


def _latencies(servers: Servers, ids: list[uuid.UUID], patience: float = 300) -> list[float]:
    deadline = time.monotonic() + patience
    with psycopg.connect(libpq_url(servers.superuser_url), autocommit=True) as conn:
        while True:
            rows = conn.execute(
                """select extract(epoch from finished_at - created_at) from bulk_jobs
                   where id = any(%s) and status = 'succeeded'""",
                (ids,),
            ).fetchall()
            if len(rows) == len(ids):
                return [float(r[0]) for r in rows]
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(ids) - len(rows)} of B's jobs did not succeed")
            time.sleep(0.1)
