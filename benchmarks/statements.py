"""Where PostgreSQL's time per job goes: every statement and function that end-to-end jobs
run, with its execution time and calls per job.

    .venv/bin/python -m benchmarks.statements            # 200 jobs after 50 to warm up
    .venv/bin/python -m benchmarks.statements --jobs 500

The same 15-participant jobs as ``e2e_ratio`` (HTTP submit to ``succeeded``, the same API,
worker and load generator) on embedded servers started with ``pg_stat_statements``
(``track = all``: statements run inside functions and triggers too) and
``track_functions = all``. Configured servers (``BULKREG_DATABASE_URL``) are used as they
are: they must load ``pg_stat_statements`` themselves. Times are the server's execution
times with both trackers on, so read them against one another, not as CPU per job
(``results.json``'s ``cpu_ms_per_job`` is that).

Nested statements are counted within their caller too: a trigger's statement appears on
its own line (``nested``) and inside the statement that fired it.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import psycopg

from benchmarks import e2e
from benchmarks.harness import BENCH_ENV, child_env, engine, make_org, servers
from bulkreg.foundation.settings import Settings
from persistence.database import libpq_url

# A backend reports its function counts when a transaction ends a second after its last
# report, or after 10 s idle (the warm-up's, before the counts are reset).
IDLE_REPORT_SECONDS = 11
TRACKING = (
    "shared_preload_libraries=pg_stat_statements",
    "pg_stat_statements.track=all",
    "pg_stat_statements.track_utility=off",
    "track_functions=all",
)
STATEMENTS = """select r.rolname, s.toplevel, s.calls, s.total_exec_time,
                       regexp_replace(s.query, '\\s+', ' ', 'g')
                from pg_stat_statements s join pg_roles r on r.oid = s.userid
                where s.query not like '%%pg_stat%%'
                order by s.total_exec_time desc limit %s"""
FUNCTIONS = """select schemaname || '.' || funcname, calls, total_time, self_time
               from pg_stat_user_functions order by total_time desc limit %s"""


def measure(jobs: int, warm: int, rows: int) -> tuple[list[Any], list[Any]]:
    with servers(Settings(), TRACKING) as s:
        os.environ.update(child_env(s))
        owner = engine(s.owner_url)
        org = make_org(owner, 20)
        owner.dispose()
        secret = BENCH_ENV["BULKREG_JWT_SECRET"]
        observer = libpq_url(s.superuser_url)
        with psycopg.connect(observer, autocommit=True) as conn:
            conn.execute("create extension if not exists pg_stat_statements")
        stack = e2e.Stack(s)
        try:
            if warm:
                e2e.job_rate(s, stack, org, warm, first_day=900, secret=secret)
                time.sleep(IDLE_REPORT_SECONDS)  # the warm-up's counts are in before the reset
            with psycopg.connect(observer, autocommit=True) as conn:
                conn.execute("select pg_stat_statements_reset(), pg_stat_reset()")
            e2e.job_rate(s, stack, org, jobs, first_day=1000, secret=secret)
        finally:
            stack.close()
        with psycopg.connect(observer, autocommit=True) as conn:
            _until_backends_ended(conn)
            return (
                conn.execute(STATEMENTS, (rows,)).fetchall(),
                conn.execute(FUNCTIONS, (rows,)).fetchall(),
            )


def _until_backends_ended(conn: psycopg.Connection[Any]) -> None:
    """A backend reports what it still holds when it ends: once the stack's have ended
    (their clients are stopped), every count is in."""
    deadline = time.monotonic() + 60
    while conn.execute(
        "select count(*) from pg_stat_activity where usename like 'bulkreg%%'"
    ).fetchone() != (0,):
        if time.monotonic() > deadline:
            raise RuntimeError("the stack's database sessions did not end within 60 s")
        time.sleep(0.1)


def report(jobs: int, statements: list[Any], functions: list[Any]) -> str:
    lines = [f"per job, over {jobs} jobs", "", "ms     calls  role         statement"]
    for role, toplevel, calls, ms, query in statements:
        where = role.removeprefix("bulkreg_") + ("" if toplevel else " (nested)")
        lines.append(f"{ms / jobs:6.3f} {calls / jobs:6.2f}  {where:<12} {query[:110]}")
    lines += ["", "ms     self   calls  function"]
    for name, calls, total, own in functions:
        lines.append(f"{total / jobs:6.3f} {own / jobs:6.3f} {calls / jobs:6.2f}  {name}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.statements")
    parser.add_argument("--jobs", type=int, default=200, help="jobs measured (default 200)")
    parser.add_argument("--warm", type=int, default=50, help="jobs run first, not measured")
    parser.add_argument("--rows", type=int, default=40, help="statements and functions shown")
    args = parser.parse_args()
    print(report(args.jobs, *measure(args.jobs, args.warm, args.rows)))


if __name__ == "__main__":
    main()
