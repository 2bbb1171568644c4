"""Errors the use cases raise; the API maps each to one problem+json response."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.words import Phrase


@dataclass(frozen=True)
class ExistingActivity:
    """The record a new registration would duplicate, as reported to the coordinator."""

    activity_id: UUID
    peer_mentor_id: UUID
    registered_by: UUID
    activity_type: str
    occurred_on: date
    created_at: datetime
    duration_minutes: int | None = None
    notes: str | None = None
    source: str | None = None
    bulk_job_id: UUID | None = None


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadCursor(ValueError):
    """A listing's ``cursor`` that no page of this listing handed out."""


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class InvalidState(DomainError):
    code = "invalid_state"


class IdempotencyInFlight(DomainError):
    code = "idempotency_in_flight"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class FieldError:
    """A problem with one field. ``msg`` is the English the API and the command line say;
    ``phrase``, when the domain wrote the message, is its template and values, for the
    screen to say in its own language (``domain.words``)."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"
    phrase: Phrase | None = field(default=None, compare=False, repr=False)

    @classmethod
    def said(
        cls, loc: tuple[str | int, ...], words: Phrase, type: str = "value_error"
    ) -> FieldError:
        return cls(loc, str(words), type, words)


class ValidationFailed(DomainError):
    code = "validation_error"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in errors))
        self.errors = errors


class DuplicateActivity(DomainError):
    code = "duplicate_activity"

    def __init__(self, conflict: ExistingActivity) -> None:
        super().__init__(
            "an activity of this type is already registered for this peer mentor on this date"
        )
        self.conflict = conflict


@dataclass
class TransientError(Exception):
    """A failure worth retrying from scratch (lost connection, serialization, a concurrent
    job's row hitting the duplicate index). Persistence translates driver errors into it."""

    reason: str

    def __str__(self) -> str:
        return self.reason


class LeaseLost(Exception):
    """Another worker took the job over; this attempt must write nothing."""


class JobBusy(Exception):
    """The job cannot be taken now — another worker holds a live lease on it, or its
    organization's large-job slots are taken: look again in ``retry_in`` seconds."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"not free for {retry_in:.1f}s")
        self.retry_in = retry_in


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Unavailable(DomainError):
    """Something the request needs from outside (an identity provider's key set) does not
    answer: try again later (503)."""

    code = "unavailable"
