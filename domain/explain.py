"""Field problems in plain words: one place that turns a validator's problem (pydantic's,
or one this project raises the same way) into a sentence that says what to do.

pydantic says ``String should match pattern '^[^\\s@\\x00]+@…'``; a coordinator reads
"This is not an email address: write it as name@example.org." The problem keeps its machine
parts (``loc``, ``type``) as the validator gave them; only the words change. Each sentence is
a phrase (``domain.words``): English for the API and the command line, translated on the
screen. A kind this module does not know is said as a general refusal, never as the
validator's own text; a ``value_error`` keeps the reason its validator (this project's code)
wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from domain.errors import FieldError
from domain.text import INVISIBLE
from domain.words import N_, N_plural, Phrase, counted, phrase

Loc = tuple[str | int, ...]

DURATION = N_("Write the duration as whole minutes from 1 to 1440, like 45.")
# The sentence for a kind of problem in one field, by the field's name (the last name of
# its ``loc``): where the field's own words say more than the kind's.
BY_FIELD: dict[tuple[str, str], str] = {
    ("string_pattern_mismatch", "email"): N_(
        "This is not an email address: write it as name@example.org."
    ),
    ("string_pattern_mismatch", "member_number"): N_(
        "A member number must not start or end with a space: take the spaces away."
    ),
    ("string_pattern_mismatch", "code"): N_(
        "A code may hold only lowercase letters (a to z), digits, _ and -, like home_visit: "
        "no spaces or other characters."
    ),
    ("too_short", "participants"): N_("Name at least one participant."),
    ("int_parsing", "duration_minutes"): DURATION,
    ("uuid_parsing", "peer_mentor_id"): N_(
        "This is not a peer mentor's id: copy it from the roster (it looks like "
        "123e4567-e89b-42d3-a456-426614174000), or name the person by email instead."
    ),
}
BY_FIELD[("uuid_type", "peer_mentor_id")] = BY_FIELD[("uuid_parsing", "peer_mentor_id")]
WHOLE_NUMBER = N_("Write a whole number, like 45.")
A_DATE = N_("Write a date as year-month-day, like 2026-11-20.")
AN_ID = N_("This is not an id: it looks like 123e4567-e89b-42d3-a456-426614174000.")
AN_OBJECT = N_("Write an object here, in braces: {…}.")
A_WEB_ADDRESS = N_("This is not a web address: write it like https://example.org/hooks.")
# The sentence for a kind of problem, whatever the field.
BY_KIND: dict[str, str] = {
    "missing": N_("This is required: fill it in."),
    "extra_forbidden": N_("This is not a field of this request: leave it out."),
    "int_type": WHOLE_NUMBER,
    "int_parsing": WHOLE_NUMBER,
    "int_from_float": WHOLE_NUMBER,
    "float_type": N_("Write a number, like 4.5."),
    "float_parsing": N_("Write a number, like 4.5."),
    "bool_type": N_("Write true or false."),
    "bool_parsing": N_("Write true or false."),
    "string_type": N_("Write this as text, in quotes."),
    "date_type": A_DATE,
    "date_parsing": A_DATE,
    "date_from_datetime_parsing": A_DATE,
    "date_from_datetime_inexact": A_DATE,
    "datetime_type": N_("Write a moment as year-month-day and time, like 2026-11-20T14:30:00Z."),
    "datetime_parsing": N_("Write a moment as year-month-day and time, like 2026-11-20T14:30:00Z."),
    "uuid_type": AN_ID,
    "uuid_parsing": AN_ID,
    "uuid_version": AN_ID,
    "list_type": N_("Write a list here, in brackets: […]."),
    "dict_type": AN_OBJECT,
    "model_type": AN_OBJECT,
    "model_attributes_type": AN_OBJECT,
    "json_invalid": N_("This is not JSON: check its quotes, commas and brackets."),
    "url_parsing": A_WEB_ADDRESS,
    "url_scheme": A_WEB_ADDRESS,
    "url_type": A_WEB_ADDRESS,
    "string_pattern_mismatch": N_("This has characters that are not allowed here."),
    "too_many_values": N_("Send this only once."),
    # The kinds of a size or a number, when their limit is not known (``_sized`` says it).
    "string_too_short": N_("This is too short."),
    "string_too_long": N_("This is too long."),
    "greater_than_equal": N_("This number is too small."),
    "greater_than": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "less_than": N_("This number is too large."),
    "one_key": N_("Name the person by exactly one of peer_mentor_id, email or member_number."),
}
NOT_ACCEPTED = N_("This value is not accepted here.")


def field_name(loc: Loc) -> str:
    """The field a problem is about: the last name of its place (``("body",
    "participants", 3, "email")`` is ``email``)."""
    return next((str(part) for part in reversed(loc) if isinstance(part, str)), "")


def explained(kind: str, loc: Loc, ctx: Mapping[str, Any] | None = None) -> Phrase:
    """A problem of kind ``kind`` (pydantic's ``type``) at ``loc`` in words."""
    ctx = ctx or {}
    field = field_name(loc)
    if (kind, field) in BY_FIELD:
        return phrase(BY_FIELD[kind, field])
    if field == "duration_minutes" and kind in ("greater_than_equal", "less_than_equal"):
        return phrase(DURATION)
    if kind == INVISIBLE:
        hidden = N_(
            "Take out the invisible character %(character)s: control characters and "
            "direction marks are not allowed here."
        )
        return phrase(hidden, character=str(ctx.get("character", "")))
    if kind in ("enum", "literal_error"):
        return phrase(N_("Choose one of %(expected)s."), expected=str(ctx.get("expected", "")))
    if (sized := _sized(kind, ctx)) is not None:
        return sized
    return phrase(BY_KIND.get(kind, NOT_ACCEPTED))


def _sized(kind: str, ctx: Mapping[str, Any]) -> Phrase | None:
    """Problems of a size or a number: their limit in the sentence, in its plural."""
    limit = next(
        (ctx[k] for k in ("min_length", "max_length", "ge", "le", "gt", "lt") if k in ctx), None
    )
    if not isinstance(limit, int):
        return None
    if kind == "string_too_short":
        if limit == 1:
            return phrase(N_("This must not be empty: fill it in."))
        at_least = N_plural(
            "This is too short: write at least %(num)s character.",
            "This is too short: write at least %(num)s characters.",
        )
        return counted(at_least, limit)
    if kind == "string_too_long":
        at_most = N_plural(
            "This is too long: write at most %(num)s character.",
            "This is too long: write at most %(num)s characters.",
        )
        return counted(at_most, limit)
    if kind == "too_short":
        return counted(
            N_plural("Give at least %(num)s item.", "Give at least %(num)s items."), limit
        )
    if kind == "too_long":
        return counted(N_plural("Give at most %(num)s item.", "Give at most %(num)s items."), limit)
    numbers = {
        "greater_than_equal": N_("Write a number of at least %(limit)s."),
        "less_than_equal": N_("Write a number of at most %(limit)s."),
        "greater_than": N_("Write a number greater than %(limit)s."),
        "less_than": N_("Write a number less than %(limit)s."),
    }
    return phrase(numbers[kind], limit=limit) if kind in numbers else None


def field_error(detail: Mapping[str, Any], where: Loc = ()) -> FieldError:
    """One of pydantic's problems (``ValidationError.errors()``) as a problem in plain words,
    its ``loc`` after ``where``."""
    loc: Loc = (*where, *detail.get("loc", ()))
    kind = str(detail.get("type", "value_error"))
    if kind == "value_error":  # this project's own validator wrote the reason
        reason = str(detail.get("msg", "")).removeprefix("Value error, ")
        return FieldError(loc, reason or str(phrase(NOT_ACCEPTED)), kind)
    return FieldError.said(loc, explained(kind, loc, detail.get("ctx")), kind)


def field_errors(error: ValidationError, where: Loc = ()) -> list[FieldError]:
    """Every problem of a failed validation, each in plain words."""
    return plain(error.errors(include_url=False, include_input=False), where)


def plain(details: Iterable[Mapping[str, Any]], where: Loc = ()) -> list[FieldError]:
    return [field_error(detail, where) for detail in details]
