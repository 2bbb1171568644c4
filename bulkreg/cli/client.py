"""``bulkreg submit`` and ``bulkreg status``: the HTTP API from a terminal or a script.

Both end with the same exit status for the same job state (``words.exit_status``); any
problem on the way (the file, the API's answer, the network) is exit 1 with a plain line."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from bulkreg.cli import follow, problems, summary, words
from bulkreg.foundation.settings import Settings
from domain.csvfiles import participants_from_csv
from domain.errors import ValidationFailed


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


def results_path(file: str) -> Path:
    """Where ``submit`` saves the results file: next to the input, ``<name>.results.csv``."""
    path = Path(file)
    return path.with_name(f"{path.stem}.results.csv")


class Session:
    """One coordinator's conversation with the API: where it is, and what it prints."""

    def __init__(self, settings: Settings, token: str) -> None:
        self.base = f"http://{settings.api_host}:{settings.api_port}"
        self.http = httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.console = Console()

    def say(self, line: str) -> None:
        self.console.print(line, highlight=False, markup=False, soft_wrap=True)

    def problem(self, response: httpx.Response) -> int:
        """The API's problem, once per message, plus the valid activity types where the
        type was wrong."""
        for line in problems.lines(response):
            self.say(f"bulkreg: {line}")
        if problems.names_activity_type(response):
            known = problems.active_activity_types(self.http)
            if known:
                self.say("Active activity types: " + ", ".join(known))
        return words.PROBLEM

    def me(self) -> str | None:
        """The caller's user id, to say "registered by you"."""
        response = self.http.get("/v1/me")
        return str(response.json()["id"]) if response.status_code == 200 else None

    def job_url(self, job_id: str) -> str:
        return f"{self.base}/ui/jobs/{job_id}"

    def results_url(self, job_id: str) -> str:
        return f"{self.base}/v1/bulk-registrations/{job_id}/results.csv"

    def settled(
        self, job: dict[str, Any], show_all: bool, results: str, header: bool = True
    ) -> int:
        """The summary of a job, where to review it and where its results are; the exit
        status its state gives."""
        summary.show(job, self.console, self.me(), show_all, header)
        if job["status"] == "needs_review":
            self.say(f"Review it at {self.job_url(job['job_id'])}")
        self.say(f"Full results: {results}")
        return words.exit_status(job["status"])

    def save_results(self, job_id: str, path: Path) -> str:
        """The results file saved at ``path`` (its name), or its URL if it cannot be."""
        response = self.http.get(f"/v1/bulk-registrations/{job_id}/results.csv")
        if response.status_code == 200:
            try:
                path.write_bytes(response.content)
                return str(path)
            except OSError as error:
                self.say(f"bulkreg: cannot save {path}: {error.strerror}")
        return self.results_url(job_id)


def _unreachable(console: Console, settings: Settings, error: httpx.HTTPError) -> int:
    console.print(
        f"bulkreg: cannot reach the API at {settings.api_host}:{settings.api_port} "
        f"({error.__class__.__name__}); is `make run` up?",
        highlight=False,
        markup=False,
    )
    return words.PROBLEM


def submit(args: argparse.Namespace, settings: Settings) -> int:
    session = Session(settings, args.token)
    try:
        with session.http:
            return _submit(args, session)
    except httpx.HTTPError as error:
        return _unreachable(session.console, settings, error)


def _submit(args: argparse.Namespace, session: Session) -> int:
    try:
        participants = read_participants(args.file)
    except CsvProblem as problem:
        session.say(f"bulkreg: {problem}")
        return words.PROBLEM
    body = {
        "activity": {
            "activity_type": args.activity_type,
            "occurred_on": args.date.isoformat(),
            "duration_minutes": args.duration,
            "notes": args.notes,
        },
        "participants": participants,
        "on_conflict": args.on_conflict,
    }
    response = session.http.post(
        "/v1/bulk-registrations", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    if response.status_code not in (200, 202):
        return session.problem(response)
    job_id = response.json()["job_id"]
    queued = {"job_id": job_id, "status": "queued", "counts": {"total": len(participants)}}
    said = follow.describe(queued)
    session.say(said)
    try:
        job = follow.follow(session.http, job_id, session.console, said)
    except follow.PollFailed as failed:
        return session.problem(failed.response)
    results = session.save_results(job_id, results_path(args.file))
    # The plain lines end with the job's state already; the live display leaves nothing.
    return session.settled(job, args.show_all, results, header=session.console.is_terminal)


def status(args: argparse.Namespace, settings: Settings) -> int:
    session = Session(settings, args.token)
    try:
        with session.http:
            response = session.http.get(f"/v1/bulk-registrations/{args.job_id}")
            if response.status_code != 200:
                return session.problem(response)
            job = response.json()
            if job["status"] in words.UNFINISHED:
                session.say(follow.describe(job))
                return words.exit_status(job["status"])
            return session.settled(job, args.show_all, session.results_url(str(args.job_id)))
    except httpx.HTTPError as error:
        return _unreachable(session.console, settings, error)
