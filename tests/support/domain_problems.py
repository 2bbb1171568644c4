"""The problems the domain itself words (the CSV reader's and the submission rules'), as the
new job's form shows them: raised by the real code, then put in the page's words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from api.screen.i18n import words
from api.screen.messages import field_problem, where
from domain.csvfiles import Table, participants_from_csv
from domain.errors import FieldError, ValidationFailed
from domain.languages import Language
from domain.model import ActivityDraft, ParticipantRequest
from domain.rules import Limits, check_activity, check_participants

DAY = date(2026, 11, 30)
# Files with each problem the reader words: a header's problems stop it (its lines have no
# columns to be read by); a line's problems do not stop the other lines.
FILES = [
    b"",
    b"email\n",
    b"\xff\xfe",
    b"email,e-post\na@example.org,b@example.org\n",
    b"email,email\na@example.org,b@example.org\n",
    b"colour\nred\n",
    b"email\na@example.org\nx,y\n",
    b"email,override_duplicate\na@example.org,kanskje\nA@example.org,ja\n,nei\n",
]


def _raised(make: Callable[[], object]) -> list[FieldError]:
    try:
        make()
    except ValidationFailed as failed:
        return failed.errors
    raise AssertionError("no problem")


def csv_errors() -> list[FieldError]:
    found = [e for data in FILES for e in _raised(partial(participants_from_csv, data))]
    roster = Table(b"navn\nKari\n", where=("body", "participants"))
    roster.require({"name", "email"}, needs=["email"])  # as ``bulkreg roster import`` does
    return found + roster.problems


def rules_errors() -> list[FieldError]:
    def draft(day: date) -> ActivityDraft:
        return ActivityDraft(activity_type="home_visit", occurred_on=day, duration_minutes=30)

    limits = Limits(max_participants=2, max_backdate_days=365)
    people = [ParticipantRequest(email="kari@example.org")] * 2
    return [
        *check_activity(draft(DAY + timedelta(1)), today=DAY, limits=limits, type_is_active=False),
        *check_activity(draft(DAY - timedelta(400)), today=DAY, limits=limits, type_is_active=True),
        *check_participants(people, limits),
        *check_participants(people * 2, limits),
    ]


def in_words(errors: list[FieldError], language: Language) -> list[tuple[str, str, bool, None]]:
    """The form's problems (``api.screen.new``'s ``Problem``) in the language's words."""
    said = words(language)
    return [(where(said, e.loc), *field_problem(said, e), None) for e in errors]
