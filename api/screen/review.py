"""A job in review, arranged for a decision in seconds: the conflicts and the invalid
participants first, the ready ones after; which conflicts are new since the coordinator's
last decisions; and the skip-all button worded for what the job holds."""

from __future__ import annotations

from dataclasses import dataclass

from domain.jobs import BulkJob
from domain.model import JobItem, Outcome


@dataclass(frozen=True)
class Review:
    conflicts: list[JobItem]
    invalid: list[JobItem]
    rest: list[JobItem]  # ready, or decided before (cancelled, or to be registered anyway)
    new: frozenset[int]  # indexes of conflicts found after the coordinator had decided
    decided_before: bool

    @property
    def ready(self) -> int:
        return sum(1 for i in self.rest if i.outcome is not Outcome.CANCELLED)

    def skip_all_label(self) -> str:
        skipped = [_count(len(self.conflicts), "conflict"), _count(len(self.invalid), "invalid")]
        what = " and ".join(s for s in skipped if s)
        if not self.ready:
            return f"Skip {what}: nothing is left to register"
        people = "person" if self.ready == 1 else "people"
        return f"Skip {what} and register the other {self.ready} {people}"


def _count(n: int, what: str) -> str:
    if not n:
        return ""
    if what == "invalid":
        return f"the {n} invalid participant" + ("s" if n > 1 else "")
    return f"the {n} {what}" + ("s" if n > 1 else "") if n > 1 else f"the {what}"


def review(job: BulkJob) -> Review:
    conflicts = [i for i in job.items if i.outcome is Outcome.CONFLICT]
    invalid = [i for i in job.items if i.outcome is Outcome.INVALID]
    rest = [i for i in job.items if i.outcome not in (Outcome.CONFLICT, Outcome.INVALID)]
    decided_before = any(i.decision is not None for i in job.items)
    new = frozenset(i.index for i in conflicts if decided_before and i.decision is None)
    return Review(conflicts, invalid, rest, new, decided_before)
