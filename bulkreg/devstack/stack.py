"""``bulkreg up``: the whole stack in the foreground, kept running, and nothing left behind
on exit.

supervisord runs every process (``supervision``): the embedded PostgreSQL and Redis, then —
once the database is migrated — the API, the worker, beat and Flower; with no
``BULKREG_SMTP_URL``, a development mail catcher too (``mailcatcher``), which the relay sends
to. One that dies is
started again while the others keep serving. Ctrl-C or SIGTERM stops them in order: the
application first (a running job gets the worker's soft shutdown), the databases last.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from bulkreg.devstack import demo, where
from bulkreg.devstack.postgres import STOP_SIGNAL
from bulkreg.devstack.supervision import Program, Supervisor
from bulkreg.foundation.names import LARGE_QUEUE, SMALL_QUEUE
from bulkreg.foundation.settings import WORKER_SOFT_SHUTDOWN_SECONDS, Settings
from persistence import migrate, seed
from persistence.database import make_engine


class Stopped(Exception):
    pass


WORKERS = ["worker", "worker-large"]
API_GRACE_SECONDS = 5
# After a worker's SIGQUIT, how long its cold shutdown may take before supervisord kills it.
COLD_STOP_SECONDS = 15
# PostgreSQL and Redis hold data: supervisord waits for their own shutdown, in effect forever.
NEVER_KILLED_SECONDS = 86_400


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
        "BULKREG_SMTP_URL": settings.mail_url,  # the catcher's, unless a real relay is set
    }


def mail_dir(settings: Settings) -> Path:
    """Where the development mail catcher keeps each message, as an ``.eml`` file."""
    return settings.data_path / "mail"


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
            # A stop waits this long for requests in flight (long polls among them).
            "--timeout-graceful-shutdown", str(API_GRACE_SECONDS),
        ],
        "worker": [
            *celery, "worker", "--loglevel", "INFO", "--concurrency",
            str(settings.worker_concurrency), "--hostname", f"worker-{os.getpid()}@%h", "-E",
            "--queues", SMALL_QUEUE,
        ],
        # Large jobs' own worker: a 10,000-participant job never holds up a small one.
        "worker-large": [
            *celery, "worker", "--loglevel", "INFO", "--concurrency", "1",
            "--hostname", f"worker-large-{os.getpid()}@%h", "-E", "--queues", LARGE_QUEUE,
        ],
        # Webhook deliveries: waits on the database's notifications, sends, retries.
        "relay": [py, "-m", "workers.relay"],
        "beat": [
            *celery, "beat", "--loglevel", "INFO", "--schedule",
            str(settings.data_path / "celerybeat-schedule"), "--pidfile=",
        ],
        "flower": [
            py, "-m", "workers.flower", "-A", "workers.app", "flower",
            "--address=127.0.0.1", f"--port={settings.flower_port}",
        ],
    }  # fmt: skip


def programs(settings: Settings) -> list[Program]:
    """What supervisord runs: the embedded servers first (unless configured ones are used),
    then the application, which ``up`` starts once the database is migrated."""
    servers = []
    if settings.embedded_database:
        pg = where.embedded_postgres(settings)
        servers.append(
            Program(
                "postgres",
                pg.argv(),
                priority=10,
                stop_signal=STOP_SIGNAL.name.removeprefix("SIG"),
                stop_wait_seconds=NEVER_KILLED_SECONDS,
                user=pg.system_user,
                log=str(pg.log_path),
            )
        )
    if settings.embedded_redis:
        redis = where.embedded_redis(settings)
        servers.append(
            Program(
                "redis",
                redis.argv(),
                priority=20,
                stop_wait_seconds=NEVER_KILLED_SECONDS,
                log=str(redis.log_path),
            )
        )
    if settings.mail_catcher:
        servers.append(
            Program(
                "mail",
                [
                    sys.executable,
                    "-m",
                    "bulkreg.devstack.mailcatcher",
                    str(mail_dir(settings)),
                    str(settings.dev_smtp_port),
                ],
                priority=30,
                stop_wait_seconds=10,
            )
        )
    own: dict[str, dict[str, str]] = {
        # Flower reads its login from its environment, never from its command line, which
        # every local user can read in /proc.
        "flower": {"FLOWER_BASIC_AUTH": settings.flower_login()},
    }
    # A worker's SIGTERM is Celery's warm shutdown: it takes no new job and exits as soon as
    # the one at hand is done (at once when idle). ``stop_in_order`` sends SIGQUIT (cold: the
    # job is given back, and taken over) to one still busy after WORKER_SOFT_SHUTDOWN_SECONDS.
    grace = dict.fromkeys(WORKERS, WORKER_SOFT_SHUTDOWN_SECONDS + COLD_STOP_SECONDS)
    application = [
        Program(
            name,
            argv,
            priority=100,
            autostart=False,
            environment=own.get(name, {}),
            stop_wait_seconds=grace.get(name, 20),
        )
        for name, argv in commands(settings).items()
    ]
    return servers + application


def up(settings: Settings) -> int:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    if settings.embedded_database:
        if where.embedded_postgres(settings).is_running():
            print("bulkreg: the embedded PostgreSQL is running already", file=sys.stderr)
            return 1
        where.embedded_postgres(settings).prepare()
    if settings.embedded_redis:
        where.embedded_redis(settings).prepare()
    supervisor = Supervisor(supervisor_dir(settings), programs(settings))
    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        supervisor.start(child_environment(settings))
        _wait_for_servers(settings)
        prepare_database(settings)
        _announce(settings)
        fresh_metrics_dir(settings)
        for name in commands(settings):
            supervisor.start_program(name)
        while (code := supervisor.exited()) is None:
            time.sleep(0.5)
        print(f"bulkreg: supervisord exited ({code})", file=sys.stderr)
        return 1
    except Stopped as stopped:
        print(f"bulkreg: {stopped} received, stopping", file=sys.stderr)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the stop
        stop_in_order(supervisor)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_in_order(supervisor: Supervisor) -> None:
    """The API first (it stops accepting, answers what is in flight), then every worker at
    once (warm: idle ones go at once, busy ones when their job is done, or cold after
    WORKER_SOFT_SHUTDOWN_SECONDS), then beat, the relay and Flower, then the mail
    catcher (after the relay: what it sends last is caught), and last what holds data: Redis,
    then PostgreSQL, never killed."""
    supervisor.stop_together(["api"], API_GRACE_SECONDS + 5)
    supervisor.stop_together(WORKERS, WORKER_SOFT_SHUTDOWN_SECONDS, nudge="QUIT")
    supervisor.stop_together(["beat", "relay", "flower"], 20)
    supervisor.stop_together(["mail"], 15)  # if started
    for server in ("redis", "postgres"):  # if embedded; waited for, however long
        supervisor.stop_together([server], None)
    supervisor.stop()


def supervisor_dir(settings: Settings) -> Path:
    """Where supervisord keeps its configuration and control socket (private; short enough
    for a socket path)."""
    candidate = settings.data_path.resolve() / "supervisor"
    if len(str(candidate)) <= 90:
        return candidate
    digest = hashlib.sha256(str(candidate).encode()).hexdigest()[:12]
    return Path("/tmp") / f"bulkreg-supervisor-{os.getuid()}-{digest}"


def _wait_for_servers(settings: Settings, timeout: float = 120) -> None:
    checks = []
    if settings.embedded_database:
        pg = where.embedded_postgres(settings)
        checks.append(pg.answers)
    if settings.embedded_redis:
        checks.append(where.embedded_redis(settings).answers)
    deadline = time.monotonic() + timeout
    while not all(check() for check in checks):
        if time.monotonic() > deadline:
            raise RuntimeError("the embedded servers did not answer; see the data dir's logs/")
        time.sleep(0.2)
    if settings.embedded_database:
        where.embedded_postgres(settings).bootstrap()


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
                **_mail(settings),
            },
            indent=2,
        ),
        flush=True,
    )


def _mail(settings: Settings) -> dict[str, str]:
    """Where the stack's email goes: the catcher's files, or the relay's server."""
    if settings.mail_catcher:
        return {
            "mail": f"smtp://127.0.0.1:{settings.dev_smtp_port}",
            "mail_kept_in": str(mail_dir(settings)),
        }
    server = settings.mail_server
    return {"mail": f"{server.host}:{server.port} ({server.security})"}
