"""A job in review, arranged for a decision in seconds: the conflicts and the invalid
participants first, the ready ones after; which conflicts are new since the coordinator's
last decisions; and the skip-all button worded for what the job holds.

One numbering (``by_line``): a participant from a file is named by its line in that file,
as the results file and the command line number it (the first participant is line 2, under
the header). A job whose every participant is named by id — picked from the roster — has no
file: its participants are named by name alone."""

from __future__ import annotations

from dataclasses import dataclass

from api.screen.i18n import Words
from domain.jobs import BulkJob
from domain.model import JobItem, KeyKind, Outcome


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

    def skip_all_label(self, said: Words) -> str:
        conflicts = (
            said.ngettext("the conflict", "the %(num)s conflicts", len(self.conflicts))
            if self.conflicts
            else ""
        )
        invalid = (
            said.ngettext(
                "the %(num)s invalid participant",
                "the %(num)s invalid participants",
                len(self.invalid),
            )
            if self.invalid
            else ""
        )
        what = (
            said.gettext("%(these)s and %(those)s", these=conflicts, those=invalid)
            if conflicts and invalid
            else conflicts or invalid
        )
        if not self.ready:
            return said.gettext("Skip %(what)s: nothing is left to register", what=what)
        return said.ngettext(
            "Skip %(what)s and register the other %(num)s person",
            "Skip %(what)s and register the other %(num)s people",
            self.ready,
            what=what,
        )


def review(job: BulkJob) -> Review:
    conflicts = [i for i in job.items if i.outcome is Outcome.CONFLICT]
    invalid = [i for i in job.items if i.outcome is Outcome.INVALID]
    rest = [i for i in job.items if i.outcome not in (Outcome.CONFLICT, Outcome.INVALID)]
    decided_before = any(i.decision is not None for i in job.items)
    new = frozenset(i.index for i in conflicts if decided_before and i.decision is None)
    return Review(conflicts, invalid, rest, new, decided_before)


def by_line(job: BulkJob) -> bool:
    """Whether the job's participants came from a file: some are named by email or member
    number, which only a file (or a program reading one) gives."""
    return any(item.given.kind is not KeyKind.PEER_MENTOR_ID for item in job.items)
