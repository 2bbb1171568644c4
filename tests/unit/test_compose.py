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
