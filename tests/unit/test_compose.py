"""compose.yaml stays consistent with the project (no Docker engine is needed to check)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import yaml

from bulkreg.foundation.settings import WORKER_SOFT_SHUTDOWN_SECONDS

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "postgres", "redis", "migrate", "api", "worker", "worker-large", "relay", "beat", "flower",
}  # fmt: skip


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "compose.yaml").read_text()))


def test_every_service_of_the_stack_is_there_with_healthchecks_where_it_matters() -> None:
    services = compose()["services"]
    assert set(services) == SERVICES
    for name in ("postgres", "redis", "api", "worker"):
        assert "healthcheck" in services[name], name
    assert services["migrate"]["restart"] == "no"
    assert "ports" not in services["worker"]  # scalable: docker compose up --scale worker=4
    assert set(compose()["volumes"]) == {"pgdata", "redisdata"}


def test_every_long_running_service_is_restarted_and_the_worker_stops_warm() -> None:
    services = compose()["services"]
    for name in SERVICES - {"migrate"}:
        assert services[name]["restart"] == "unless-stopped", name
    for name, queue in (("worker", "bulk.small"), ("worker-large", "bulk.large")):
        worker = services[name]
        # SIGTERM stays Celery's warm shutdown: done as soon as the job at hand is.
        assert "REMAP_SIGTERM" not in worker["environment"]
        grace = worker["stop_grace_period"]
        assert grace.endswith("s") and int(grace[:-1]) > WORKER_SOFT_SHUTDOWN_SECONDS
        assert worker["command"][-2:] == ["--queues", queue]


def test_each_service_logs_in_as_its_own_role_and_migrate_as_the_owner() -> None:
    services = compose()["services"]
    api = services["api"]["environment"]
    assert api["BULKREG_DATABASE_URL"].startswith("postgresql://bulkreg_api:")
    assert "BULKREG_WORKER_DATABASE_URL" not in api  # the API cannot become maintenance
    for name in ("worker", "worker-large", "relay", "beat"):
        env = services[name]["environment"]
        assert env["BULKREG_WORKER_DATABASE_URL"].startswith("postgresql://bulkreg_worker:")
        assert "BULKREG_DATABASE_URL" not in env, name
    assert "DATABASE_URL" not in " ".join(services["flower"]["environment"])
    for name in ("api", "worker", "relay", "beat", "flower"):
        assert (
            services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )
        assert services[name]["environment"]["BULKREG_REDIS_URL"].startswith("redis://:"), name
    assert services["postgres"]["environment"]["POSTGRES_USER"] != "bulkreg_owner"
    assert services["migrate"]["environment"]["BULKREG_ADMIN_DATABASE_URL"].startswith(
        "postgresql://bulkreg_owner:"
    )


def test_every_service_command_exists_in_the_project() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    services = compose()["services"]
    for name in ("migrate", "api", "worker", "worker-large", "relay", "beat", "flower"):
        command = services[name]["command"]
        words = " ".join(command).split()
        program = words[0] if words[0] != "sh" else words[words.index("exec") + 1]
        if words[:3] == ["python", "-m", "workers.relay"]:
            assert (ROOT / "workers" / "relay.py").is_file() and len(words) == 3
            continue
        if program == "python":  # python -m workers.flower: celery under a wrapper of ours
            assert words[1:3] == ["-m", "workers.flower"]
            assert (ROOT / "workers" / "flower.py").is_file()
            program, words = "celery", ["celery", *words[3:]]
        assert program in scripts or shutil.which(program, path=str(ROOT / ".venv" / "bin")), (
            name,
            program,
        )
        if program == "celery":
            assert words[words.index("-A") + 1] == "workers.app"
        if program == "uvicorn":
            assert words[1] == "api.app:app"
        if program == "bulkreg":
            assert words[1] in {"migrate", "up", "seed-demo"}
    init = services["postgres"]["volumes"][1].split(":")[0]
    assert (ROOT / init).is_file()
    assert (ROOT / "Dockerfile").read_text().count("COPY") >= 5


def test_docker_compose_accepts_the_file() -> None:
    """Debian's docker-compose parses and validates it (no engine needed for `config`)."""
    import os
    import subprocess

    env = os.environ | {
        "BULKREG_JWT_SECRET": "x" * 48,
        "BULKREG_FLOWER_BASIC_AUTH": "ops:secret",
        "BULKREG_POSTGRES_PASSWORD": "postgres",
        "BULKREG_OWNER_PASSWORD": "owner",
        "BULKREG_API_PASSWORD": "api",
        "BULKREG_WORKER_PASSWORD": "worker",
        "BULKREG_REDIS_PASSWORD": "redis",
    }
    compose_bin = shutil.which("docker-compose")
    assert compose_bin, "make test installs Debian's docker-compose"
    result = subprocess.run(
        [compose_bin, "-f", str(ROOT / "compose.yaml"), "config"],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert resolved["services"]["api"]["environment"]["BULKREG_JWT_SECRET"] == "x" * 48
    assert resolved["services"]["redis"]["environment"]["REDIS_PASSWORD"] == "redis"
    for name, service in resolved["services"].items():  # no secret in any command
        command = " ".join(service.get("command") or [])
        for secret in ("x" * 48, "ops:secret", "postgres", "owner", "api", "worker", "redis"):
            assert f":{secret}@" not in command and f"={secret}" not in command, name
    assert "requirepass" in " ".join(resolved["services"]["redis"]["command"])
    missing = subprocess.run(
        [compose_bin, "-f", str(ROOT / "compose.yaml"), "config", "-q"],
        capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, cwd=ROOT,
    )  # fmt: skip
    assert missing.returncode != 0 and "BULKREG" in missing.stderr  # secrets are required
