"""Following a job until it settles, with the poll's long-poll (``?wait=``): on a terminal a
``rich`` progress display of its real state and processed items; elsewhere (a pipe, a log,
a script) one plain line per change."""

from __future__ import annotations

from typing import Any

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from bulkreg.cli import words

# The API answers a long poll at the latest after 30 s; ask for a little less.
LONG_POLL_SECONDS = 25


class PollFailed(Exception):
    """The API answered the poll with a problem (``response`` says which)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def processed(job: dict[str, Any]) -> int:
    """Items with an outcome: every count but ``total`` (pending ones have none)."""
    return sum(n for k, n in job["counts"].items() if k != "total")


def changes(http: httpx.Client, job_id: str) -> Any:
    """Every new version of the job, the first at once, until it is no longer queued or
    running."""
    etag: str | None = None
    while True:
        response = http.get(
            f"/v1/bulk-registrations/{job_id}",
            params={"wait": LONG_POLL_SECONDS} if etag else None,
            headers={"If-None-Match": etag} if etag else None,
            timeout=LONG_POLL_SECONDS + 15,
        )
        if response.status_code == 304:
            continue
        if response.status_code != 200:
            raise PollFailed(response)
        job = response.json()
        etag = response.headers.get("ETag")
        yield job
        if job["status"] not in words.UNFINISHED:
            return


def describe(job: dict[str, Any]) -> str:
    """ "job … running: 120 of 3,000 processed"."""
    line = f"job {job['job_id']} {words.state(job['status'])}"
    if job["status"] in words.UNFINISHED:
        line += f": {processed(job):,} of {words.count(job['counts']['total'], 'participant')}"
        line += " processed"
    return line


def follow(http: httpx.Client, job_id: str, console: Console, said: str = "") -> dict[str, Any]:
    """The job once it has settled, its progress shown on the way (``said``: the line
    already printed, not repeated)."""
    if not console.is_terminal:
        return _plain(http, job_id, console, said)
    columns = (
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("processed"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("queued", total=None)
        for job in changes(http, job_id):
            progress.update(
                task,
                description=words.state(job["status"]),
                total=job["counts"]["total"],
                completed=processed(job),
            )
    return dict(job)


def _plain(http: httpx.Client, job_id: str, console: Console, said: str) -> dict[str, Any]:
    for job in changes(http, job_id):
        line = describe(job)
        if line != said:
            console.print(line, highlight=False, soft_wrap=True)
            said = line
    return dict(job)
