"""The stack exactly as ``make run`` starts it (``bulkreg up`` on the embedded default), in a
data dir and on ports of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg

from bulkreg.devstack.postgres import EmbeddedPostgres
from persistence.database import libpq_url
from tests.support.net import free_port
from tests.support.session import TEST_ROOT

BULKREG = Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "bulkreg"


@dataclass
class Stack:
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    api: str
    flower: str
    log_path: Path

    @property
    def demo(self) -> dict[str, Any]:
        return dict(json.loads((self.data_dir / "demo.json").read_text()))

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=30)

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout)


def start_stack(
    name: str, data_dir: Path | None = None, extra_env: dict[str, str] | None = None
) -> Stack:
    data_dir = data_dir or TEST_ROOT / name
    # As on a developer's machine: dev secrets generated into the data dir.
    inherited = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BULKREG_JWT_SECRET", "BULKREG_FLOWER_BASIC_AUTH")
        and not k.endswith("_URL")  # servers of other tests': this stack starts its own
    }
    env = (
        inherited
        | {
            "BULKREG_ENV": "dev",
            "BULKREG_DATA_DIR": str(data_dir),
            "BULKREG_API_PORT": str(free_port()),
            "BULKREG_FLOWER_PORT": str(free_port()),
            "BULKREG_EMBEDDED_REDIS_PORT": str(free_port()),
            "BULKREG_DEV_SMTP_PORT": str(free_port()),
            "BULKREG_SWEEP_INTERVAL_SECONDS": "2",
            "BULKREG_SWEEP_QUEUED_AFTER_SECONDS": "3",
            "BULKREG_RECONCILE_INTERVAL_SECONDS": "2",
        }
        | (extra_env or {})
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{name}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [str(BULKREG.resolve()), "up"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    stack = Stack(
        data_dir,
        env,
        process,
        f"http://127.0.0.1:{env['BULKREG_API_PORT']}",
        f"http://127.0.0.1:{env['BULKREG_FLOWER_PORT']}",
        log_path,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bulkreg up exited:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{stack.api}/readyz", timeout=2).status_code == 200 and worker_ready(
                stack
            ):
                return stack
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stack.stop(signal.SIGKILL)
    raise RuntimeError(f"bulkreg up not ready:\n{log_path.read_text()}")


def worker_ready(stack: Stack) -> bool:
    return "ready." in stack.log_path.read_text(errors="replace")


def superuser(stack: Stack) -> psycopg.Connection[Any]:
    return psycopg.connect(
        libpq_url(EmbeddedPostgres(stack.data_dir).url("postgres")), autocommit=True
    )


def plant_orphan(
    stack: Stack, org: dict[str, Any], job_id: str, peer_mentor_id: str, day: str
) -> uuid.UUID:
    """An activity of a job that did not succeed, written behind the application's back."""
    orphan = uuid.uuid4()
    with superuser(stack) as conn:
        conn.execute(
            """insert into activities (id, org_id, peer_mentor_id, activity_type, occurred_on,
                   duration_minutes, registered_by, source, bulk_job_id)
               values (%s, %s, %s, 'phone_call', %s, 5, %s, 'bulk', %s)""",
            (orphan, org["id"], peer_mentor_id, day, org["coordinators"][0]["id"], job_id),
        )
    return orphan


def plant_misattributed(
    stack: Stack, org: dict[str, Any], peer_mentor_id: str, registrar_id: str, day: str
) -> uuid.UUID:
    """An activity for one peer mentor registered by another, by a superuser (row-level
    security refuses it to every role of the stack): a bypassed role check's footprint."""
    planted = uuid.uuid4()
    with superuser(stack) as conn:
        conn.execute(
            """insert into activities (id, org_id, peer_mentor_id, activity_type, occurred_on,
                   duration_minutes, registered_by, source)
               values (%s, %s, %s, 'phone_call', %s, 5, %s, 'proxy')""",
            (planted, org["id"], peer_mentor_id, day, registrar_id),
        )
    return planted


def run_cli(stack: Stack, *args: str) -> str:
    """``bulkreg …`` against the stack; its output, stripped."""
    done = subprocess.run(
        [str(BULKREG.resolve()), *args],
        capture_output=True,
        text=True,
        env=stack.env | {"NO_COLOR": "1"},
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()
