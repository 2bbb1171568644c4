"""``bulkreg up``: the whole stack in the foreground, and nothing left behind on exit.

The databases are our children (``bulkreg.servers``); the application processes are run by
honcho's process manager, which multiplexes their output and stops them all when one exits
or a SIGINT/SIGTERM arrives. Databases stop last, after everything that uses them.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import sys
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from honcho.manager import Manager

from bulkreg.devstack import demo, where
from bulkreg.settings import Settings
from persistence import migrate, seed
from persistence.database import make_engine

STOP_CODES = {130, 143}


class Stopped(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


def prepare_database(settings: Settings) -> None:
    """Migrate; seed the demo data into an empty database and refresh the demo tokens in
    the data dir while the demo organization is there (never into a database in use)."""
    migrate.upgrade(where.owner_database_url(settings))
    engine = make_engine(where.owner_database_url(settings), pool_size=1)
    try:
        demo = seed.is_empty(engine) or seed.has_demo(engine)
    finally:
        engine.dispose()
    if demo:
        _write_demo_credentials(settings)


def child_environment(settings: Settings) -> dict[str, str]:
    return os.environ | {
        "BULKREG_DATA_DIR": str(settings.data_path),
        "BULKREG_DATABASE_URL": where.api_database_url(settings),
        "BULKREG_WORKER_DATABASE_URL": where.worker_database_url(settings),
        "BULKREG_ADMIN_DATABASE_URL": where.owner_database_url(settings),
        "BULKREG_REDIS_URL": where.broker_url(settings),
        "BULKREG_JWT_SECRET": settings.signing_secret(),
        "BULKREG_FLOWER_BASIC_AUTH": settings.flower_login(),
        "PYTHONUNBUFFERED": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir(settings)),
    }


def metrics_dir(settings: Settings) -> Path:
    return settings.data_path / "metrics"


def fresh_metrics_dir(settings: Settings) -> None:
    """prometheus_client's multiprocess files are per run: a restart starts from zero."""
    shutil.rmtree(metrics_dir(settings), ignore_errors=True)
    metrics_dir(settings).mkdir(parents=True)


def commands(settings: Settings) -> dict[str, list[str]]:
    py = sys.executable
    celery = [py, "-m", "celery", "-A", "workers.app"]
    return {
        "api": [
            py, "-m", "uvicorn", "api.app:app", "--host", settings.api_host,
            "--port", str(settings.api_port), "--no-access-log",
        ],
        "worker": [
            *celery, "worker", "--loglevel", "INFO", "--concurrency",
            str(settings.worker_concurrency), "--hostname", f"worker-{os.getpid()}@%h", "-E",
        ],
        "beat": [
            *celery, "beat", "--loglevel", "INFO", "--schedule",
            str(settings.data_path / "celerybeat-schedule"), "--pidfile=",
        ],
        # Flower reads its login from FLOWER_BASIC_AUTH (child_environment), never from
        # its command line, which every local user can read in /proc.
        "flower": [
            py, "-m", "workers.flower", "-A", "workers.app", "flower",
            "--address=127.0.0.1", f"--port={settings.flower_port}",
        ],
    }  # fmt: skip


def up(settings: Settings) -> int:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with ExitStack() as stack:
            stack.enter_context(where.database(settings))
            if settings.embedded_redis:
                stack.enter_context(where.embedded_redis(settings).server())
            prepare_database(settings)
            _announce(settings)
            fresh_metrics_dir(settings)
            manager = Manager()
            env = child_environment(settings)
            for name, argv in commands(settings).items():
                own = {"FLOWER_BASIC_AUTH": settings.flower_login()} if name == "flower" else {}
                manager.add_process(name, "exec " + shlex.join(argv), env=env | own)
            manager.loop()  # returns once every child has stopped
            # A requested stop (SIGINT 130, SIGTERM 143) is a clean exit; a crash is not.
            return 0 if manager.returncode in STOP_CODES else int(manager.returncode or 0)
    except Stopped as stopped:
        print(f"bulkreg: {stopped} received, stopped", file=sys.stderr)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _write_demo_credentials(settings: Settings) -> None:
    path = settings.data_path / "demo.json"
    path.write_text(json.dumps(demo.demo_payload(settings, peer_mentors=30), indent=2))
    path.chmod(0o600)


def _announce(settings: Settings) -> None:
    user, _, _ = settings.flower_login().partition(":")
    demo = settings.data_path / "demo.json"
    print(
        json.dumps(
            {
                "api": f"http://{settings.api_host}:{settings.api_port}",
                "openapi": f"http://{settings.api_host}:{settings.api_port}/docs",
                "status_screen": f"http://{settings.api_host}:{settings.api_port}/ui/",
                "metrics": f"http://{settings.api_host}:{settings.api_port}/metrics",
                "flower": f"http://127.0.0.1:{settings.flower_port}",
                "flower_login": settings.flower_login(),
                "flower_user": user,
                "demo_credentials": str(demo),
                "data_dir": str(settings.data_path),
            },
            indent=2,
        ),
        flush=True,
    )
