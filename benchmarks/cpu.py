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


def _times(process: psutil.Process) -> tuple[float, float]:
    """A process's own CPU seconds, and those of the children it has reaped."""
    times = process.cpu_times()
    return (
        float(times.user + times.system),
        float(times.children_user + times.children_system),
    )


def _snapshot(process: psutil.Process) -> dict[int, tuple[float, float]]:
    """Every process of a tree, with its own and reaped CPU seconds."""
    return {each.pid: _times(each) for each in [process, *process.children(recursive=True)]}


def _same(one: dict[int, tuple[float, float]], other: dict[int, tuple[float, float]]) -> bool:
    """The same processes, none of which has reaped a child in between."""
    return one.keys() == other.keys() and all(one[pid][1] == other[pid][1] for pid in one)


def _tree(process: psutil.Process) -> dict[int, tuple[float, float]]:
    """A consistent snapshot of a tree: a process that ends while the tree is read leaves
    its time with no one (no longer its own, not yet its parent's reaped), so read until
    two readings name the same processes with the same reaped time. Under steady load
    this takes two readings; after a few tries the last reading is taken as it is."""
    last: dict[int, tuple[float, float]] | None = None
    for _ in range(20):
        try:
            now = _snapshot(process)
        except psutil.NoSuchProcess:
            continue  # one of them ended while being read
        if last is not None and _same(last, now):
            return now
        last = now
    assert last is not None, f"process {process.pid} could not be read"
    return last


def _total(tree: dict[int, tuple[float, float]]) -> float:
    return sum(own + reaped for own, reaped in tree.values())


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
        worker = _tree(psutil.Process(self.worker))
        main = worker[self.worker][0]
        postgresql = _tree(psutil.Process(self.postmaster))
        parts = dict.fromkeys(PARTS, 0.0)
        for backend in psutil.Process(self.postmaster).children():
            if backend.pid not in postgresql:
                continue
            with contextlib.suppress(psutil.NoSuchProcess, IndexError):
                role = backend.cmdline()[0].split()[1]
                if role in BACKENDS:
                    parts[BACKENDS[role]] += postgresql[backend.pid][0]
        parts["postgresql_other"] = (
            _total(postgresql) - parts["postgresql_api"] - parts["postgresql_worker"]
        )
        return {
            "api": _total(_tree(psutil.Process(self.api))),
            "worker_main": main,
            "worker_child": _total(worker) - main,
            "postgresql": _total(postgresql),
            "redis": _total(_tree(psutil.Process(self.redis))),
            "load_generator": _times(psutil.Process())[0],
        } | parts


def per_job(before: dict[str, float], after: dict[str, float], jobs: int) -> dict[str, float]:
    """Milliseconds of CPU per job, by kind, their sum, and PostgreSQL's parts."""
    spent = {kind: (after[kind] - before[kind]) * 1000 / jobs for kind in KINDS}
    parts = {part: (after[part] - before[part]) * 1000 / jobs for part in PARTS}
    return spent | {"total": sum(spent.values())} | parts
