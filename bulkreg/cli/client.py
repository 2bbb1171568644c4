"""``bulkreg submit`` and ``bulkreg status``: the HTTP API from a terminal."""

from __future__ import annotations

import argparse
import uuid
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bulkreg.foundation.settings import Settings
from domain.csvfiles import participants_from_csv
from domain.errors import ValidationFailed

# Where `submit --wait` stops watching: the job is done, or waits for a person.
SETTLED = {"succeeded", "failed", "cancelled", "needs_review"}
EXIT = {"succeeded": 0, "needs_review": 2}


class CsvProblem(ValueError):
    pass


def read_participants(path: str) -> list[dict[str, Any]]:
    """The participants of a CSV file, read as the API reads an upload
    (``domain.csvfiles``): every bad line is reported, with its number."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise CsvProblem(f"{path}: {error.strerror}") from None
    try:
        participants = participants_from_csv(data)
    except ValidationFailed as failed:
        lines = [
            f"{path}: line {e.loc[3]}" + (f", {e.loc[4]}" if len(e.loc) > 4 else "") + f": {e.msg}"
            for e in failed.errors
        ]
        raise CsvProblem("\n".join(lines)) from None
    return [p.model_dump(mode="json", exclude_none=True) for p in participants]


LONG_POLL_SECONDS = 25


def _client(settings: Settings, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"http://{settings.api_host}:{settings.api_port}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _fail(console: Console, response: httpx.Response) -> int:
    try:
        body = response.json()
        console.print(f"[red]{body.get('title')}[/red] ({body.get('code')}): {body.get('detail')}")
        for error in body.get("errors") or []:
            console.print(f"  {'.'.join(map(str, error['loc']))}: {error['msg']}")
    except ValueError:
        console.print(f"[red]HTTP {response.status_code}[/red]")
    return 1


def _unreachable(console: Console, settings: Settings, error: httpx.HTTPError) -> int:
    console.print(
        f"[red]bulkreg:[/red] cannot reach the API at {settings.api_host}:{settings.api_port} "
        f"({error.__class__.__name__}); is `make run` up?"
    )
    return 1


def submit(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return _submit(args, settings)
    except httpx.HTTPError as error:
        return _unreachable(Console(), settings, error)


def _submit(args: argparse.Namespace, settings: Settings) -> int:
    console = Console()
    try:
        participants = read_participants(args.file)
    except CsvProblem as problem:
        console.print(f"[red]bulkreg:[/red] {problem}")
        return 1
    body = {
        "activity": {
            "activity_type": args.activity_type,
            "occurred_on": args.date,
            "duration_minutes": args.duration,
            "notes": args.notes,
        },
        "participants": participants,
        "on_conflict": args.on_conflict,
    }
    with _client(settings, args.token) as http:
        response = http.post(
            "/v1/bulk-registrations", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        if response.status_code not in (200, 202):
            return _fail(console, response)
        job_id = response.json()["job_id"]
        console.print(f"job {job_id} queued ({len(participants)} participants)")
        job = _watch(http, job_id, console)
    if job is None:
        return 1
    show(job, console)
    if job["status"] == "needs_review":
        console.print(
            f"review it at http://{settings.api_host}:{settings.api_port}/ui/jobs/{job_id}"
        )
    return EXIT.get(job["status"], 1)


def _watch(http: httpx.Client, job_id: str, console: Console) -> dict[str, Any] | None:
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("queued", total=None)
        etag: str | None = None
        while True:
            # A long poll: the API answers as soon as the job changes (or 304 after the
            # wait), so the bar moves at once without polling every second.
            response = http.get(
                f"/v1/bulk-registrations/{job_id}",
                params={"wait": LONG_POLL_SECONDS} if etag else None,
                headers={"If-None-Match": etag} if etag else None,
                timeout=LONG_POLL_SECONDS + 15,
            )
            if response.status_code == 304:
                continue
            if response.status_code != 200:
                _fail(console, response)
                return None
            job = response.json()
            etag = response.headers.get("ETag")
            progress.update(task, description=job["status"])
            if job["status"] in SETTLED:
                progress.update(task, total=1, completed=1)
                return dict(job)


def show(job: dict[str, Any], console: Console) -> None:
    console.print(f"job {job['job_id']}: [bold]{job['status']}[/bold]")
    if job.get("error"):
        console.print(f"  {job['error']['code']}: {job['error']['message']}")
    counts = ", ".join(f"{k} {v}" for k, v in job["counts"].items() if v)
    console.print(f"  {counts}")
    table = Table("line", "peer mentor", "outcome", "activity / conflict / error")
    for item in job.get("items", []):
        detail = item["activity_id"] or ""
        if item.get("conflict"):
            c = item["conflict"]
            detail = f"already registered {c['occurred_on']} ({c['activity_id']})"
        if item.get("error"):
            detail = item["error"]["message"]
        given = ", ".join(item["given"].values())
        who = f"{item['display_name']} ({given})" if item.get("display_name") else given
        table.add_row(str(item["index"] + 2), who, item["outcome"], detail)
    console.print(table)


def status(args: argparse.Namespace, settings: Settings) -> int:
    console = Console()
    try:
        with _client(settings, args.token) as http:
            response = http.get(f"/v1/bulk-registrations/{args.job_id}")
    except httpx.HTTPError as error:
        return _unreachable(console, settings, error)
    if response.status_code != 200:
        return _fail(console, response)
    show(response.json(), console)
    return 0
