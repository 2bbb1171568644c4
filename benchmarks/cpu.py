"""CPU time per job, by kind of process: where an end-to-end job's cost goes, beside the
stack floor's.

Read from the operating system (``psutil``: user + system time) before and after a timed
section, for the API process (the real one or the floor's), the worker's main process and
its pool's children, PostgreSQL (the postmaster and every process under it: backends,
checkpointer, WAL writer, autovacuum — and those that ended meanwhile, which their parent
has reaped), Redis, and the load generator (this process: its submitters and the thread
that watches for the jobs' end)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import psutil
import psycopg
import redis

from benchmarks.harness import Servers
from persistence.database import libpq_url

KINDS = ("api", "worker_main", "worker_child", "postgresql", "redis", "load_generator")
# PostgreSQL's share, by whom its processes serve (their title names the role they logged in
# as): the API's backends, the workers' (claims, processing, the sweeper, the relay), and
# the rest (the server's own processes, this benchmark's watching connection).
BACKENDS = {"bulkreg_api": "postgresql_api", "bulkreg_worker": "postgresql_worker"}
PARTS = ("postgresql_api", "postgresql_worker", "postgresql_other")


def _own(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _reaped(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.children_user + times.children_system)


def _tree(process: psutil.Process) -> float:
    """A process, its living descendants, and the descendants it has reaped."""
    total = _own(process) + _reaped(process)
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += _own(child)
    return total


@dataclass(frozen=True)
class Processes:
    api: int
    worker: int
    postmaster: int
    redis: int

    @classmethod
    def of(cls, servers: Servers, api: int, worker: int) -> Processes:
        with psycopg.connect(libpq_url(servers.superuser_url), autocommit=True) as conn:
            backend = conn.execute("select pg_backend_pid()").fetchone()
            assert backend is not None
            postmaster = psutil.Process(backend[0]).ppid()  # while the backend lives
        redis_pid = int(redis.Redis.from_url(servers.broker_url).info("server")["process_id"])
        return cls(api, worker, postmaster, redis_pid)

    def seconds(self) -> dict[str, float]:
        """Each kind's CPU seconds so far."""
        worker = psutil.Process(self.worker)
        main = _own(worker)
        postgresql = _tree(psutil.Process(self.postmaster))
        parts = dict.fromkeys(PARTS, 0.0)
        for backend in psutil.Process(self.postmaster).children():
            with contextlib.suppress(psutil.NoSuchProcess, IndexError):
                role = backend.cmdline()[0].split()[1]
                if role in BACKENDS:
                    parts[BACKENDS[role]] += _own(backend)
        parts["postgresql_other"] = (
            postgresql - parts["postgresql_api"] - parts["postgresql_worker"]
        )
        return {
            "api": _tree(psutil.Process(self.api)),
            "worker_main": main,
            "worker_child": _tree(worker) - main,
            "postgresql": postgresql,
            "redis": _tree(psutil.Process(self.redis)),
            "load_generator": _own(psutil.Process()),
        } | parts


def per_job(before: dict[str, float], after: dict[str, float], jobs: int) -> dict[str, float]:
    """Milliseconds of CPU per job, by kind, their sum, and PostgreSQL's parts."""
    spent = {kind: (after[kind] - before[kind]) * 1000 / jobs for kind in KINDS}
    parts = {part: (after[part] - before[part]) * 1000 / jobs for part in PARTS}
    return spent | {"total": sum(spent.values())} | parts
