"""The bulk job and its state machine.

``queued → running → succeeded | needs_review | failed``; ``needs_review → queued`` (after a
resolution) or ``cancelled``; ``queued → cancelled``; ``succeeded → undone`` (a coordinator
takes the job back: ``BulkJob.undo``). A running job whose attempt failed on a transient error
goes back to ``queued``; a job out of attempts ends ``failed``.

``TRANSITIONS`` is the one statement of these edges: the model's methods refuse any other
move, and every SQL statement that changes a job's status (``persistence/lifecycle.py``)
is checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from domain.errors import InvalidState
from domain.model import (
    TERMINAL,
    ActivityDraft,
    Anomaly,
    Decision,
    JobItem,
    JobStatus,
    OnConflict,
    Outcome,
)

QUEUED, RUNNING, NEEDS_REVIEW = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.NEEDS_REVIEW
SUCCEEDED, FAILED, CANCELLED = JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED
UNDONE = JobStatus.UNDONE
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    QUEUED: frozenset({RUNNING, CANCELLED, FAILED}),
    RUNNING: frozenset({SUCCEEDED, NEEDS_REVIEW, FAILED, QUEUED}),
    NEEDS_REVIEW: frozenset({QUEUED, CANCELLED}),
    SUCCEEDED: frozenset({UNDONE}),
    FAILED: frozenset(),
    CANCELLED: frozenset(),
    UNDONE: frozenset(),
}
CANCELLABLE = frozenset({QUEUED, NEEDS_REVIEW})
# A job enters the state machine here: submitted, it waits in the queue.
INITIAL = QUEUED


@dataclass
class BulkJob:
    id: UUID
    org_id: UUID
    submitted_by: UUID
    status: JobStatus
    on_conflict: OnConflict
    activity: ActivityDraft
    total: int
    created_at: datetime
    attempts: int = 0
    version: int = 1
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    undone_at: datetime | None = None
    undone_by: UUID | None = None
    undo_reason: str | None = None
    items: list[JobItem] = field(default_factory=list)
    outcome_counts: dict[str, int] = field(default_factory=dict)
    anomalies: list[Anomaly] = field(default_factory=list)

    def _move(self, to: JobStatus, now: datetime) -> None:
        if to not in TRANSITIONS[self.status]:
            raise InvalidState(f"a {self.status} job cannot become {to}")
        self.status = to
        # An undo keeps when the job finished; it has its own ``undone_at``.
        if (to in TERMINAL or to is NEEDS_REVIEW) and to is not UNDONE:
            self.finished_at = now

    def finish(
        self,
        to: JobStatus,
        now: datetime,
        error: tuple[str, str] | None = None,
    ) -> None:
        if to not in {SUCCEEDED, NEEDS_REVIEW, FAILED}:
            raise InvalidState(f"a job cannot finish as {to}")
        self._move(to, now)
        self.error_code, self.error_message = error if error else (None, None)

    def cancel(self, now: datetime) -> None:
        if self.status not in CANCELLABLE:
            raise InvalidState(
                f"only a queued or needs_review job can be cancelled, not {self.status}"
            )
        self._move(CANCELLED, now)
        for item in self.items:
            item.outcome = Outcome.CANCELLED
            item.activity_id = None

    def undo(self, by: UUID, reason: str, now: datetime, window: timedelta) -> None:
        """Take a succeeded job back, within ``window`` of its finishing: the caller deletes
        its activities in the same transaction. Its items keep their outcomes (what was
        registered, and then undone)."""
        if self.status is not SUCCEEDED:
            raise InvalidState(f"only a succeeded job can be undone, not a {self.status} one")
        if not self.undoable(now, window):
            raise InvalidState(f"a job can be undone only within {window.days} days of finishing")
        self._move(UNDONE, now)
        self.undone_at, self.undone_by, self.undo_reason = now, by, reason

    def undoable(self, now: datetime, window: timedelta) -> bool:
        """Whether ``undo`` would take the job back at ``now``."""
        return (
            self.status is SUCCEEDED
            and self.finished_at is not None
            and now - self.finished_at <= window
        )

    def resolve(self, decisions: dict[int, Decision], now: datetime) -> None:
        """Record the coordinator's decisions and send the job back to the queue.

        ``decisions`` are by item index. Raises ``InvalidState`` outside ``needs_review``;
        the caller has already checked that every conflict is covered and invalid items are
        only cancelled. Items are resolved afresh when the job is processed again.
        """
        if self.status is not NEEDS_REVIEW:
            raise InvalidState(f"only a needs_review job can be resolved, not {self.status}")
        self._move(QUEUED, now)
        self.finished_at = None
        self.error_code = self.error_message = None
        for item in self.items:
            if item.index in decisions:
                item.decision = decisions[item.index]
            item.outcome = Outcome.PENDING
            item.peer_mentor_id = item.display_name = None
            item.activity_id = None
            item.error_code = item.error_message = None

    def counts(self) -> dict[str, int]:
        """Items per outcome (``pending`` is not reported), from the items when loaded."""
        counts = {"total": self.total}
        counts |= {outcome.value: 0 for outcome in Outcome if outcome is not Outcome.PENDING}
        if self.items:
            for item in self.items:
                if item.outcome is not Outcome.PENDING:
                    counts[item.outcome.value] += 1
        else:
            for outcome, n in self.outcome_counts.items():
                if outcome != Outcome.PENDING:
                    counts[outcome] = n
        return counts
