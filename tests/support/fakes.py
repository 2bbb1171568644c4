"""In-memory implementations of the domain's ports, for fast tests without IO."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from types import TracebackType
from typing import Self
from uuid import UUID

from domain.errors import LeaseLost
from domain.jobs import BulkJob
from domain.model import (
    STAFF_ROLES,
    JobStatus,
    Principal,
    Role,
)
from domain.ports.activities import Screening
from domain.ports.common import Page
from domain.ports.jobs import Claim, Claimed, Jobs, Sendable
from domain.ports.maintenance import MaintenanceJobs
from domain.ports.units import (
    ClaimingUnitOfWork,
    MaintenanceUnitOfWork,
    SignInUnitOfWork,
    UnitOfWork,
    UnitsOfWork,
)
from tests.support.fake_choices import FakeChoices
from tests.support.fake_events import FakeEvents, FakeRelay, FakeWebhooks
from tests.support.fake_languages import FakeLanguages
from tests.support.fake_mail import FakeMail, FakeMailRelay
from tests.support.fake_records import FakeActivities, FakeAnomalies, FakeAudit
from tests.support.fake_store import FakeDirectory, FakeSignIns, Store


class FakeJobs(Jobs):
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, job: BulkJob, idempotency_key: str | None, request_hash: str | None) -> None:
        self.store.jobs[job.id] = copy.deepcopy(job)
        if idempotency_key:
            self.store.keys[(job.submitted_by, idempotency_key)] = (job.id, request_hash)

    def get(self, job_id: UUID) -> BulkJob | None:
        job = self.store.jobs.get(job_id)
        return copy.deepcopy(job) if job else None

    def version(self, job_id: UUID) -> tuple[int, JobStatus] | None:
        job = self.store.jobs.get(job_id)
        return (job.version, job.status) if job else None

    def lock(self, job_id: UUID) -> BulkJob | None:
        return self.get(job_id)

    def lock_claimed(self, job_id: UUID, token: UUID) -> tuple[BulkJob, Screening | None] | None:
        job = self.get(job_id) if self.store.claims.get(job_id) == token else None
        if job is None:
            return None
        # Resolve the items' keys here, as the real store does in its screening statement;
        # the caller then screens the people they name.
        owner = self.store.users.get(job.submitted_by)
        principal = Principal(job.submitted_by, job.org_id, owner.role if owner else Role.ADMIN)
        directory = FakeDirectory(self.store, principal)
        for item in job.items:
            person = directory.person(job.org_id, item.given)
            item.peer_mentor_id = person.id if person else None
        return job, None

    def save(self, job: BulkJob, *, items: bool) -> None:
        job.version += 1
        if job.status is not JobStatus.RUNNING:
            self.store.claims.pop(job.id, None)
        self.store.jobs[job.id] = copy.deepcopy(job)

    def summaries(self, job_ids: Sequence[UUID]) -> dict[UUID, BulkJob]:
        found = {i: self.get(i) for i in job_ids}
        return {i: replace(j, items=[]) for i, j in found.items() if j is not None}

    def page(
        self, org_id: UUID, status: JobStatus | None, cursor: str | None, limit: int
    ) -> Page[BulkJob]:
        jobs = [
            j for j in self.store.jobs.values() if j.org_id == org_id and status in (None, j.status)
        ]
        return Page(jobs[:limit], None)

    def reserve_idempotency_key(
        self, user_id: UUID, key: str
    ) -> tuple[bool, tuple[BulkJob, str] | None]:
        found = self.store.keys.get((user_id, key))
        if not found:
            return True, None
        return True, (copy.deepcopy(self.store.jobs[found[0]]), found[1] or "")


class FakeMaintenanceJobs(MaintenanceJobs):
    def __init__(self, store: Store) -> None:
        self.store = store

    def lease_remaining(self, job_id: UUID) -> float | None:
        return 30.0 if job_id in self.store.claims else None

    def release(self, job_id: UUID, token: UUID) -> bool:
        if self.store.claims.get(job_id) != token:
            return False
        self.store.jobs[job_id].status = JobStatus.QUEUED
        del self.store.claims[job_id]
        return True

    def fail(self, job_id: UUID, code: str, message: str, token: UUID | None = None) -> bool:
        job = self.store.jobs[job_id]
        job.status, job.error_code, job.error_message = JobStatus.FAILED, code, message
        return True

    def stale_queued(self, older_than_seconds: float, limit: int) -> list[Sendable]:
        queued = [j for j in self.store.jobs.values() if j.status is JobStatus.QUEUED]
        return [Sendable(j.id, j.total) for j in queued][:limit]

    def is_queued(self, job_id: UUID) -> bool:
        job = self.store.jobs.get(job_id)
        return job is not None and job.status is JobStatus.QUEUED

    def requeue_abandoned(self) -> list[Sendable]:
        return []  # no worker of the fakes ever dies

    def try_lock(self, name: str) -> bool:
        return True

    def record_anomalies(self) -> int:
        return 0


class FakeTransaction:
    """Changes become visible only on commit: a snapshot is restored on rollback."""

    def __init__(self, store: Store, principal: Principal | None) -> None:
        self.store = store
        self.principal = principal or Principal(UUID(int=0), UUID(int=0), Role.ADMIN)
        self.committed = False
        self.outbox: list[UUID] = []

    def __enter__(self) -> Self:
        self._snapshot = copy.deepcopy(replace(self.store, sent=[]))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.committed:
            sent = self.store.sent
            self.store.__dict__.update(self._snapshot.__dict__)
            self.store.sent = sent
        elif exc is None:
            self.store.sent.extend(self.outbox)

    def commit(self) -> None:
        self.committed = True

    def enqueue_after_commit(self, job: Sendable) -> None:
        self.outbox.append(job.job_id)


class FakeUnitOfWork(FakeTransaction, UnitOfWork):
    def __init__(self, store: Store, principal: Principal | None) -> None:
        super().__init__(store, principal)
        self.directory = FakeDirectory(self.store, self.principal)
        self.jobs = FakeJobs(self.store)
        self.activities = FakeActivities(self.store, self.principal)
        self.anomalies = FakeAnomalies(self.store, self.principal)
        self.audit = FakeAudit(self.store)
        assert self.principal is not None
        self.events = FakeEvents(self.store.outbox, self.principal)
        self.webhooks = FakeWebhooks(self.store.outbox, self.principal)
        self.languages = FakeLanguages(self.store, self.principal)
        self.choices = FakeChoices(self.store, self.principal)
        addresses = {u.id: u.email for u in self.store.users.values() if u.active}
        self.mail = FakeMail(self.store.letters, self.principal, addresses, self.store.languages)


class FakeMaintenanceUnitOfWork(FakeTransaction, MaintenanceUnitOfWork):
    def __init__(self, store: Store) -> None:
        super().__init__(store, None)
        self.jobs = FakeMaintenanceJobs(self.store)
        self.relay = FakeRelay(self.store.outbox)
        self.mail = FakeMailRelay(self.store.letters)


class FakeClaimingUnitOfWork(FakeUnitOfWork, ClaimingUnitOfWork):
    """The claim commits as the unit of work opens, before its snapshot is taken; the
    transaction then acts as the submitter if they may still register."""

    def __init__(self, store: Store, job_id: UUID, token: UUID) -> None:
        super().__init__(store, None)
        self.job_id, self.token = job_id, token
        self.claim: Claim | None = None
        self.refused = False  # the server would not act as the submitter

    def __enter__(self) -> Self:
        self.claim = self._claim()
        if self.claim is not None:
            user = self.store.users.get(self.store.jobs[self.job_id].submitted_by)
            if user and user.active and user.role in STAFF_ROLES:
                self.principal = Principal(user.id, user.org_id, user.role)
                self.directory = FakeDirectory(self.store, self.principal)
                self.activities = FakeActivities(self.store, self.principal)
                self.anomalies = FakeAnomalies(self.store, self.principal)
            else:
                self.refused = True
        return super().__enter__()

    def _claim(self) -> Claim | None:
        job = self.store.jobs.get(self.job_id)
        if job is None or job.status is not JobStatus.QUEUED:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        self.store.claims[self.job_id] = self.token
        return Claim(job.id, job.attempts, self.token)

    def claimed(self) -> Claimed:
        if self.claim is None or self.refused:
            return Claimed(self.claim, None)
        found = self.jobs.lock_claimed(self.job_id, self.token)
        if found is None:
            raise LeaseLost("changed hands")
        return Claimed(self.claim, *found)


class FakeSignInUnitOfWork(FakeTransaction, SignInUnitOfWork):
    def __init__(self, store: Store) -> None:
        super().__init__(store, None)
        self.sign_ins = FakeSignIns(self.store)


class FakeUnitsOfWork(UnitsOfWork):
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()

    def claiming(self, job_id: UUID, token: UUID, lease_seconds: float) -> FakeClaimingUnitOfWork:
        return FakeClaimingUnitOfWork(self.store, job_id, token)

    def __call__(self, principal: Principal) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, principal)

    def maintenance(self) -> FakeMaintenanceUnitOfWork:
        return FakeMaintenanceUnitOfWork(self.store)

    def signing_in(self) -> FakeSignInUnitOfWork:
        return FakeSignInUnitOfWork(self.store)
