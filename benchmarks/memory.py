"""Peak RSS growth of a worker process while it processes one large job, measured in a
fresh process so nothing else is counted."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from uuid import UUID

import psutil

from benchmarks.harness import Servers, child_env, python


def child(worker_url: str, job_id: str) -> None:
    from domain.services import processing
    from persistence.database import make_engine
    from persistence.uow import SqlUnitsOfWork

    uows = SqlUnitsOfWork(make_engine(worker_url, pool_size=2), lambda _: None)
    with uows.maintenance() as m:  # connect and warm the pool before the baseline
        m.jobs.try_lock("warm-up")
    before = psutil.Process().memory_info().rss
    status = processing.process(uows, UUID(job_id), lease_seconds=300, max_attempts=3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"status": str(status), "growth_bytes": peak - before}))


def run(servers: Servers, job_id: str) -> float:
    out = subprocess.run(
        [python(), "-m", "benchmarks.memory", servers.worker_url, job_id],
        capture_output=True,
        text=True,
        env=child_env(servers),
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == "succeeded", result
    return float(result["growth_bytes"]) / 2**20


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
