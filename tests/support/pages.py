"""Every page of the screen rendered without a server: the templates with the contexts their
handlers give them, in a chosen language, for the unit tests of the catalogs' use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from starlette.requests import Request

from api.screen.base import page
from api.screen.review import review
from domain.errors import ExistingActivity
from domain.jobs import BulkJob
from domain.languages import Language
from domain.model import (
    Activity,
    ActivityDraft,
    Anomaly,
    AnomalyAction,
    AnomalyKind,
    JobItem,
    JobStatus,
    OnConflict,
    Outcome,
    Principal,
    Role,
    Source,
    StoredActivity,
    UserRecord,
)
from domain.ports.directory import ActivityType
from domain.services.screen import Again, AnomalyView, JobLine, Names
from tests.support.domain_problems import csv_errors, in_words, rules_errors

NOW = datetime.now(UTC)
DAY = date(2026, 11, 30)
ORG = uuid4()
COORD = Principal(uuid4(), ORG, Role.COORDINATOR)
KARI, OLA = uuid4(), uuid4()
NAMES = Names({COORD.user_id: "Coordinator C", KARI: "Kari Nordmann", OLA: "Ola Nordmann"}, {})


def _request(path: str, method: str, language: Language, org: Language | None) -> Request:
    state: dict[str, Any] = {"language": language, "org_language": org}
    return Request(
        {
            "type": "http",
            "method": method,
            "path": path,
            "query_string": b"",
            "headers": [],
            "scheme": "https",
            "server": ("testserver", 443),
            "state": state,
        }
    )


def _job(status: JobStatus, outcomes: list[Outcome]) -> BulkJob:
    items = []
    for index, outcome in enumerate(outcomes):
        pm = KARI if index % 2 else OLA
        conflict = (
            ExistingActivity(
                uuid4(), pm, COORD.user_id, "home_visit", DAY, NOW, 30, None, "proxy", uuid4()
            )
            if outcome is Outcome.CONFLICT
            else None
        )
        item = JobItem.of_person(index, pm, outcome=outcome, conflict=conflict)
        if outcome is Outcome.INVALID:
            item.error_code, item.error_message = (
                "inactive_participant",
                "the peer mentor is inactive",
            )
        items.append(item)
    job = BulkJob(
        uuid4(),
        ORG,
        COORD.user_id,
        status,
        OnConflict.REVIEW,
        ActivityDraft(activity_type="home_visit", occurred_on=DAY, duration_minutes=30),
        len(items),
        NOW - timedelta(minutes=5),
        items=items,
    )
    if status is JobStatus.FAILED:
        job.error_code, job.error_message = "processing_error", "KeyError: x"
    return job


def _anomaly(kind: AnomalyKind, job: BulkJob | None, resolved: bool) -> AnomalyView:
    record = StoredActivity(
        uuid4(), ORG, KARI, "home_visit", DAY, 30, None, COORD.user_id, Source.BULK,
        job.id if job else None, None, NOW - timedelta(hours=2),
    )  # fmt: skip
    anomaly = Anomaly(uuid4(), ORG, kind, job.id if job else None, [record.id], NOW)
    if resolved:
        anomaly.resolve(AnomalyAction.DISMISS, NOW, COORD.user_id, "checked")
    return AnomalyView(anomaly, [record], [], job)


def contexts() -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """Each page's name, template, path and context, in every state the unit tests cover."""
    review_job = _job(JobStatus.NEEDS_REVIEW, [Outcome.CONFLICT, Outcome.INVALID, Outcome.READY])
    review_job.items[0].decision = None
    done = _job(JobStatus.SUCCEEDED, [Outcome.REGISTERED, Outcome.OVERRIDDEN, Outcome.CANCELLED])
    failed = _job(JobStatus.FAILED, [Outcome.CANCELLED])
    undone = _job(JobStatus.UNDONE, [Outcome.REGISTERED, Outcome.REGISTERED])
    undone.undone_at, undone.undone_by, undone.undo_reason = NOW, COORD.user_id, "feil dato"
    signed: dict[str, Any] = {"principal": COORD, "csrf": "c", "names": NAMES}
    yield "login", "login.html", "/ui/login", {"csrf": "c", "error": "x", "picked": None}
    yield "sign-in-link", "sign_in_link.html", "/ui/sign-in", {"csrf": "c", "error": None}
    yield "login-every-way", "login.html", "/ui/login", {"csrf": "c", "error": None,
        "picked": None, "next_page": "/ui/anomalies", "single_sign_on": "Logg inn med Test ID",
        "email_sign_in": True}  # fmt: skip
    yield "single-sign-on-refused", "single_sign_on.html", "/ui/oidc/callback", {"title": "t",
        "text": "d", "switch_path": "/ui/login", "onward": None}  # fmt: skip
    lines = [JobLine(review_job, True), JobLine(done, False), JobLine(failed, False),
        JobLine(undone, False)]  # fmt: skip
    statuses = list(JobStatus)
    yield "jobs", "jobs.html", "/ui/", signed | {"lines": lines, "shown": None,
        "next_cursor": "n", "statuses": statuses}  # fmt: skip
    yield "jobs-empty", "jobs.html", "/ui/", signed | {"lines": [], "shown": JobStatus.FAILED,
        "next_cursor": None, "statuses": statuses}  # fmt: skip
    brief = [(f"job-{s.value}", _job(s, [Outcome.READY] * 2))
        for s in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.CANCELLED)]  # fmt: skip
    shown = [("job-review", review_job), ("job-done", done), ("job-failed", failed),
        ("job-undone", undone), *brief]  # fmt: skip
    for name, job in shown:
        views = [_anomaly(AnomalyKind.ORPHANED_RECORDS, job, False)]
        yield name, "job.html", f"/ui/jobs/{job.id}", signed | {"job": job, "anomalies": views,
            "review": review(job) if job is review_job else None,
            "watch": job is review_job or job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
            "undoable": job is done}  # fmt: skip
    yield "cancel", "cancel.html", "/ui/jobs/x/cancel", signed | {"job": review_job}
    asking = signed | {"job": done, "live": 2, "undoable": True, "days": 30, "reason": "",
        "problem": None}  # fmt: skip
    yield "undo", "undo.html", "/ui/jobs/x/undo", asking
    yield "undo-problem", "undo.html", "/ui/jobs/x/undo", asking | {"problem": ("x", True)}
    yield "undo-refused", "undo.html", "/ui/jobs/x/undo", asking | {"job": undone,
        "undoable": False}  # fmt: skip
    views = [
        _anomaly(AnomalyKind.ORPHANED_RECORDS, failed, False),
        _anomaly(AnomalyKind.MISSING_RECORDS, done, False),
        _anomaly(AnomalyKind.MISATTRIBUTED_RECORDS, None, True),
    ]
    yield "anomalies", "anomalies.html", "/ui/anomalies", signed | {"job": None,
        "open_ones": views[:2], "resolved": views[2:]}  # fmt: skip
    people = [UserRecord(KARI, ORG, Role.PEER_MENTOR, "Kari Nordmann", True, "k@example.org")]
    form = signed | {"fields": {"idem": "i", "q": "kari", "had_file": True},
        "types": [ActivityType("home_visit", "Hjemmebesøk", True)], "chosen": people,
        "matches": people, "more": True, "on_conflicts": list(OnConflict)}  # fmt: skip
    yield "new", "new.html", "/ui/new", form | {"problems": []}
    problems = [("CSV-linje 3", "er ikke en dato", True, "csv"), ("Dato", "odd words", False,
        "occurred_on"), ("Skjemaet", "velg noen", True, None)]  # fmt: skip
    yield "new-problems", "new.html", "/ui/new", form | {"problems": problems,
        "described": {"csv": "problem-1", "occurred_on": "problem-2"}}  # fmt: skip
    for name, errors in (("csv", csv_errors()), ("rules", rules_errors())):
        yield f"new-{name}-problems", "new.html", "/ui/new", form | {"described": {},
            "problems": in_words(errors, Language.NB)}  # fmt: skip
    yield "new-again", "new.html", "/ui/new", form | {"problems": [],
        "again": Again(done, [KARI], 1)}  # fmt: skip
    yield "job-review-by-line", "job.html", "/ui/jobs/x", signed | {"job": review_job,
        "anomalies": [], "review": review(review_job), "by_line": True, "watch": True,
        "undoable": False}  # fmt: skip
    one = signed | {"fields": {"q": "kari", "person": str(KARI), "occurred_on": "2026-11-30"},
        "types": [ActivityType("home_visit", "Hjemmebesøk", True)], "chosen": people,
        "matches": [], "more": False, "problems": [], "described": {},
        "duplicate": None}  # fmt: skip
    yield "register", "register.html", "/ui/register", one
    yield "register-problems", "register.html", "/ui/register", one | {"problems": [("Person",
        "velg personen", True, "person"), ("Dato", "odd words", False, "occurred_on")],
        "described": {"person": "problem-1", "occurred_on": "problem-2"}}  # fmt: skip
    existing = ExistingActivity(uuid4(), KARI, OLA, "home_visit", DAY, NOW, 30, "tur",
        Source.PROXY.value, None)  # fmt: skip
    yield "register-duplicate", "register.html", "/ui/register", one | {"duplicate": existing}
    written = Activity(uuid4(), ORG, KARI, "home_visit", DAY, 30, "tur", COORD.user_id,
        Source.PROXY, None, existing.activity_id, NOW)  # fmt: skip
    yield "registered", "registered.html", "/ui/register", signed | {"activity": written,
        "overridden": True}  # fmt: skip
    yield "error", "error.html", "/ui/jobs/x", {"title": "t", "detail": "d"}
    yield "accessibility", "accessibility.html", "/ui/accessibility", {"contact": None}


def render(
    template: str,
    path: str,
    context: dict[str, Any],
    language: Language,
    org: Language | None = None,
) -> str:
    method = "POST" if path.endswith("/cancel") else "GET"
    response = page(_request(path, method, language, org), template, **context)
    return bytes(response.body).decode()
