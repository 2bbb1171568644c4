"""The `bulkreg` command against the running stack, as a coordinator would use it."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections.abc import Iterator
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


def submit_args(token: str, day: str, *more: str) -> list[str]:
    return ["--activity-type", "home_visit", "--date", day, "--duration", "45", "--token", token,
            *more]  # fmt: skip


def job_id_of(output: str) -> str:
    """The job's id from the first line ``submit`` prints: ``job ID queued: …``."""
    first = output.splitlines()[0]
    assert first.startswith("job ") and " queued: " in first, output
    return first.split()[1]


def test_submit_sums_up_a_success_in_a_few_lines_and_saves_the_results(
    stack: Stack, tmp_path: Path, first_org: dict[str, Any]
) -> None:
    token = first_org["coordinators"][0]["token"]
    pms = mentors(first_org, 4, start=10)
    path = csv_file(tmp_path, "ok.csv", "peer_mentor_id\n" + "\n".join(pms) + "\n")
    done = bulkreg(stack, "submit", path, *submit_args(token, days_ago(60)))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    job_id = job_id_of(done.stdout)
    # not a terminal: plain lines, one per change, no animation and no table
    assert lines[0] == f"job {job_id} queued: 0 of 4 participants processed"
    assert f"job {job_id} succeeded" in lines
    assert "4 participants: 4 registered" in lines
    assert lines[-1] == f"Full results: {tmp_path / 'ok.results.csv'}"
    assert not any(pm in done.stdout for pm in pms)  # a success names nobody
    assert "\x1b" not in done.stdout and "━" not in done.stdout
    saved = (tmp_path / "ok.results.csv").read_text().splitlines()
    assert saved[0].startswith("line,peer_mentor_id") and len(saved) == 5

    every = bulkreg(stack, "status", job_id, "--show-all", "--token", token)
    assert every.returncode == 0, every.stdout + every.stderr
    for line, pm in enumerate(pms, start=2):
        assert f"  line {line}, peer mentor id {pm} (" in every.stdout
    assert every.stdout.count("): registered") == 4
    assert f"/v1/bulk-registrations/{job_id}/results.csv" in every.stdout


def test_a_conflict_needs_review_exit_3_naming_the_line_and_why(
    stack: Stack, tmp_path: Path, first_org: dict[str, Any]
) -> None:
    token = first_org["coordinators"][0]["token"]
    day = days_ago(62)
    pms = mentors(first_org, 3, start=14)
    first = csv_file(tmp_path, "first.csv", f"peer_mentor_id\n{pms[1]}\n")
    assert bulkreg(stack, "submit", first, *submit_args(token, day)).returncode == 0
    path = csv_file(
        tmp_path, "again.csv", "email\n" + "".join(
            f"{p['email']}\n" for p in first_org["peer_mentors"] if p["id"] in pms
        ) + "nobody@example.org\n",
    )  # fmt: skip
    emails = [p["email"] for p in first_org["peer_mentors"] if p["id"] in pms]
    conflicting = next(p for p in first_org["peer_mentors"] if p["id"] == pms[1])
    line = 2 + emails.index(conflicting["email"])
    again = bulkreg(stack, "submit", path, *submit_args(token, day))
    assert again.returncode == 3, again.stdout + again.stderr
    job_id = job_id_of(again.stdout)
    out = again.stdout
    assert f"job {job_id} needs review" in out.splitlines()
    assert "Not registered (2 participants):" in out
    assert (
        f"  line {line}, email {conflicting['email']} ({conflicting['name']}): already has a "
        f"home_visit on {day}, registered by you on "
    ) in out
    assert "  line 5, email nobody@example.org: no such peer mentor in your organization" in out
    assert f"Review it at {stack.api}/ui/jobs/{job_id}" in out

    status = bulkreg(stack, "status", job_id, "--token", token)
    assert status.returncode == 3, status.stdout + status.stderr
    assert f"Review it at {stack.api}/ui/jobs/{job_id}" in status.stdout
    assert "Not registered (2 participants):" in status.stdout


