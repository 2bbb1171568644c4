"""The processes of ``bulkreg up``, kept running by supervisord (the ``supervisor`` package).

A process that dies is started again (at once if it had been running, with a growing pause
if it keeps failing to start), supervisord says so in a log line, and the others keep
serving. supervisord runs in a session of its own, so a Ctrl-C in the terminal reaches only
``bulkreg up``, which then stops everything in stages (``stop_together``), each stage's
programs at the same time: supervisord's own shutdown would stop one program after another,
each waiting for the last. What holds data (PostgreSQL, Redis) is stopped last and never
killed.

Its configuration — Flower's login among it — is a file of mode 0600 in a directory of mode
0700, and its control socket lives there too: no other local user can read or drive it.
"""

from __future__ import annotations

import os
import pwd
import shlex
import signal
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport

STDOUT = "/dev/stdout"
# supervisord's process states that mean "not running any more" (supervisor.states).
STOPPED = {"STOPPED", "EXITED", "FATAL", "UNKNOWN"}


@dataclass(frozen=True)
class Program:
    name: str
    argv: list[str]
    priority: int  # started in ascending order, stopped in descending order
    autostart: bool = True
    stop_signal: str = "TERM"
    stop_wait_seconds: int = 20
    user: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    log: str = STDOUT

    def section(self) -> str:
        lines = [
            f"[program:{self.name}]",
            f"command={_value(shlex.join(self.argv))}",
            f"priority={self.priority}",
            f"autostart={str(self.autostart).lower()}",
            "autorestart=true",
            "startsecs=1",
            # A process that keeps failing to start is tried again with a growing pause
            # (1 s, 2 s, 3 s …) for a long while rather than given up on.
            "startretries=100",
            f"stopsignal={self.stop_signal}",
            f"stopwaitsecs={self.stop_wait_seconds}",
            # The stop signal goes to the process alone (the worker's pool children are
            # not signalled: their main process shuts them down); only a process that
            # outstays stopwaitsecs is killed with its whole group.
            "stopasgroup=false",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_value(self.log)}",
            f"stdout_logfile_maxbytes={0 if self.log == STDOUT else '50MB'}",
        ]
        if self.user:
            lines.append(f"user={self.user}")
        if self.environment:
            pairs = ",".join(f'{k}="{_value(v)}"' for k, v in self.environment.items())
            lines.append(f"environment={pairs}")
        return "\n".join(lines)


def _value(text: str) -> str:
    """supervisord expands ``%(name)s`` in its values: a literal % is written %%."""
    if '"' in text or "\n" in text:
        raise ValueError(f"cannot write {text!r} into the supervisord configuration")
    return text.replace("%", "%%")


class Supervisor:
    """supervisord as a child of ``bulkreg up``, driven over its private socket."""

    def __init__(self, run_dir: Path, programs: Iterable[Program]) -> None:
        self.run_dir = run_dir
        self.programs = list(programs)
        self.config = run_dir / "supervisord.conf"
        self.socket = run_dir / "supervisord.sock"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o700)
        fd = os.open(self.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(self._configuration())
        self.config.chmod(0o600)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "--configuration", str(self.config)],
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # the terminal's Ctrl-C is ours to pass on, in order
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"supervisord exited with {self.process.returncode}")
            try:
                if self._call("getState")["statename"] == "RUNNING":
                    return
            except (OSError, xmlrpc.client.Fault):
                pass
            time.sleep(0.1)
        raise RuntimeError("supervisord did not answer on its socket")

    def start_program(self, name: str) -> None:
        self._call("startProcess", name, False)  # do not wait for it to settle

    def pid(self, name: str) -> int:
        return int(self._call("getProcessInfo", name)["pid"])

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop_together(
        self, names: Sequence[str], patience: float | None, nudge: str | None = None
    ) -> None:
        """Stop ``names`` at the same time (each with its stop signal) and wait until none
        runs, for ``patience`` seconds at most (None: as long as it takes); then send those still stopping ``nudge``
        (a worker's SIGQUIT: give the job back and go) and wait for supervisord, which kills
        a program that outstays its ``stopwaitsecs``."""
        if self.exited() is not None:
            return
        stopping = [name for name in names if self._state(name) not in STOPPED]
        for name in stopping:
            with suppress(xmlrpc.client.Fault):  # stopped in the meantime
                self._call("stopProcess", name, False)
        if self._wait_stopped(stopping, patience) or nudge is None:
            return
        for name in stopping:
            with suppress(xmlrpc.client.Fault):
                self._call("signalProcess", name, nudge)
        self._wait_stopped(stopping, None)

    def _state(self, name: str) -> str:
        try:
            return str(self._call("getProcessInfo", name)["statename"])
        except (OSError, xmlrpc.client.Fault):
            return "UNKNOWN"

    def _wait_stopped(self, names: Sequence[str], patience: float | None) -> bool:
        deadline = None if patience is None else time.monotonic() + patience
        while any(self._state(name) not in STOPPED for name in names):
            if self.exited() is not None:
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        """supervisord itself, with whatever still runs (nothing, after a stop in stages).
        Never killed: what holds data is waited for, however long it takes."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            print("bulkreg: waiting for the database servers to shut down", file=sys.stderr)
            self.process.wait()

    def _call(self, method: str, *args: object) -> Any:
        """One call of supervisord's XML-RPC interface, over its private socket."""
        transport = SupervisorTransport(None, None, serverurl=f"unix://{self.socket}")
        proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
        return getattr(proxy.supervisor, method)(*args)

    def _configuration(self) -> str:
        head = [
            "; Written by bulkreg up at each start; mode 0600.",
            "[supervisord]",
            "nodaemon=true",
            f"logfile={STDOUT}",
            "logfile_maxbytes=0",
            "loglevel=info",
            f"user={pwd.getpwuid(os.getuid()).pw_name}",  # who runs it; it changes nobody
            f"pidfile={_value(str(self.run_dir / 'supervisord.pid'))}",
            f"childlogdir={_value(str(self.run_dir))}",
            "[unix_http_server]",
            f"file={_value(str(self.socket))}",
            "chmod=0700",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        ]
        return "\n".join([*head, *(p.section() for p in self.programs)]) + "\n"
