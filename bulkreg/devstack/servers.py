"""Run a server binary as a child process for the lifetime of a ``with`` block.

The embedded PostgreSQL and Redis are children of whoever needs them (``bulkreg up``, a
CLI command, a test fixture), never daemons: when the owner stops, so do they.
"""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any


class ServerFailedToStart(RuntimeError):
    pass


def as_user(user: str | None) -> dict[str, Any]:
    """``subprocess`` arguments that run a child as ``user`` with that user's group and
    none of ours (``user=`` alone would keep the caller's groups)."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


class ChildServer:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        ready: Callable[[], bool],
        log_path: Path,
        stop_signal: int = signal.SIGTERM,
        user: str | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.ready = ready
        self.log_path = log_path
        self.stop_signal = stop_signal
        self.user = user
        self.env = env
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # A session of its own: a Ctrl-C aimed at the foreground job reaches the
            # owner, which then stops the servers in order (databases last).
            self.process = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=self.env,
                **as_user(self.user),
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailedToStart(f"{self.name} exited at start:\n{self.log_tail()}")
            if self.ready():
                return
            time.sleep(0.1)
        self.stop()
        raise ServerFailedToStart(f"{self.name} was not ready in time:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, self.stop_signal)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> ChildServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
