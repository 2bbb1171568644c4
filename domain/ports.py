"""The interfaces the use cases are written against; persistence implements them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar
from uuid import UUID

from domain.jobs import BulkJob
from domain.model import (
    Activity,
    Anomaly,
    ExistingActivity,
    Given,
    JobStatus,
    NewActivity,
    Principal,
    Source,
    StoredActivity,
    UserRecord,
)
from domain.webhooks import Delivery, Event, Webhook


@dataclass(frozen=True)
class Claim:
    """A job this worker now holds: the attempt it makes (counted in the claim) and the
    token that proves it. Whom it acts for is the server's business (``Claimed.job``)."""

    job_id: UUID
    attempts: int
    token: UUID


@dataclass(frozen=True)
class Claimed:
    """What a claiming unit of work found in its first round trip."""

    claim: Claim | None  # None: nothing to take (finished, unknown, or another worker's)
    job: BulkJob | None  # locked, under its submitter's identity; None if that was refused
    screening: Screening | None = None


@dataclass(frozen=True)
class Sendable:
    """A job to send to the workers: its size decides which of them take it."""

    job_id: UUID
    participants: int


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class ActivityFilter:
    peer_mentor_id: UUID | None = None
    bulk_job_id: UUID | None = None
    registered_by: UUID | None = None
    source: Source | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    include_deleted: bool = False


@dataclass(frozen=True)
class DraftFacts:
    """What the rules need from the directory to check an activity draft."""

    timezone: str
    type_is_active: bool


@dataclass(frozen=True)
class Screening:
    """What stands in the way of registering one activity for a batch of participants."""

    ineligible: dict[UUID, UserRecord | None]
    """Not active peer mentors of the organization, with their record (None when unknown
    or not visible). Usually empty."""
    duplicates: dict[UUID, ExistingActivity]
    """The same activity (type and date) already registered for the participant."""
    people: dict[int, tuple[UUID, str]] | None = None
    """For a job screened by its items' keys: the person (id, display name) each item
    names, by index; an item that names nobody visible is absent. None when the items
    named their people already."""


@dataclass(frozen=True)
class ActivityType:
    code: str
    name: str
    active: bool


class Directory(Protocol):
    def user(self, user_id: UUID) -> UserRecord | None: ...
    def users(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]: ...
    def draft_facts(self, org_id: UUID, activity_type: str) -> DraftFacts: ...
    def person(self, org_id: UUID, given: Given) -> UserRecord | None:
        """The user of the organization this key names, if any (of any role or state)."""
        ...

    def peer_mentors(
        self, org_id: UUID, query: str | None, active: bool | None, cursor: str | None, limit: int
    ) -> Page[UserRecord]: ...
    def activity_types(self, org_id: UUID) -> list[ActivityType]: ...


class Jobs(Protocol):
    def add(self, job: BulkJob, idempotency_key: str | None, request_hash: str | None) -> None: ...
    def get(self, job_id: UUID) -> BulkJob | None: ...
    def version(self, job_id: UUID) -> tuple[int, JobStatus] | None: ...
    def lock(self, job_id: UUID) -> BulkJob | None: ...
    def lock_claimed(self, job_id: UUID, token: UUID) -> tuple[BulkJob, Screening | None] | None:
        """The job this worker holds (its claim token), locked, with its items — and, when
        the store can tell in the same round trip, the screening of all its participants
        (else None: the caller screens)."""
        ...

    def save(self, job: BulkJob, *, items: bool) -> None: ...
    def summaries(self, job_ids: Sequence[UUID]) -> dict[UUID, BulkJob]:
        """These jobs without their items, in one round trip."""
        ...

    def page(
        self, org_id: UUID, status: JobStatus | None, cursor: str | None, limit: int
    ) -> Page[BulkJob]: ...
    def reserve_idempotency_key(
        self, user_id: UUID, key: str
    ) -> tuple[bool, tuple[BulkJob, str] | None]:
        """Take the key for this transaction, if no other request holds it, and look up the
        job already stored under it (with its request hash). Returns (taken, found)."""
        ...


class MaintenanceJobs(Protocol):
    def lease_remaining(self, job_id: UUID) -> float | None: ...
    def release(self, job_id: UUID, token: UUID) -> bool: ...
    def fail(self, job_id: UUID, code: str, message: str, token: UUID | None = None) -> bool: ...
    def stale_queued(self, older_than_seconds: float, limit: int) -> list[Sendable]: ...
    def requeue_abandoned(self) -> list[Sendable]: ...
    def is_queued(self, job_id: UUID) -> bool: ...
    def try_lock(self, name: str) -> bool: ...
    def record_anomalies(self) -> int: ...


