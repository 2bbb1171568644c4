"""The domain's vocabulary: principals, activities, bulk jobs and their items.

``ExistingActivity`` is defined with the error that carries it (``domain.errors``) and
named here with the rest of the vocabulary."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.errors import ExistingActivity as ExistingActivity
from domain.errors import FieldError, InvalidState, ValidationFailed
from domain.text import MultiLine, OneLine

MAX_NOTES = 2000


def time_ordered_id() -> UUID:
    """A UUIDv7 (RFC 9562): a millisecond timestamp, then random bits. Rows inserted
    together land side by side in the primary-key index instead of on random pages, which
    keeps large inserts fast in a large table."""
    unix_ms = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10))
    value = (unix_ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | (random >> 68 & 0xFFF) << 64
    value |= 0b10 << 62 | (random & 0x3FFF_FFFF_FFFF_FFFF)
    return UUID(int=value)


MAX_DURATION = 1440


class Role(StrEnum):
    COORDINATOR = "coordinator"
    PEER_MENTOR = "peer_mentor"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    """Who acts: verified against the database before any use case sees it."""

    user_id: UUID
    org_id: UUID
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


class OnConflict(StrEnum):
    REVIEW = "review"
    SKIP = "skip"
    FAIL = "fail"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    NEEDS_REVIEW = "needs_review"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNDONE = "undone"  # a succeeded job whose activities were all deleted (docs/api.md, "Undo")


TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.UNDONE})
UNFINISHED = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})


class Outcome(StrEnum):
    PENDING = "pending"
    READY = "ready"
    REGISTERED = "registered"
    OVERRIDDEN = "overridden"
    SKIPPED = "skipped"
    CONFLICT = "conflict"
    INVALID = "invalid"
    CANCELLED = "cancelled"


WRITTEN = frozenset({Outcome.REGISTERED, Outcome.OVERRIDDEN})


class Decision(StrEnum):
    OVERRIDE = "override"
    CANCEL = "cancel"


class Source(StrEnum):
    # Nothing in this service writes SELF: a peer mentor's own registrations come from
    # their app, into the same table; this service reads and filters them (docs/api.md, "Activities").
    SELF = "self"
    PROXY = "proxy"
    BULK = "bulk"


# No request string may carry a NUL character (PostgreSQL cannot store one), nor another
# control character or an invisible direction mark (``domain.text``): refused with a 422
# before it gets that far. Query parameters say so with this pattern.
WITHOUT_NUL = r"^[^\x00]*$"
ActivityTypeCode = Annotated[str, StringConstraints(min_length=1, max_length=64), OneLine]
Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES), *MultiLine]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000), *MultiLine]


class ActivityDraft(BaseModel):
    """One activity as a client describes it (shared by bulk and proxy registration)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    activity_type: ActivityTypeCode
    occurred_on: date
    duration_minutes: int = Field(ge=1, le=MAX_DURATION)
    notes: Notes | None = None


class KeyKind(StrEnum):
    """The keys a peer mentor can be named by (docs/api.md, "Bulk registrations")."""

    PEER_MENTOR_ID = "peer_mentor_id"
    EMAIL = "email"
    MEMBER_NUMBER = "member_number"


Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=254, pattern=r"^[^\s@\x00]+@[^\s@\x00]+$"),
    OneLine,
]
MemberNumber = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s\x00](.*[^\s\x00])?$"),
    OneLine,
]


@dataclass(frozen=True)
class Given:
    """A participant's key exactly as submitted."""

    kind: KeyKind
    value: str

    @property
    def canonical(self) -> str:
        """What two keys of the same kind are compared by: emails without case."""
        return self.value.lower() if self.kind is KeyKind.EMAIL else self.value