def test_on_conflict_fail_exits_1_and_usage_errors_exit_2(
    stack: Stack, tmp_path: Path, first_org: dict[str, Any]
) -> None:
    token = first_org["coordinators"][0]["token"]
    day = days_ago(63)
    pm = mentors(first_org, 1, start=20)[0]
    path = csv_file(tmp_path, "one.csv", f"peer_mentor_id\n{pm}\n")
    assert bulkreg(stack, "submit", path, *submit_args(token, day)).returncode == 0
    failed = bulkreg(stack, "submit", path, *submit_args(token, day, "--on-conflict", "fail"))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    job_id = job_id_of(failed.stdout)
    assert f"job {job_id} failed" in failed.stdout.splitlines()
    assert "1 participant: 1 already registered (conflict)" in failed.stdout
    assert "Not registered (1 participant):" in failed.stdout
    status = bulkreg(stack, "status", job_id, "--token", token)
    assert status.returncode == 1 and f"job {job_id}: failed" in status.stdout

    for usage in (
        ["submit", path, "--activity-type", "home_visit", "--date", day, "--token", token],
        ["submit", path, *submit_args(token, "20.11.2026")],
        ["submit", path, *submit_args(token, day, "--on-conflict", "maybe")],
        ["status", "not-a-job", "--token", token],
        ["status"],
    ):
        wrong = bulkreg(stack, *usage)
        assert wrong.returncode == 2, usage
        assert "usage: bulkreg" in wrong.stderr and "Traceback" not in wrong.stderr
    assert (
        "'20.11.2026' is not a date: write YYYY-MM-DD"
        in bulkreg(stack, "submit", path, *submit_args(token, "20.11.2026")).stderr
    )


def test_a_wrong_activity_type_is_said_once_with_the_valid_codes(
    stack: Stack, tmp_path: Path, first_org: dict[str, Any]
) -> None:
    token = first_org["coordinators"][0]["token"]
    pm = mentors(first_org, 1)[0]
    path = csv_file(tmp_path, "one.csv", f"peer_mentor_id\n{pm}\n")
    wrong = bulkreg(stack, "submit", path, "--activity-type", "no_such_type", "--date",
                    days_ago(64), "--duration", "30", "--token", token)  # fmt: skip
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    said = wrong.stdout.splitlines()
    assert said[0].startswith("bulkreg: activity type: ") and len(said) == 2, wrong.stdout
    assert "body." not in wrong.stdout and "activity_type:" not in wrong.stdout
    active = [t for t in first_org["activity_types"] if t["active"]]
    inactive = [t for t in first_org["activity_types"] if not t["active"]]
    assert said[1].startswith("Active activity types: ")
    listed = said[1].removeprefix("Active activity types: ").split(", ")
    assert sorted(listed) == sorted(f"{t['code']} ({t['name']})" for t in active)
    assert all(t["code"] not in said[1] for t in inactive)


def test_every_command_and_option_has_a_plain_help_line() -> None:
    from bulkreg.cli.main import parser

    def commands(
        p: argparse.ArgumentParser, path: list[str]
    ) -> Iterator[tuple[list[str], argparse.ArgumentParser]]:
        yield path, p
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from commands(child, [*path, name])

    found = list(commands(parser(), []))
    assert len(found) > 15
    for path, p in found:
        shown = subprocess.run([str(BULKREG.resolve()), *path, "--help"], capture_output=True,
                               text=True, env={**os.environ, "COLUMNS": "100"}, timeout=60)  # fmt: skip
        assert shown.returncode == 0, path
        assert "``" not in shown.stdout, path
        assert (p.description or "").strip(), path
        for action in p._actions:
            if not isinstance(action, argparse._SubParsersAction):  # its commands: above
                assert (action.help or "").strip(), (path, action.dest)


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
        csv_file(tmp_path, "nocol.csv", f"id\n{pm}\n"): "line 1: No column names the people",
        csv_file(
            tmp_path, "baduuid.csv", f"peer_mentor_id\n{pm}\nnot-a-uuid\n"
        ): "line 3, peer_mentor_id: This is not a peer mentor's id",
        csv_file(
            tmp_path, "two.csv", "email;override_duplicate\nnot-an-email;no\na@b.org;maybe\n"
        ): "line 3, override_duplicate: Write yes or no here",
        csv_file(tmp_path, "header.csv", "peer_mentor_id\n"): "line 2: The file has a header line",
        csv_file(tmp_path, "empty.csv", ""): "line 1: The file is empty",
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
    assert (
        "The token was not accepted: invalid token" in refused.stdout
        and "Traceback" not in refused.stderr
    )
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
