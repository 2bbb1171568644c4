"""End to end: 15-participant jobs per second, HTTP submit to ``succeeded``, against the stack
floor (``benchmarks.floor``: the same submissions to a minimal FastAPI app that publishes a
no-op task) and against bare no-op Celery round trips, through the same broker with the
same worker concurrency."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
import redis

from benchmarks import cpu
from benchmarks.harness import (
    Figure,
    Org,
    Servers,
    child_env,
    day,
    python,
    start_process,
    stop_process,
)
from bulkreg import tokens
from bulkreg.foundation.names import LARGE_QUEUE
from persistence.database import libpq_url
from tests.support.net import free_port

CONCURRENCY = 2
SUBMITTERS = 8


class Stack:
    """The API and one worker, as the deployed system runs them."""

    def __init__(self, servers: Servers) -> None:
        self.port = free_port()
        self.env = child_env(servers) | {
            "BULKREG_API_PORT": str(self.port),
            "BULKREG_WEBHOOKS_ALLOW_PRIVATE": "true",  # the receivers are on this machine
        }
        logs = servers.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.api = start_process(
            [python(), "-m", "uvicorn", "api.app:app", "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
            self.env, logs / "bench-api.log",
        )  # fmt: skip
        self.worker = start_process(
            [python(), "-m", "celery", "-A", "workers.app", "worker", "--concurrency", str(CONCURRENCY),
             "--include", "benchmarks.tasks", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
            self.env, logs / "bench-worker.log",
        )  # fmt: skip
        # Large jobs' own worker, as make run and compose have it (the fairness benchmark).
        self.worker_large = start_process(
            [python(), "-m", "celery", "-A", "workers.app", "worker", "--concurrency", "1",
             "--queues", LARGE_QUEUE, "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
            self.env, logs / "bench-worker-large.log",
        )  # fmt: skip
        # Webhook deliveries (the events benchmark), as make run and compose have it.
        self.relay_log = logs / "bench-relay.log"
        self.relay = start_process([python(), "-m", "workers.relay"], self.env, self.relay_log)
        self.floor_port = free_port()
        self.floor = start_process(
            [python(), "-m", "uvicorn", "benchmarks.floor:app", "--port", str(self.floor_port), "--no-access-log", "--log-level", "warning"],
            self.env, logs / "bench-floor.log",
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
                floor = httpx.post(
                    f"http://127.0.0.1:{self.floor_port}/v1/bulk-registrations", json={}, timeout=1
                )
                if ready and floor.status_code == 202:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        time.sleep(3)  # the worker's pool is up by now

    def kill_relay(self) -> None:
        """SIGKILL, as a crash would, and a new relay in its place."""
        self.relay.kill()
        self.relay.wait(10)
        self.relay = start_process([python(), "-m", "workers.relay"], self.env, self.relay_log)

    def close(self) -> None:
        stop_process(self.relay)
        stop_process(self.worker_large)
        stop_process(self.floor)
        stop_process(self.api)
        stop_process(self.worker)


def floor_rate(servers: Servers, stack: Stack, org: Org, n: int, secret: str) -> float:
    """The stack floor: the same submissions, from the same load generator, to the floor app;
    done when its no-ops have all counted themselves."""
    counter = redis.Redis.from_url(servers.broker_url)
    from benchmarks.tasks import COUNTER

    counter.delete(COUNTER)
    started = time.perf_counter()
    submit_jobs(stack, org, n, 0, secret, port=stack.floor_port)
    wait_for_noops(counter, n)
    return n / (time.perf_counter() - started)


def noop_rate(servers: Servers, n: int) -> float:
    counter = redis.Redis.from_url(servers.broker_url)
    started = time.perf_counter()
    queue_noops(counter, n)
    wait_for_noops(counter, n)
    return n / (time.perf_counter() - started)


def queue_noops(counter: redis.Redis, n: int) -> None:
    from benchmarks.tasks import COUNTER, noop

    counter.delete(COUNTER)
    for _ in range(n):
        noop.apply_async()


def wait_for_noops(counter: redis.Redis, n: int) -> None:
    from benchmarks.tasks import COUNTER

    while int(counter.get(COUNTER) or 0) < n:
        time.sleep(0.005)


def job_rate(
    servers: Servers, stack: Stack, org: Org, n: int, first_day: int, secret: str
) -> float:
    started = time.perf_counter()
    job_ids = submit_jobs(stack, org, n, first_day, secret)
    wait_until_succeeded(servers, job_ids)
    return n / (time.perf_counter() - started)


def job_body(org: Org, on: int, participants: int = 15) -> dict[str, Any]:
    """A bulk registration of the organization's first ``participants`` peer mentors, on the
    day ``on`` days ago (one day per job: no two jobs of a run conflict)."""
    return {
        "activity": {
            "activity_type": "home_visit",
            "occurred_on": day(on).isoformat(),
            "duration_minutes": 30,
        },
        "participants": [{"peer_mentor_id": str(p)} for p in org.peer_mentors[:participants]],
    }


def submit_one(stack: Stack, org: Org, secret: str, on: int, participants: int = 15) -> uuid.UUID:
    """One submission over HTTP, answered 202; its job id."""
    response = httpx.post(
        f"{stack.url}/v1/bulk-registrations",
        json=job_body(org, on, participants),
        headers={"Authorization": f"Bearer {tokens.issue(org.coordinator, secret, 600)}"},
        timeout=60,
    )
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["job_id"])


def submit_jobs(
    stack: Stack, org: Org, n: int, first_day: int, secret: str, *, port: int | None = None
) -> list[uuid.UUID]:
    """``n`` 15-participant jobs over HTTP, one activity date each, from ``SUBMITTERS``
    threads; their ids in the order they were sent."""
    token = tokens.issue(org.coordinator, secret, 3600)
    payloads = [json.dumps(job_body(org, first_day + i)).encode() for i in range(n)]
    connections = threading.local()
    opened: list[http.client.HTTPConnection] = []

    def post(payload: bytes) -> str:
        """A keep-alive connection per submitter thread, from the standard library: the load
        generator shares the machine with what it measures, so it should cost little."""
        conn = getattr(connections, "conn", None)
        if conn is None:
            conn = connections.conn = http.client.HTTPConnection(
                "127.0.0.1", port or stack.port, timeout=60
            )
            opened.append(conn)
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        conn.request("POST", "/v1/bulk-registrations", payload, headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 202:
            raise RuntimeError(f"submit answered {response.status}: {answer[:500]!r}")
        return str(json.loads(answer)["job_id"])

    with ThreadPoolExecutor(SUBMITTERS) as pool:
        ids = list(pool.map(post, payloads))
    for connection in opened:
        connection.close()
    return [uuid.UUID(i) for i in ids]


@contextmanager
def worker_paused(stack: Stack) -> Iterator[None]:
    """The worker and its pool stopped (SIGSTOP) while the block queues work for it."""
    os.killpg(stack.worker.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(stack.worker.pid, signal.SIGCONT)


def drain_rates(
    servers: Servers, stack: Stack, org: Org, n: int, first_day: int, secret: str
) -> tuple[float, float]:
    """The worker's side alone: jobs/s and no-op round trips/s at which the worker empties a
    queue of ``n`` that was filled while it was paused. Timed from the moment it resumes, so
    neither the API nor the publisher shares the machine with it."""
    counter = redis.Redis.from_url(servers.broker_url)
    with worker_paused(stack):
        queue_noops(counter, n)
        resumed = time.perf_counter()
    wait_for_noops(counter, n)
    noops = n / (time.perf_counter() - resumed)
    with worker_paused(stack):
        job_ids = submit_jobs(stack, org, n, first_day, secret)
        resumed = time.perf_counter()
    wait_until_succeeded(servers, job_ids)
    return n / (time.perf_counter() - resumed), noops


def wait_until_succeeded(servers: Servers, job_ids: list[uuid.UUID]) -> None:
    """Notices the last job finishing as soon as the no-op benchmark notices its counter
    (it looks every 5 ms), without loading the machine it measures: while the job sent last
    is unfinished it asks about that one alone (one primary-key probe), then about the jobs
    still unfinished, by primary key too (a join could be planned as a scan of every job)."""
    remaining = set(job_ids)
    last = job_ids[-1]
    with psycopg.connect(libpq_url(servers.superuser_url), autocommit=True) as conn:
        # Its one statement, planned once: PostgreSQL had re-planned it on every look.
        conn.execute("set plan_cache_mode = force_generic_plan")
        while remaining:
            asked = [last] if last in remaining else list(remaining)
            finished = conn.execute(
                """select j.id from unnest(%s::uuid[]) as i(id)
                   cross join lateral (select id from bulk_jobs
                                       where id = i.id and status = 'succeeded') as j""",
                (asked,),
            ).fetchall()
            remaining.difference_update(row[0] for row in finished)
            if remaining:
                time.sleep(0.005)


def run(
    servers: Servers, stack: Stack, org: Org, n: int, repeat: int, secret: str
) -> dict[str, Figure]:
    jobs, noops, floors, ratio, vs_bare = Figure(), Figure(), Figure(), Figure(), Figure()
    drained_jobs, drained_noops, drain_ratio = Figure(), Figure(), Figure()
    # Warm both paths up to their steady state: pooled connections with their prepared
    # statements in the API and in every worker process, and statistics of tables in use.
    noop_rate(servers, n)
    floor_rate(servers, stack, org, n, secret)
    job_rate(servers, stack, org, n, first_day=900, secret=secret)
    ours = cpu.Processes.of(servers, stack.api.pid, stack.worker.pid)
    floor_side = cpu.Processes.of(servers, stack.floor.pid, stack.worker.pid)
    spent: dict[str, Figure] = {}

    def account(side: str, before: dict[str, float], after: dict[str, float]) -> None:
        for kind, ms in cpu.per_job(before, after, n).items():
            spent.setdefault(f"cpu_ms_per_job_{side}_{kind}", Figure()).add(ms)

    for rep in range(repeat):
        noops.add(noop_rate(servers, n))
        before = floor_side.seconds()
        floors.add(floor_rate(servers, stack, org, n, secret))
        account("floor", before, floor_side.seconds())
        before = ours.seconds()
        jobs.add(job_rate(servers, stack, org, n, first_day=1000 + rep * n, secret=secret))
        account("jobs", before, ours.seconds())
        ratio.add(jobs.samples[-1] / floors.samples[-1])
        vs_bare.add(jobs.samples[-1] / noops.samples[-1])
    for rep in range(repeat):
        first_day = 1000 + (repeat + rep) * n
        job_rate_alone, noop_rate_alone = drain_rates(servers, stack, org, n, first_day, secret)
        drained_jobs.add(job_rate_alone)
        drained_noops.add(noop_rate_alone)
        drain_ratio.add(job_rate_alone / noop_rate_alone)
    return {
        "jobs_per_s": jobs,
        "noop_round_trips_per_s": noops,
        "floor_jobs_per_s": floors,
        "e2e_ratio": ratio,
        "e2e_vs_bare_celery": vs_bare,
        "drained_jobs_per_s": drained_jobs,
        "drained_noops_per_s": drained_noops,
        "worker_drain_ratio": drain_ratio,
    } | spent


def one_job(servers: Servers, stack: Stack, org: Org, secret: str) -> str:
    """A finished 15-participant job, submitted over HTTP, for the poll benchmark."""
    job_rate(servers, stack, org, 1, first_day=800, secret=secret)
    with psycopg.connect(libpq_url(servers.superuser_url), autocommit=True) as conn:
        row = conn.execute(
            "select id from bulk_jobs where status = 'succeeded' and total = 15 order by created_at desc limit 1"
        ).fetchone()
    assert row is not None
    return str(row[0])
