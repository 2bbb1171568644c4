"""The `bulkreg` command against the running stack, as a coordinator would use it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.support.http import days_ago
from tests.support.http import demo_mentors as mentors
from tests.support.stack import BULKREG, Stack


def bulkreg(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = stack.env | {"COLUMNS": "160", "NO_COLOR": "1"}
    return subprocess.run(
        [str(BULKREG.resolve()), *args], capture_output=True, text=True, env=env, timeout=120
    )


def csv_file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_submit_a_csv_watch_it_and_read_the_outcome_table(
    stack: Stack, tmp_path: Path, first_org: dict[str, Any]
) -> None:
    token = first_org["coordinators"][0]["token"]
    pms = mentors(first_org, 4, start=10)
    path = csv_file(tmp_path, "ok.csv", "peer_mentor_id\n" + "\n".join(pms) + "\n")
    args = [
        "--activity-type",
        "home_visit",
        "--date",
        days_ago(60),
        "--duration",
        "45",
        "--token",
        token,
    ]
    done = bulkreg(stack, "submit", path, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout
    assert all(pm in done.stdout for pm in pms)
    assert done.stdout.count("registered") >= 4

    again = bulkreg(stack, "submit", path, *args)  # the same people, the same day: review
    assert again.returncode == 2, again.stdout + again.stderr
    assert "needs_review" in again.stdout and "already registered" in again.stdout

    job_id = next(
        line.split()[1]
        for line in again.stdout.splitlines()
        if line.startswith("job ") and "queued" in line
    )
    status = bulkreg(stack, "status", job_id, "--token", token)
    assert status.returncode == 0 and "needs_review" in status.stdout


def test_csv_problems_are_clear_messages_naming_the_line(
    stack: Stack, tmp_path: Path, first_org: dict[str, Any]
) -> None:
    token = first_org["coordinators"][0]["token"]
    args = [
        "--activity-type",
        "home_visit",
        "--date",
        days_ago(61),
        "--duration",
        "45",
        "--token",
        token,
    ]
    pm = mentors(first_org, 1)[0]
    cases = {
        csv_file(tmp_path, "nocol.csv", f"id\n{pm}\n"): "line 1: no key column",
        csv_file(
            tmp_path, "baduuid.csv", f"peer_mentor_id\n{pm}\nnot-a-uuid\n"
        ): "line 3, peer_mentor_id: Input should be a valid UUID",
        csv_file(
            tmp_path, "two.csv", "email;override_duplicate\nnot-an-email;no\na@b.org;maybe\n"
        ): "line 3, override_duplicate: must be yes or no (ja/nei, true/false, 1/0), not 'maybe'",
        csv_file(tmp_path, "header.csv", "peer_mentor_id\n"): "a header but no data lines",
        csv_file(tmp_path, "empty.csv", ""): "the file is empty",
        str(tmp_path / "absent.csv"): "No such file",
    }
    for path, message in cases.items():
        result = bulkreg(stack, "submit", path, *args)
        assert result.returncode == 1, path
        assert message in result.stdout + result.stderr, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    good = csv_file(tmp_path, "good.csv", f"peer_mentor_id\n{pm}\n")
    refused = bulkreg(
        stack,
        "submit",
        good,
        "--activity-type",
        "home_visit",
        "--date",
        days_ago(61),
        "--duration",
        "5",
        "--token",
        "garbage",
    )
    assert refused.returncode == 1
    assert "unauthenticated" in refused.stdout and "Traceback" not in refused.stderr
    down = subprocess.run(
        [str(BULKREG.resolve()), "status", "00000000-0000-0000-0000-000000000001", "--token", "t"],
        capture_output=True,
        text=True,
        env=stack.env | {"BULKREG_API_PORT": "9"},
        timeout=60,
    )
    assert down.returncode == 1 and "cannot reach the API" in down.stdout


def test_cli_commands_share_the_running_stack(stack: Stack, first_org: dict[str, Any]) -> None:
    seeded = bulkreg(stack, "seed-demo", "--json", "--peer-mentors", "35")
    assert seeded.returncode == 0, seeded.stderr
    payload = json.loads(seeded.stdout)
    first = payload["organizations"][0]
    assert first["id"] == first_org["id"]
    assert sum(p["active"] for p in first["peer_mentors"]) == 35
    assert len(first["coordinators"]) >= 2 and len(payload["organizations"][1]["peer_mentors"]) >= 3
    newcomer = first["peer_mentors"][34]
    token = bulkreg(stack, "token", "--user-id", newcomer["id"], "--ttl", "60")
    assert token.returncode == 0
    r = httpx.get(
        f"{stack.api}/v1/activities", headers={"Authorization": f"Bearer {token.stdout.strip()}"}
    )
    assert r.status_code == 200
    assert bulkreg(stack, "migrate").returncode == 0
    unknown = bulkreg(stack, "token", "--user-id", "00000000-0000-0000-0000-000000000009")
    assert unknown.returncode == 1 and "no user" in unknown.stderr
