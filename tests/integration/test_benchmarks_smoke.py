"""The benchmarks run once at tiny sizes so they cannot rot. No timing is asserted here:
performance is judged by `make bench`, as ratios measured in one run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KEYS = {
    "commit_ratio",
    "e2e_ratio",
    "e2e_vs_bare_celery",
    "dedupe_job_ratio",
    "worker_drain_ratio",
    "dedupe_scaling_ratio",
    "poll_p50_ms",
    "poll_p99_ms",
    "machine",
    "memory_peak_growth_mb",
    "takeover_seconds",
    "fairness_ratio",
    "burst_ratio",
    "drain_jobs_per_s_1",
    "drain_jobs_per_s_2",
    "drain_jobs_per_s_4",
    "submit_p99_ms_hung_broker",
    "natural_key_ratio",
    "audit_window_ratio",
    "event_delivery_p95_ms",
    "event_delivery_quiet_p95_ms",
    "duplicates_per_relay_kill",
    "long_poll_wakeup_p95_ms",
    "poll_p99_ms_with_1000_waiting",
    "long_poll_overshoot_ms",
    "fairness_idle_p95_ms",
    "retention_p95_ratio",
}
CPU_KINDS = {"api", "worker_main", "worker_child", "postgresql", "redis", "load_generator"}
CPU_PARTS = {"postgresql_api", "postgresql_worker", "postgresql_other"}

MAY_BE_ZERO = {"duplicates_per_relay_kill"}


def test_make_bench_code_runs_and_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKREG_")}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads(out.read_text())
    assert set(results) >= KEYS
    for key in KEYS - {"machine"} - MAY_BE_ZERO:
        assert isinstance(results[key], float) and results[key] > 0, key
    for key in MAY_BE_ZERO:  # measured, and zero is the figure hoped for
        assert isinstance(results[key], float) and results[key] >= 0, key
    assert results["machine"]["cores"] >= 1 and results["machine"]["postgresql"]
    assert all({"min", "median", "max"} == set(row) for row in results["spread"].values())
    for side in ("jobs", "floor"):  # CPU per job by kind (zero is possible at these sizes)
        spent = results["cpu_ms_per_job"][side]
        assert set(spent) == CPU_KINDS | CPU_PARTS | {"total"}
        assert all(isinstance(ms, float | int) for ms in spent.values())
        assert all(spent[kind] >= 0 for kind in CPU_KINDS | {"total"})
    assert "commit_ratio" in result.stdout  # the table was printed


def test_statements_per_job_are_read_from_a_tracking_server() -> None:
    """``python -m benchmarks.statements`` starts PostgreSQL with ``pg_stat_statements`` and
    reports what the jobs ran, triggers' statements and functions included."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKREG_")}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.statements", "--jobs", "4", "--warm", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "per job, over 4 jobs" in result.stdout
    assert "insert into activities" in result.stdout  # the worker's commit
    assert "(nested)" in result.stdout  # statements of triggers and functions are counted
    functions = result.stdout.split("function\n", 1)[1].splitlines()
    calls = {line.split()[-1]: float(line.split()[2]) for line in functions if line.strip()}
    assert calls["app.emit_event"] == 2.0  # and the functions: each job writes two events