class ParticipantRequest(BaseModel):
    """A participant, named by exactly one key (checked with the rest of the batch, in
    ``domain.rules.check_participants``, so a 10,000-participant body is not validated
    one Python call per participant)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    peer_mentor_id: UUID | None = None
    email: Email | None = None
    member_number: MemberNumber | None = None
    override_duplicate: bool = False

    def keys(self) -> list[Given]:
        found = []
        if self.peer_mentor_id is not None:
            found.append(Given(KeyKind.PEER_MENTOR_ID, str(self.peer_mentor_id)))
        if self.email is not None:
            found.append(Given(KeyKind.EMAIL, self.email))
        if self.member_number is not None:
            found.append(Given(KeyKind.MEMBER_NUMBER, self.member_number))
        return found

    @property
    def given(self) -> Given:
        (key,) = self.keys()
        return key


class BulkSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    activity: ActivityDraft
    participants: list[ParticipantRequest] = Field(min_length=1)
    on_conflict: OnConflict = OnConflict.REVIEW


class ProxyRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    peer_mentor_id: UUID | None = None
    email: Email | None = None
    member_number: MemberNumber | None = None
    activity: ActivityDraft
    override_duplicate: bool = False
    registered_by: UUID | None = Field(
        default=None,
        description="Ignored: the registrar is always the authenticated caller.",
    )

    def participant(self) -> ParticipantRequest:
        return ParticipantRequest(
            peer_mentor_id=self.peer_mentor_id,
            email=self.email,
            member_number=self.member_number,
            override_duplicate=self.override_duplicate,
        )


@dataclass(frozen=True)
class UserRecord:
    id: UUID
    org_id: UUID
    role: Role
    display_name: str
    active: bool
    email: str | None = None
    member_number: str | None = None


@dataclass(frozen=True)
class NewActivity:
    id: UUID
    org_id: UUID
    peer_mentor_id: UUID
    activity_type: str
    occurred_on: date
    duration_minutes: int
    notes: str | None
    registered_by: UUID
    source: Source
    bulk_job_id: UUID | None
    duplicate_of: UUID | None


@dataclass(frozen=True)
class Registration:
    """One activity being registered for a batch of participants: what was done
    (``draft``), in which organization, by whom, how (``source``, and the bulk job when
    there is one), what a conflict with an existing record does, and where the new
    records' ids come from. The use case builds it once; the rules read it."""

    draft: ActivityDraft
    org_id: UUID
    registered_by: UUID
    on_conflict: OnConflict
    source: Source
    bulk_job_id: UUID | None
    new_id: Callable[[], UUID] = time_ordered_id

    def activity(
        self, activity_id: UUID, peer_mentor_id: UUID, duplicate_of: UUID | None
    ) -> NewActivity:
        """The record this registration writes for one participant."""
        return NewActivity(
            id=activity_id,
            org_id=self.org_id,
            peer_mentor_id=peer_mentor_id,
            activity_type=self.draft.activity_type,
            occurred_on=self.draft.occurred_on,
            duration_minutes=self.draft.duration_minutes,
            notes=self.draft.notes,
            registered_by=self.registered_by,
            source=self.source,
            bulk_job_id=self.bulk_job_id,
            duplicate_of=duplicate_of,
        )


@dataclass(frozen=True)
class Activity(NewActivity):
    """An activity as stored: what was registered, and when."""

    created_at: datetime


@dataclass(frozen=True)
class StoredActivity(Activity):
    """An activity with its deletion, if it was deleted (softly: it stays, marked)."""

    deleted_at: datetime | None = None
    deleted_by: UUID | None = None
    deletion_reason: str | None = None


@dataclass
class JobItem:
    """One participant of a job: the key it was ``given`` by, and the person the worker
    resolved it to (``peer_mentor_id``, ``display_name``: None until then, and for a key
    that names nobody)."""

    index: int
    given: Given
    peer_mentor_id: UUID | None = None
    display_name: str | None = None
    override_duplicate: bool = False
    decision: Decision | None = None
    outcome: Outcome = Outcome.PENDING
    activity_id: UUID | None = None
    conflict: ExistingActivity | None = None
    error_code: str | None = None
    error_message: str | None = None

    @classmethod
    def of_person(cls, index: int, peer_mentor_id: UUID, **fields: Any) -> JobItem:
        """An item that names its person by id, resolved."""
        given = Given(KeyKind.PEER_MENTOR_ID, str(peer_mentor_id))
        return cls(index, given, peer_mentor_id, **fields)

    @property
    def conflict_activity_id(self) -> UUID | None:
        return self.conflict.activity_id if self.conflict else None


class AnomalyKind(StrEnum):
    ORPHANED_RECORDS = "orphaned_records"
    MISSING_RECORDS = "missing_records"
    MISATTRIBUTED_RECORDS = "misattributed_records"


class AnomalyAction(StrEnum):
    DELETE_RECORDS = "delete_records"
    DISMISS = "dismiss"


class AnomalyResolution(BaseModel):
    """How a coordinator resolves an anomaly, from the API or the screen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: AnomalyAction
    reason: Reason


@dataclass
class Anomaly:
    id: UUID
    org_id: UUID
    kind: AnomalyKind
    bulk_job_id: UUID | None  # None: records without a job (proxy registrations)
    activity_ids: list[UUID]
    detected_at: datetime
    resolved_at: datetime | None = None
    resolution: AnomalyAction | None = None
    resolved_by: UUID | None = None
    reason: str | None = None

    def resolve(self, action: AnomalyAction, now: datetime, by: UUID, reason: str) -> None:
        """Orphaned records may be deleted (softly) or dismissed; missing ones only
        dismissed — there is nothing to delete."""
        if self.resolved_at is not None:
            raise InvalidState("this anomaly is resolved already")
        if action is AnomalyAction.DELETE_RECORDS and self.kind is AnomalyKind.MISSING_RECORDS:
            raise ValidationFailed(
                [FieldError(("body", "action"), "missing records can only be dismissed")]
            )
        self.resolution = action
        self.resolved_at = now
        self.resolved_by, self.reason = by, reason
