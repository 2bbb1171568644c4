"""The screen's words for what the code names: job statuses, outcomes, error codes, the new
job form's fields and the problems found in it. Marked here (``N_``), translated where they
are shown; the JSON API's problem texts stay English."""

from __future__ import annotations

from api.screen.i18n import N_, N_plural, Words
from domain.errors import DomainError, FieldError, Forbidden
from domain.explain import explained
from domain.model import Outcome

ERROR_TITLE = N_("Error")
STATUS_TITLES = {
    401: N_("Not signed in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Not possible now"),
    422: N_("Not accepted"),
    503: N_("Not available"),
}


class ExpiredForm(Forbidden):
    code = "expired_form"


class NotThisForm(DomainError):
    code = "not_this_form"


class ForeignLogin(Forbidden):
    code = "foreign_login"


CODES = {
    "forbidden": N_("You may not do this."),
    "not_found": N_("There is no such page, or it is not yours to see."),
    "invalid_state": N_(
        "This cannot be done while the job is where it is now. Open it again to see its state."
    ),
    "validation_error": N_("Something in the form was not accepted. Go back and check it."),
    "idempotency_in_flight": N_("This is being done already. Wait a moment and reload."),
    "idempotency_key_reused": N_("This form was submitted already, as another job."),
    "duplicate_activity": N_("This person already has this activity registered."),
    "unauthenticated": N_("You are not signed in, or your session has ended."),
    "unavailable": N_("The service is busy or unavailable. Try again in a minute."),
    "expired_form": N_(
        "The form has expired or did not come from this site. Reload the page and try again."
    ),
    "not_this_form": N_("The form is not one this page sent."),
    "foreign_login": N_(
        "The form did not come from this site. Open the sign-in page and try again."
    ),
}
SOMETHING_WRONG = N_("Something went wrong.")


def explain(problem: DomainError) -> str:
    """The screen's sentence for an error, by its code (a msgid)."""
    return CODES.get(problem.code, SOMETHING_WRONG)


def status_of(problem: DomainError, statuses: dict[type[DomainError], int]) -> int:
    """The HTTP status of an error, a subclass as its parent's."""
    return next((statuses[t] for t in type(problem).__mro__ if t in statuses), 400)


JOB_STATUSES = {
    "queued": N_("queued"),
    "running": N_("running"),
    "needs_review": N_("needs review"),
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "undone": N_("undone"),
}
OUTCOMES = {
    "pending": N_("pending"),
    "ready": N_("ready"),
    "registered": N_("registered"),
    "overridden": N_("overridden"),
    "skipped": N_("skipped"),
    "conflict": N_("conflict"),
    "invalid": N_("invalid"),
    "cancelled": N_("cancelled"),
}
OUTCOME_COUNTS = {
    Outcome.PENDING: N_plural("%(num)s pending", "%(num)s pending"),
    Outcome.READY: N_plural("%(num)s ready", "%(num)s ready"),
    Outcome.REGISTERED: N_plural("%(num)s registered", "%(num)s registered"),
    Outcome.OVERRIDDEN: N_plural("%(num)s overridden", "%(num)s overridden"),
    Outcome.SKIPPED: N_plural("%(num)s skipped", "%(num)s skipped"),
    Outcome.CONFLICT: N_plural("%(num)s conflict", "%(num)s conflicts"),
    Outcome.INVALID: N_plural("%(num)s invalid", "%(num)s invalid"),
    Outcome.CANCELLED: N_plural("%(num)s cancelled", "%(num)s cancelled"),
}
ON_CONFLICT = {
    "review": N_("let me review them"),
    "skip": N_("skip them"),
    "fail": N_("fail the job"),
}
SOURCES = {
    "self": N_("their own app"),
    "proxy": N_("registered on their behalf"),
    "bulk": N_("a bulk registration"),
}
JOB_ERRORS = {
    "conflicts_found": N_("Some participants already have this activity registered."),
    "invalid_participants": N_("Some participants cannot be registered."),
    "submitter_not_authorized": N_("The coordinator who submitted it may no longer register."),
    "max_attempts_exceeded": N_("It was tried too many times without success."),
    "processing_error": N_("Something went wrong while it was processed."),
}
PARTICIPANT_ERRORS = {
    "unknown_participant": N_("No such peer mentor in your organization."),
    "inactive_participant": N_("The peer mentor is inactive."),
    "not_a_peer_mentor": N_("The user is not a peer mentor."),
    "duplicate_participant": N_("Names a peer mentor already named by another participant."),
}
FIELDS = {
    "activity_type": N_("Activity type"),
    "occurred_on": N_("Date"),
    "notes": N_("Notes"),
    "duration_minutes": N_("Duration"),
    "participants": N_("Participants"),
    "on_conflict": N_("On conflict"),
}


def field_problem(said: Words, error: FieldError) -> tuple[str, bool]:
    """A problem of a form in the page's words: the text, and whether it is translated.
    The domain's problems carry their phrase (``FieldError.phrase``, marked in the domain and
    in the catalogs); a validator's are worded by their kind (``domain.explain``); only a
    reason this project's own validator wrote in English is shown as it is (and marked so)."""
    words = error.phrase
    if words is None and error.type != "value_error":
        words = explained(error.type, error.loc)
    if words is not None:
        return words.said(said.gettext, said.number, said.catalog.ngettext), True
    return error.msg, False


def where(said: Words, loc: tuple[str | int, ...]) -> str:
    """A problem's place in words: a CSV line and column, or the form's field."""
    parts = [p for p in loc if p not in ("body", "activity")]
    if parts[:2] == ["participants", "line"] and len(parts) >= 3:
        if len(parts) > 3 and parts[3]:
            return said.gettext(
                "CSV line %(line)s, column %(column)s", line=parts[2], column=parts[3]
            )
        return said.gettext("CSV line %(line)s", line=parts[2])
    if parts[:1] == ["participants"] and len(parts) > 1 and isinstance(parts[1], int):
        return said.gettext("Participant %(number)s", number=parts[1] + 1)
    if not parts:
        return said.gettext("The form")
    return said(FIELDS[str(parts[0])]) if str(parts[0]) in FIELDS else str(parts[0])


def _by_code(said: Words, table: dict[str, str], code: str | None, otherwise: str | None) -> str:
    return said(table[code]) if code in table else (otherwise or code or "")


def helpers(said: Words) -> dict[str, object]:
    """What the templates call to show a code in words."""
    return {
        "status_word": lambda value: _by_code(said, JOB_STATUSES, value, None),
        "outcome_word": lambda value: _by_code(said, OUTCOMES, value, None),
        "on_conflict_word": lambda value: _by_code(said, ON_CONFLICT, value, None),
        "source_word": lambda value: _by_code(said, SOURCES, value, said.gettext("unknown")),
        "job_error": lambda code, text: _by_code(said, JOB_ERRORS, code, text),
        "participant_error": lambda code, text: _by_code(said, PARTICIPANT_ERRORS, code, text),
        "person": said.person,
        "participants_named": said.participants,
        "registrars_named": said.registrars,
    }
