"""compose.yaml stays consistent with the project (no Docker engine is needed to check)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"postgres", "redis", "migrate", "api", "worker", "beat", "flower"}


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


def test_app_services_use_the_application_role_and_migrate_the_owner() -> None:
    services = compose()["services"]
    for name in ("api", "worker", "beat", "flower"):
        env = services[name]["environment"]
        assert env["BULKREG_DATABASE_URL"].startswith("postgresql://bulkreg_app:"), name
        assert (
            services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )
    assert services["migrate"]["environment"]["BULKREG_ADMIN_DATABASE_URL"].startswith(
        "postgresql://bulkreg_owner:"
    )


def test_every_service_command_exists_in_the_project() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    services = compose()["services"]
    for name in ("migrate", "api", "worker", "beat", "flower"):
        command = services[name]["command"]
        words = " ".join(command).split()
        program = words[0] if words[0] != "sh" else words[words.index("exec") + 1]
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
        "BULKREG_OWNER_PASSWORD": "owner",
        "BULKREG_APP_PASSWORD": "app",
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
    missing = subprocess.run(
        [compose_bin, "-f", str(ROOT / "compose.yaml"), "config", "-q"],
        capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, cwd=ROOT,
    )  # fmt: skip
    assert missing.returncode != 0 and "BULKREG" in missing.stderr  # secrets are required
