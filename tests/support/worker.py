"""A real Celery worker process for the integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import psutil


class Worker:
    """A real ``celery worker`` process on the test broker and database."""

    def __init__(
        self,
        concurrency: int = 2,
        name: str | None = None,
        extra_env: dict[str, str] | None = None,
        include: str | None = None,
        queues: str | None = None,
    ) -> None:
        self.include = include
        self.queues = queues
        self.name = name or f"test-{uuid4().hex[:8]}"
        self.log_path = Path(os.environ["BULKREG_DATA_DIR"]) / "logs" / f"{self.name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.concurrency = concurrency
        self.env = os.environ | (extra_env or {})
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers.app",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(self.concurrency),
                "--hostname",
                f"{self.name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--pool",
                "prefork",
                *(["--include", self.include] if self.include else []),
                *(["--queues", self.queues] if self.queues else []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text(errors="replace"):
                return self
            if self.process.poll() is not None:
                raise RuntimeError(self.log_path.read_text())
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready:\n{self.log_path.read_text()}")

    def children(self) -> list[int]:
        assert self.process is not None
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()
        except ProcessLookupError:
            pass
        self.process = None
