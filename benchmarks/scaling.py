"""How draining the queue scales with worker processes on this machine: ``drain_jobs_per_s_1``,
``_2`` and ``_4`` — the same queue of 15-participant jobs, filled over HTTP while the workers
are paused, emptied by 1, 2 or 4 worker processes (one pool process each, distinct
hostnames, the small jobs' queue). The benchmark stack's own worker sits it out, paused.
Reported, no target: on two cores, more processes mostly share the same CPU."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

from benchmarks.e2e import Stack, submit_jobs, wait_until_succeeded
from benchmarks.harness import (
    Figure,
    Org,
    Servers,
    python,
    start_process,
    stop_process,
)
from bulkreg.foundation.names import SMALL_QUEUE

COUNTS = (1, 2, 4)


def run(
    servers: Servers, stack: Stack, org: Org, n: int, secret: str, first_day: int
) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    logs = servers.data_dir / "logs"
    os.killpg(stack.worker.pid, signal.SIGSTOP)
    try:
        for step, count in enumerate(COUNTS):
            names = [f"drain-{count}-{i}-{uuid.uuid4().hex[:6]}" for i in range(count)]
            workers = [_start_worker(stack, name, logs) for name in names]
            try:
                _until_ready([logs / f"{name}.log" for name in names])
                for worker in workers:
                    os.killpg(worker.pid, signal.SIGSTOP)
                job_ids = submit_jobs(stack, org, n, first_day + step * n, secret)
                resumed = time.perf_counter()
                for worker in workers:
                    os.killpg(worker.pid, signal.SIGCONT)
                wait_until_succeeded(servers, job_ids)
                rate = n / (time.perf_counter() - resumed)
            finally:
                for worker in workers:
                    stop_process(worker)
            figures[f"drain_jobs_per_s_{count}"] = Figure([rate])
    finally:
        os.killpg(stack.worker.pid, signal.SIGCONT)
    return figures


def _start_worker(stack: Stack, name: str, logs: Path) -> subprocess.Popen[bytes]:
    argv = [
        python(), "-m", "celery", "-A", "workers.app", "worker", "--concurrency", "1",
        "--queues", SMALL_QUEUE, "--hostname", f"{name}@%h", "--loglevel", "INFO",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    return start_process(argv, stack.env, logs / f"{name}.log")


def _until_ready(logs: list[Path], patience: float = 60) -> None:
    deadline = time.monotonic() + patience
    while not all(log.exists() and "ready." in log.read_text(errors="replace") for log in logs):
        if time.monotonic() > deadline:
            raise RuntimeError("the drain benchmark's workers did not start")
        time.sleep(0.2)
