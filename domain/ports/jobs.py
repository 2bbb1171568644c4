"""Bulk jobs: stored, listed, locked, and claimed by a worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.jobs import BulkJob
from domain.model import JobStatus
from domain.ports.activities import Screening
from domain.ports.common import Page


@dataclass(frozen=True)
class Sendable:
    """A job to send to the workers: its size decides which of them take it."""

    job_id: UUID
    participants: int


@dataclass(frozen=True)
class Claim:
    """A job this worker now holds: the attempt it makes (counted in the claim) and the
    token that proves it. Whom it acts for is the server's business (``Claimed.job``)."""

    job_id: UUID
    attempts: int
    token: UUID
    # The claim took another job than the message named (another organization's turn, or a
    # job whose message came first), and the named one still waits in the queue.
    named_waiting: bool = False


@dataclass(frozen=True)
class Claimed:
    """What a claiming unit of work found in its first round trip."""

    claim: Claim | None  # None: nothing to take (finished, unknown, or another worker's)
    job: BulkJob | None  # locked, under its submitter's identity; None if that was refused
    screening: Screening | None = None


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
