"""``make bench``: run every benchmark, print a table, write benchmarks/results.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg
import redis

from benchmarks import (
    commit,
    dedupe,
    e2e,
    events,
    fairness,
    keys,
    memory,
    poll,
    retention,
    scaling,
    staying_up,
)
from benchmarks.harness import (
    BENCH_ENV,
    Figure,
    Servers,
    child_env,
    engine,
    make_org,
    reset_activity_tables,
    servers,
    settle,
)
from bulkreg.foundation.settings import Settings
from persistence.database import libpq_url

TARGETS = {
    "commit_ratio": (">=", 0.5),
    "e2e_ratio": (">=", 0.45),
    "dedupe_scaling_ratio": ("<=", 1.2),
    "poll_p99_ms": ("<", 20.0),
    "fairness_ratio": ("<=", 2.0),
    "burst_ratio": ("<=", 3.0),
    "poll_p99_ms_with_1000_waiting": ("<", 50.0),
    "long_poll_overshoot_ms": ("<", 1000.0),
    "natural_key_ratio": (">=", 0.8),
    "audit_window_ratio": ("<=", 1.5),
    "memory_peak_growth_mb": ("<", 100.0),
    "event_delivery_p95_ms": ("<", 1000.0),
    "long_poll_wakeup_p95_ms": ("<", 200.0),
}


@dataclass(frozen=True)
class Sizes:
    mentors: int
    commit_rows: int
    dedupe_rows: int
    dedupe_small: int
    dedupe_large: int
    e2e_jobs: int
    poll_rate: float
    poll_seconds: float
    repeat: int
    burst: int
    fair_jobs: int  # each side of a fairness ratio: B's jobs in one round


FULL = Sizes(10_000, 10_000, 1_000, 10_000, 1_000_000, 100, 200, 10, 5, 500, 100)
QUICK = Sizes(120, 100, 20, 200, 2_000, 4, 20, 0.5, 2, 10, 4)


def machine(s: Servers) -> dict[str, Any]:
    with psycopg.connect(libpq_url(s.superuser_url)) as conn:
        pg = conn.execute("show server_version").fetchone()[0]  # type: ignore[index]
    info = redis.Redis.from_url(s.broker_url).info("server")
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "postgresql": pg,
        "redis": info["redis_version"],
    }


def run(sizes: Sizes) -> dict[str, Any]:
    settings = Settings()
    figures: dict[str, Figure] = {}
    extra: dict[str, Any] = {}
    with servers(settings) as s:
        # The publisher and the benchmark's own tasks use these servers; the largest jobs of
        # the run are large ones (its own queue and worker) even at the quick sizes.
        os.environ.update(
            child_env(s) | {"BULKREG_LARGE_JOB_PARTICIPANTS": str(min(1000, sizes.mentors // 2))}
        )
        owner = engine(s.owner_url)
        org = make_org(owner, sizes.mentors)
        other = make_org(owner, 20)  # the fairness benchmark's small organization
        owner.dispose()
        secret = BENCH_ENV["BULKREG_JWT_SECRET"]

        figures |= commit.run(s, org, sizes.commit_rows, sizes.repeat)
        figures |= keys.run(s, org, sizes.commit_rows, sizes.repeat, first_day=500)
        job_id = commit.submit(
            commit.SqlUnitsOfWork(engine(s.api_url), lambda _: None), org, sizes.commit_rows, on=300
        )
        extra["memory_peak_growth_mb"] = memory.run(s, str(job_id))

        reset_activity_tables(s.superuser_url)
        figures |= dedupe.run(
            s, org, sizes.dedupe_rows, sizes.dedupe_small, sizes.dedupe_large, sizes.repeat
        )

        reset_activity_tables(s.superuser_url)
        stack = e2e.Stack(s)
        try:
            poll_job = e2e.one_job(s, stack, org, secret)
            settle(s.superuser_url)
            figures |= poll.run(
                stack, org, poll_job, secret, sizes.poll_rate, sizes.poll_seconds, sizes.repeat
            )
            settle(s.superuser_url)
            figures |= e2e.run(s, stack, org, sizes.e2e_jobs, sizes.repeat, secret)
            settle(s.superuser_url)
            figures |= events.run(
                s,
                stack,
                org,
                other,
                secret,
                jobs=sizes.e2e_jobs,
                e2e_rate=figures["jobs_per_s"].median,
                repeat=min(sizes.repeat, 3),
                first_day=40_000,
            )
            settle(s.superuser_url)
            figures |= retention.run(s, stack, org, secret, events=10_000 * sizes.e2e_jobs,
                                     jobs=sizes.e2e_jobs, repeat=1, first_day=60_000)  # fmt: skip
            settle(s.superuser_url)
            figures |= scaling.run(s, stack, org, 2 * sizes.e2e_jobs, secret, first_day=30_000)
            settle(s.superuser_url)
            figures |= fairness.run(
                s,
                stack,
                org,
                other,
                secret,
                first_day=4000,
                repeat=sizes.repeat,
                burst=sizes.burst,
                jobs=sizes.fair_jobs,
            )
            settle(s.superuser_url)
            figures |= staying_up.run(s, stack, org, secret, min(sizes.repeat, 3))
        finally:
            stack.close()
        extra["machine"] = machine(s)
    results: dict[str, Any] = {name: round(f.median, 4) for name, f in figures.items()}
    results |= {k: round(v, 2) if isinstance(v, float) else v for k, v in extra.items()}
    results["spread"] = {
        name: {k: round(v, 4) for k, v in f.row().items()} for name, f in figures.items()
    }
    # Where a job's CPU goes, by kind of process, beside the floor's (medians; each
    # repetition is in "spread" as cpu_ms_per_job_<side>_<kind>).
    results["cpu_ms_per_job"] = {
        side: {
            name.removeprefix(f"cpu_ms_per_job_{side}_"): round(f.median, 3)
            for name, f in figures.items()
            if name.startswith(f"cpu_ms_per_job_{side}_")
        }
        for side in ("jobs", "floor")
    }
    results["sizes"] = sizes.__dict__
    return results


def table(results: dict[str, Any]) -> str:
    lines = [f"{'figure':<28} {'min':>12} {'median':>12} {'max':>12}   target"]
    for name, row in results["spread"].items():
        op, bound = TARGETS.get(name, ("", None))
        verdict = ""
        if bound is not None:
            ok = {
                "<": row["median"] < bound,
                "<=": row["median"] <= bound,
                ">=": row["median"] >= bound,
            }[op]
            verdict = f"{op} {bound}  {'ok' if ok else 'MISSED'}"
        if row["min"] > 0 and row["max"] > 2 * row["min"]:
            verdict += "  (spread over 2x: read min and max too)"
        lines.append(
            f"{name:<28} {row['min']:>12.4g} {row['median']:>12.4g} {row['max']:>12.4g}   {verdict}"
        )
    mem = results["memory_peak_growth_mb"]
    lines.append(
        f"{'memory_peak_growth_mb':<28} {'':>12} {mem:>12.4g} {'':>12}   < 100  {'ok' if mem < 100 else 'MISSED'}"
    )
    lines.append(f"machine: {results['machine']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke run, not a measurement"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results.json")
    args = parser.parse_args()
    # A SIGTERM unwinds like Ctrl-C: the servers and processes the run started are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    results = run(QUICK if args.quick else FULL)
    results["seconds"] = round(time.monotonic() - started, 1)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"written to {args.out} in {results['seconds']} s")


if __name__ == "__main__":
    main()
