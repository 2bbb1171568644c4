"""A field problem reaches a person in plain words that say what to do, in their language,
with numbers in the right plural: never a validator's own text."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from api.screen.i18n import words
from api.screen.messages import field_problem
from domain.errors import FieldError
from domain.explain import field_errors
from domain.languages import Language
from domain.model import BulkSubmission, ParticipantRequest, ProxyRegistration
from domain.rules import Limits, NewActivityTypeCode, check_participants
from domain.words import N_plural, counted, phrase

VALIDATOR_WORDS = ("should", "pattern", "Input", "Value error", "Field required", "Extra inputs")


def refused(model: Any, value: object) -> list[FieldError]:
    with pytest.raises(ValidationError) as error:
        TypeAdapter(model).validate_python(value)
    return field_errors(error.value, ("body",))


BAD_SUBMISSIONS = [
    {},
    {"activity": [], "participants": {}, "on_conflict": "maybe", "extra": 1},
    {
        "activity": {
            "activity_type": "home\x1bvisit",
            "occurred_on": "2026-13-01",
            "duration_minutes": 0,
            "notes": "n" * 2001,
        },
        "participants": [{"email": "not-an-email"}, {"member_number": " A-1"}],
    },
    {
        "activity": {"activity_type": "", "occurred_on": 5, "duration_minutes": "45"},
        "participants": [{"peer_mentor_id": "not-a-uuid", "override_duplicate": "perhaps"}],
    },
    {"activity": {"activity_type": "a", "occurred_on": "2026-11-20", "duration_minutes": 1441},
     "participants": []},
]  # fmt: skip


@pytest.mark.parametrize("body", BAD_SUBMISSIONS)
def test_no_validator_text_reaches_a_person(body: dict[str, Any]) -> None:
    found = refused(BulkSubmission, body)
    assert found
    for problem in found:
        assert not any(w in problem.msg for w in VALIDATOR_WORDS), problem
        assert problem.msg[:1].isupper() and problem.msg.endswith("."), problem


def test_each_kind_says_what_to_do_and_keeps_its_machine_parts() -> None:
    body = BAD_SUBMISSIONS[2]
    found = {e.loc: (e.type, e.msg) for e in refused(BulkSubmission, body)}
    assert found[("body", "participants", 0, "email")] == (
        "string_pattern_mismatch",
        "This is not an email address: write it as name@example.org.",
    )
    assert found[("body", "activity", "duration_minutes")] == (
        "greater_than_equal",
        "Write the duration as whole minutes from 1 to 1440, like 45.",
    )
    assert found[("body", "activity", "notes")] == (
        "string_too_long",
        "This is too long: write at most 2000 characters.",
    )
    assert found[("body", "activity", "activity_type")][0] == "invisible_character"
    assert "U+001B" in found[("body", "activity", "activity_type")][1]
    assert found[("body", "activity", "occurred_on")][1] == (
        "Write a date as year-month-day, like 2026-11-20."
    )
    proxy = refused(ProxyRegistration, {"peer_mentor_id": "x", "activity": {}})
    assert proxy[0].msg.startswith("This is not a peer mentor's id: copy it from the roster")


def test_a_number_in_a_sentence_takes_its_plural() -> None:
    two = [ParticipantRequest(email=f"p{n}@example.org") for n in range(2)]
    [too_many] = check_participants(two, Limits(max_participants=1))
    assert too_many.msg == "A submission names at most 1 participant: split the list."
    said = words(Language.NB)
    assert field_problem(said, too_many) == (
        "En innsending kan ha høyst 1 deltaker: del opp listen.",
        True,
    )
    values = counted(N_plural("%(num)s value", "%(num)s values"), 1)
    assert str(values) == "1 value"
    assert str(phrase("%(n)s", n=counted(N_plural("%(num)s value", "%(num)s values"), 3))) == (
        "3 values"
    )


def test_the_screen_says_a_validator_problem_in_bokmal() -> None:
    said = words(Language.NB)
    found = refused(BulkSubmission, BAD_SUBMISSIONS[2])
    texts = {e.loc[-1]: field_problem(said, e) for e in found}
    assert texts["email"] == (
        "Dette er ikke en e-postadresse: skriv den som navn@example.org.",
        True,
    )
    assert texts["notes"] == ("Dette er for langt: skriv høyst 2\xa0000 tegn.", True)
    # A problem without a phrase (from a framework's list) is worded by its kind too.
    bare = FieldError(
        ("body", "activity", "occurred_on"), "Input should be a valid date", "date_parsing"
    )
    assert field_problem(said, bare) == ("Skriv en dato som år-måned-dag, som 2026-11-20.", True)


@pytest.mark.parametrize("code", ["home_visit", "walk", "group-meeting", "visit2"])
def test_an_activity_type_code_of_its_alphabet_is_taken(code: str) -> None:
    assert TypeAdapter(NewActivityTypeCode).validate_python(code) == code


@pytest.mark.parametrize("code", ["home visit", "Home_visit", "hjemmebesøk", "-x", "a.b", ""])
def test_an_activity_type_code_outside_its_alphabet_is_refused_in_plain_words(code: str) -> None:
    with pytest.raises(ValidationError) as error:
        TypeAdapter(NewActivityTypeCode).validate_python(code)
    [problem] = field_errors(error.value, ("code",))
    assert "should" not in problem.msg
    if code:
        assert problem.msg.startswith("A code may hold only lowercase letters (a to z), digits,")


def test_the_api_words_the_framework_s_problems_and_keeps_its_own_as_they_are() -> None:
    """A query parameter FastAPI refused comes in pydantic's words; a problem this project
    worded (``api.body.refusal``) is passed on as it is."""
    from api.body import refusal
    from api.problems import _field_errors

    framework = {
        "type": "greater_than_equal",
        "loc": ("query", "limit"),
        "msg": "Input should be greater than or equal to 1",
        "ctx": {"ge": 1},
    }
    ours = refusal([FieldError(("body", "participants", "line", 2), "Ours, as it is.", "csv")])
    found = _field_errors([framework, *ours.errors()])
    assert [(p.loc, p.msg, p.type) for p in found] == [
        (["query", "limit"], "Write a number of at least 1.", "greater_than_equal"),
        (["body", "participants", "line", 2], "Ours, as it is.", "csv"),
    ]
