"""``bulkreg up`` stays up: a process that dies is started again while the others serve, a
hung broker does not hold a submission, and a stop lets the running job finish."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest

from tests.support.db import wait_for
from tests.support.http import bulk_body, days_ago, demo_mentors, wait_terminal
from tests.support.stack import Stack, start_stack, superuser


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    started = start_stack("staying-up")
    yield started
    started.stop()


def supervised(stack: Stack, *words: str) -> psutil.Process:
    """The process supervisord runs whose name or arguments hold ``words``."""
    (supervisord,) = [p for p in stack.descendants() if "supervisor.supervisord" in p.cmdline()]
    found = [
        p
        for p in supervisord.children()
        if all(w == p.name() or any(part == w for part in p.cmdline()) for w in words)
    ]
    assert len(found) == 1, [p.cmdline() for p in supervisord.children()]
    return found[0]


def coordinator_of(stack: Stack) -> tuple[httpx.Client, dict[str, Any]]:
    org = stack.demo["organizations"][0]
    return stack.client(org["coordinators"][0]["token"]), org


def submit(client: httpx.Client, org: dict[str, Any], day: str, start: int) -> str:
    response = client.post(
        "/v1/bulk-registrations", json=bulk_body(demo_mentors(org, 3, start), day)
    )
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def test_a_killed_worker_is_started_again_while_the_api_keeps_answering(stack: Stack) -> None:
    client, org = coordinator_of(stack)
    worker = supervised(stack, "celery", "worker", "bulk.small")
    os.kill(worker.pid, signal.SIGKILL)
    for _ in range(10):  # the API does not notice
        assert httpx.get(f"{stack.api}/healthz", timeout=5).status_code == 200
        time.sleep(0.1)
    again = wait_for(lambda: _other_worker(stack, worker.pid), timeout=30)
    assert again.is_running()
    assert "exited: worker (terminated by SIGKILL" in stack.log_path.read_text()
    job_id = submit(client, org, days_ago(60), 0)
    assert wait_terminal(client, job_id)["status"] == "succeeded"


def _other_worker(stack: Stack, old: int) -> psutil.Process | None:
    try:
        found = supervised(stack, "celery", "worker", "bulk.small")
    except AssertionError:
        return None  # between the two
    return found if found.pid != old else None


def test_a_killed_redis_is_started_again_and_the_jobs_submitted_meanwhile_are_processed(
    stack: Stack,
) -> None:
    client, org = coordinator_of(stack)
    redis = supervised(stack, "redis-server")
    os.kill(redis.pid, signal.SIGKILL)
    jobs = [submit(client, org, days_ago(61), start) for start in (0, 3)]
    wait_for(lambda: _other(stack, "redis-server", redis.pid), timeout=30)
    for job_id in jobs:
        assert wait_terminal(client, job_id, timeout=90)["status"] == "succeeded"


def _other(stack: Stack, word: str, old: int) -> psutil.Process | None:
    try:
        found = supervised(stack, word)
    except AssertionError:
        return None
    return found if found.pid != old else None


def test_a_killed_mail_catcher_is_started_again_and_catches_what_was_sent_meanwhile(
    stack: Stack,
) -> None:
    """Killed, it is started again; the email written while it was gone (a job stopped for
    review notifies its submitter) is sent by the relay once it is back, into a file."""
    client, org = coordinator_of(stack)
    catcher = supervised(stack, "bulkreg.devstack.mailcatcher")
    os.kill(catcher.pid, signal.SIGKILL)
    first = submit(client, org, days_ago(64), 9)
    assert wait_terminal(client, first)["status"] == "succeeded"
    job_id = submit(client, org, days_ago(64), 9)  # the same people again: conflicts
    assert wait_terminal(client, job_id)["status"] == "needs_review"
    wait_for(lambda: _other(stack, "bulkreg.devstack.mailcatcher", catcher.pid), timeout=30)
    assert "exited: mail (terminated by SIGKILL" in stack.log_path.read_text()
    wait_for(lambda: _kept_review_link(stack, job_id), timeout=90)


def _kept_review_link(stack: Stack, job_id: str) -> bool:
    kept = (stack.data_dir / "mail").glob("*.eml")
    return any(f"/ui/jobs/{job_id}" in path.read_text(errors="replace") for path in kept)


def test_a_hung_broker_does_not_hold_a_submission(stack: Stack) -> None:
    """Redis stopped (SIGSTOP) accepts connections and answers nothing: the submission is
    still accepted (within the client's five seconds), and processed once Redis is back."""
    client, org = coordinator_of(stack)
    redis = supervised(stack, "redis-server")
    redis.suspend()
    try:
        with stack.client(org["coordinators"][0]["token"]) as impatient:
            impatient.timeout = httpx.Timeout(5)
            job_id = submit(impatient, org, days_ago(62), 6)
    finally:
        redis.resume()
    assert wait_terminal(client, job_id, timeout=90)["status"] == "succeeded"
    # Sent again by the API as soon as the broker answered (the send that timed out may have
    # reached it too: a job sent twice is claimed once), not left to the sweeper.
    wait_for(lambda: f"sent job {job_id}: the broker answers again" in stack.log_path.read_text())


def test_a_stop_lets_the_running_job_finish() -> None:
    """SIGTERM while a job is being processed (its insert made to take seconds): the worker
    shuts down softly, the job commits, and nothing of the stack is left running."""
    stack = start_stack("soft-stop")
    client, org = coordinator_of(stack)
    with superuser(stack) as conn:
        conn.execute(
            """create function slow_insert() returns trigger language plpgsql as $$
               begin perform pg_sleep(4); return null; end $$;
               create trigger slow_insert before insert on activities
                 for each statement execute function slow_insert()"""
        )
    job_id = submit(client, org, days_ago(63), 0)
    wait_for(lambda: _status(stack, job_id) == "running", timeout=30)
    time.sleep(0.5)  # inside the insert
    children = stack.descendants()
    assert stack.stop(signal.SIGTERM, timeout=90) == 0
    assert [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []
    log = stack.log_path.read_text()
    assert "stopped: worker (exit status 0)" in log
    assert stop_stages(log) == [
        {"api"},
        {"worker", "worker-large"},
        {"beat", "relay", "flower"},
        {"mail"},
        {"redis"},
        {"postgres"},
    ]
    again = start_stack("soft-stop", stack.data_dir)
    try:
        assert _status(again, job_id) == "succeeded"
        with superuser(again) as conn:
            attempts = conn.execute("select attempts from bulk_jobs where id = %s", (job_id,))
            assert attempts.fetchone() == (1,)
            conn.execute("drop trigger slow_insert on activities; drop function slow_insert()")
    finally:
        again.stop()


def stop_stages(log: str) -> list[set[str]]:
    """supervisord's "stopped: NAME" lines, grouped into the stages of the stop they belong
    to: the API, the workers, the other programs, the mail catcher, Redis, PostgreSQL."""
    stages = [{"api"}, {"worker", "worker-large"}, {"beat", "relay", "flower"}]
    stages += [{"mail"}, {"redis"}, {"postgres"}]
    stage_of = {name: n for n, names in enumerate(stages) for name in names}
    order = [
        stage_of[line.split("stopped: ", 1)[1].split(" ", 1)[0]]
        for line in log.splitlines()
        if "stopped: " in line
    ]
    assert order == sorted(order), order  # no program stopped before an earlier stage's
    return [stages[n] for n in sorted(set(order))]


def _status(stack: Stack, job_id: str) -> str:
    with superuser(stack) as conn:
        row = conn.execute("select status from bulk_jobs where id = %s", (job_id,)).fetchone()
    assert row is not None
    return str(row[0])