class Activities(Protocol):
    def screen(
        self, org_id: UUID, activity_type: str, occurred_on: date, peer_mentor_ids: Sequence[UUID]
    ) -> Screening:
        """Eligibility and duplicates of the whole batch in one round trip, each one
        statement however large the batch."""
        ...

    def add_many(self, activities: Sequence[NewActivity]) -> None: ...
    def soft_delete(self, activity_ids: Sequence[UUID], by: UUID, reason: str) -> int: ...
    def get(self, activity_id: UUID) -> Activity | None: ...
    def page(self, flt: ActivityFilter, cursor: str | None, limit: int) -> Page[StoredActivity]: ...
    def by_ids(self, activity_ids: Sequence[UUID]) -> list[StoredActivity]:
        """The organization's activities of these ids, deleted ones too."""
        ...


class Anomalies(Protocol):
    def for_job(self, job_id: UUID) -> list[Anomaly]: ...
    def listing(self, resolved: bool | None) -> list[Anomaly]: ...
    def lock(self, anomaly_id: UUID) -> Anomaly | None: ...
    def resolve(self, anomaly: Anomaly) -> None: ...
    def open_for_jobs(self, job_ids: Sequence[UUID]) -> set[UUID]:
        """Those of the jobs that have an open anomaly."""
        ...


@dataclass(frozen=True)
class AuditEntry:
    org_id: UUID
    actor_id: UUID
    action: str
    target: str
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor_id: UUID | None  # None: an operator's change from the CLI
    action: str
    target: str
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditFilter:
    actor_id: UUID | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


class Audit(Protocol):
    def record(self, entries: Sequence[AuditEntry]) -> None: ...
    def page(self, flt: AuditFilter, cursor: str | None, limit: int) -> Page[AuditRecord]: ...


class Events(Protocol):
    def page(self, after: str | None, types: Sequence[str], limit: int) -> list[Event] | None:
        """The organization's events in commit order, after the event ``after`` (None: if
        it names no event the caller can see)."""
        ...


class Webhooks(Protocol):
    def add(self, webhook: Webhook, secret: str, created_by: UUID) -> None: ...
    def listing(self) -> list[Webhook]: ...
    def remove(self, webhook_id: UUID) -> bool:
        """Delete it (its history stays) and cancel its pending deliveries."""
        ...

    def deliveries(
        self, webhook_id: UUID, cursor: str | None, limit: int
    ) -> Page[Delivery] | None: ...


@dataclass(frozen=True)
class Outgoing:
    """One attempt at one delivery, claimed by the relay."""

    delivery_id: UUID
    attempt: int
    url: str
    secret: str
    event: Event
    first_queued_at: datetime


@dataclass(frozen=True)
class Sent:
    """What became of an attempt: the receiver's status code, or why there was none."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Relay(Protocol):
    def claim_due(self, limit: int, lease_seconds: float) -> list[Outgoing]: ...
    def record(self, outgoing: Outgoing, sent: Sent, retry_at: datetime | None) -> None:
        """Record the attempt: delivered if it went through, else pending until
        ``retry_at``, or failed for good when that is None."""
        ...

    def next_due_in(self) -> float | None: ...
    def expire_events(self, older_than_days: int) -> int: ...


class Transaction(Protocol):
    """One transaction: rolls back unless ``commit()`` was called; messages queued with
    ``enqueue_after_commit`` leave only after a successful commit."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def enqueue_after_commit(self, job: Sendable) -> None: ...


class UnitOfWork(Transaction, Protocol):
    """A transaction under one identity, the repositories it may use."""

    directory: Directory
    jobs: Jobs
    activities: Activities
    anomalies: Anomalies
    audit: Audit
    events: Events
    webhooks: Webhooks


class MaintenanceUnitOfWork(Transaction, Protocol):
    """A transaction as the maintenance role: leases, sweeps, the reconciler, the relay."""

    jobs: MaintenanceJobs
    relay: Relay


class ClaimingUnitOfWork(UnitOfWork, Protocol):
    """A worker's attempt at a job: the claim (a lease and a token, if the job is queued or
    its lease has run out), then one transaction under the identity of the job's submitter,
    both sent in one round trip. The claim commits on its own at once, whatever the unit of
    work does next: it is the worker's public statement that it holds the job, and its
    attempt is counted even if the worker dies."""

    def claimed(self) -> Claimed:
        """The claim and, if it was made and its submitter may still register, the job
        locked with the screening of its participants. Raises ``LeaseLost`` if the job was
        claimed but changed hands (or state) before it could be locked."""
        ...


class SignIns(Protocol):
    """What the server answers before it knows who is calling."""

    def for_subject(self, subject: str) -> Principal | None:
        """The active user an identity provider's ``sub`` names."""
        ...

    def redeem(self, digest: bytes) -> Principal | None:
        """Use a sign-in link (by its digest) once: its coordinator, if it is unused,
        unexpired and they are still active staff; then never again."""
        ...


class SignInUnitOfWork(Transaction, Protocol):
    sign_ins: SignIns


class UnitsOfWork(Protocol):
    def __call__(self, principal: Principal) -> UnitOfWork: ...
    def signing_in(self) -> SignInUnitOfWork: ...
    def maintenance(self) -> MaintenanceUnitOfWork: ...
    def claiming(self, job_id: UUID, token: UUID, lease_seconds: float) -> ClaimingUnitOfWork: ...
