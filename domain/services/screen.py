"""What the coordinator's screen shows, each page read in one unit of work: jobs by the names
people know them by, a job with the records it collided with, anomalies in words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from domain.errors import NotFound
from domain.jobs import BulkJob
from domain.model import (
    Anomaly,
    AnomalyKind,
    Given,
    JobStatus,
    Principal,
    StoredActivity,
    UserRecord,
)
from domain.policy import require_staff
from domain.ports.common import Page
from domain.ports.directory import ActivityType
from domain.ports.units import UnitOfWork, UnitsOfWork
from domain.services.undo import items_to_register_again


@dataclass
class Names:
    """People by id and activity types by code, as the screen shows them."""

    people: dict[UUID, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)

    def person(self, user_id: UUID | None) -> str:
        if user_id is None:
            return "an operator (command line)"
        return self.people.get(user_id) or "someone outside this organization"

    def activity_type(self, code: str) -> str:
        return self.types.get(code, code)


@dataclass(frozen=True)
class JobLine:
    job: BulkJob
    open_anomalies: bool


@dataclass(frozen=True)
class AnomalyView:
    anomaly: Anomaly
    records: list[StoredActivity]
    participants: list[str]  # names of the people the records are for
    job: BulkJob | None


@dataclass(frozen=True)
class JobView:
    job: BulkJob
    anomalies: list[AnomalyView]
    names: Names


@dataclass(frozen=True)
class UndoView:
    job: BulkJob
    names: Names
    live: int  # the job's records not deleted yet: what an undo removes


@dataclass(frozen=True)
class Again:
    """What *Register again* fills the new job's form with: the job (its activity) and its
    people as the roster knows them; ``missing`` of them it no longer has."""

    job: BulkJob
    people: list[UUID]
    missing: int


@dataclass(frozen=True)
class NewJobForm:
    types: list[ActivityType]
    matches: Page[UserRecord]
    chosen: list[UserRecord]


def _names(uow: UnitOfWork, org_id: UUID, people: set[UUID | None]) -> Names:
    known = uow.directory.users([p for p in people if p is not None])
    return Names(
        {u.id: u.display_name for u in known.values()},
        {t.code: t.name for t in uow.directory.activity_types(org_id)},
    )


def names(uows: UnitsOfWork, principal: Principal, people: set[UUID | None]) -> Names:
    """The names of ``people`` and of the organization's activity types, for a page that
    shows a record (a proxy registration's, or the one it would duplicate)."""
    require_staff(principal, "read the roster")
    with uows(principal) as uow:
        return _names(uow, principal.org_id, people)


def jobs(
    uows: UnitsOfWork,
    principal: Principal,
    *,
    status: JobStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[Page[JobLine], Names]:
    require_staff(principal, "list bulk registrations")
    with uows(principal) as uow:
        found = uow.jobs.page(principal.org_id, status, cursor, limit)
        marked = uow.anomalies.open_for_jobs([j.id for j in found.items])
        lines = [JobLine(j, j.id in marked) for j in found.items]
        names = _names(uow, principal.org_id, {j.submitted_by for j in found.items})
        return Page(lines, found.next_cursor), names


def job(uows: UnitsOfWork, principal: Principal, job_id: UUID) -> JobView:
    require_staff(principal, "read bulk registrations")
    with uows(principal) as uow:
        found = uow.jobs.get(job_id)
        if found is None:
            raise NotFound("no such bulk registration")
        views, people = _describe(uow, uow.anomalies.for_job(job_id), {job_id: found})
        people |= {found.submitted_by, found.undone_by}
        people |= {i.peer_mentor_id for i in found.items}
        people |= {i.conflict.registered_by for i in found.items if i.conflict}
        return JobView(found, views, _names(uow, principal.org_id, people))


def undo_view(uows: UnitsOfWork, principal: Principal, job_id: UUID) -> UndoView:
    """A job and how many of its records are live, for the page that confirms its undo."""
    require_staff(principal, "undo bulk registrations")
    with uows(principal) as uow:
        found = uow.jobs.get(job_id)
        if found is None:
            raise NotFound("no such bulk registration")
        ids = [i.activity_id for i in found.items if i.activity_id is not None]
        live = sum(1 for a in uow.activities.by_ids(ids) if a.deleted_at is None) if ids else 0
        return UndoView(found, _names(uow, principal.org_id, {found.submitted_by}), live)


def register_again(uows: UnitsOfWork, principal: Principal, job_id: UUID) -> Again:
    """The job and the ids of its people to register again (``undo.items_to_register_again``):
    the person an item was resolved to, else the one its key names now."""
    require_staff(principal, "submit bulk registrations")
    with uows(principal) as uow:
        found = uow.jobs.get(job_id)
        if found is None:
            raise NotFound("no such bulk registration")
        items = items_to_register_again(found)
        named = [i.peer_mentor_id or _person_named(uow, principal.org_id, i.given) for i in items]
        wanted = list(dict.fromkeys(p for p in named if p is not None))
        known = uow.directory.users(wanted) if wanted else {}
    people = [p for p in wanted if p in known]
    return Again(found, people, len(items) - sum(1 for p in named if p in known))


def _person_named(uow: UnitOfWork, org_id: UUID, given: Given) -> UUID | None:
    found = uow.directory.person(org_id, given)
    return found.id if found is not None else None


def anomalies(uows: UnitsOfWork, principal: Principal) -> tuple[list[AnomalyView], Names]:
    require_staff(principal, "read anomalies")
    with uows(principal) as uow:
        views, people = _describe(uow, uow.anomalies.listing(None), {})
        return views, _names(uow, principal.org_id, people)


def _describe(
    uow: UnitOfWork, found: Sequence[Anomaly], known: dict[UUID, BulkJob]
) -> tuple[list[AnomalyView], set[UUID | None]]:
    """Each anomaly with its records, the names of the people they are for, and its job;
    plus everyone the views name (registrars, resolvers), for one lookup of names."""
    records = {a.id: a for a in uow.activities.by_ids([i for x in found for i in x.activity_ids])}
    jobs = known | uow.jobs.summaries(
        list({a.bulk_job_id for a in found if a.bulk_job_id} - known.keys())
    )
    for a in found:  # missing records have no row to read: their job's items say who
        job = jobs.get(a.bulk_job_id) if a.bulk_job_id else None
        if a.kind is AnomalyKind.MISSING_RECORDS and job is not None and not job.items:
            jobs[job.id] = uow.jobs.get(job.id) or job
    views, people = [], set[UUID | None]()
    for anomaly in found:
        mine = [records[i] for i in anomaly.activity_ids if i in records]
        job = jobs.get(anomaly.bulk_job_id) if anomaly.bulk_job_id else None
        if anomaly.kind is AnomalyKind.MISSING_RECORDS and job is not None:
            missing = set(anomaly.activity_ids)
            named = [i.display_name or i.given.value for i in job.items if i.activity_id in missing]
        else:
            people |= {r.peer_mentor_id for r in mine}
            named = []
        people |= {r.registered_by for r in mine} | {anomaly.resolved_by}
        views.append(AnomalyView(anomaly, mine, named, job))
    return views, people


def new_job_form(
    uows: UnitsOfWork, principal: Principal, *, query: str | None, chosen: Sequence[UUID]
) -> NewJobForm:
    """The activity types, the roster's active peer mentors that match ``query`` (a page), and
    the people already picked."""
    require_staff(principal, "submit bulk registrations")
    with uows(principal) as uow:
        types = [t for t in uow.directory.activity_types(principal.org_id) if t.active]
        matches = uow.directory.peer_mentors(principal.org_id, query or None, True, None, 100)
        picked = uow.directory.users(list(chosen))
        return NewJobForm(
            types, matches, sorted(picked.values(), key=lambda u: u.display_name.casefold())
        )
