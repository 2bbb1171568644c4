"""What the screen's registration forms share: the activity's fields, read from a posted
form, and the problems a page lists above its form (``new.html``, ``register.html``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.uploads import ACTIVITY_FIELDS, is_minutes, not_minutes
from domain.errors import FieldError
from domain.services.screen import NewJobForm

# where, what, whether "what" is in the page's language, and the id of the form's field it is
# about (None for a problem about no one field)
Problem = tuple[str, str, bool, str | None]


def activity_of(fields: Mapping[str, Any], problems: list[FieldError]) -> dict[str, Any]:
    """The activity the form's fields describe, its duration a number of minutes; a duration
    that is not one is added to ``problems``."""
    activity: dict[str, Any] = {k: fields[k] for k in ACTIVITY_FIELDS if fields.get(k)}
    duration = activity.get("duration_minutes")
    if duration is not None and is_minutes(duration):
        activity["duration_minutes"] = int(duration)
    elif duration is not None:
        problems.append(not_minutes(("activity", "duration_minutes")))
    return activity


def described(problems: list[Problem]) -> dict[str, str]:
    """Each field with a problem, and the ids of its problems on the page
    (``aria-describedby``)."""
    ids: dict[str, list[str]] = {}
    for number, (_, _, _, field) in enumerate(problems, 1):
        if field:
            ids.setdefault(field, []).append(f"problem-{number}")
    return {field: " ".join(found) for field, found in ids.items()}


def form_values(form: NewJobForm, problems: list[Problem] | None) -> dict[str, Any]:
    """What ``_activity_fields.html``, ``_roster_search.html`` and the problems above a form
    show: the activity types, the people picked, the roster's others that match, and the
    problems with the fields they are about."""
    picked = {u.id for u in form.chosen}
    return {
        "types": form.types,
        "chosen": form.chosen,
        "matches": [u for u in form.matches.items if u.id not in picked],
        "more": form.matches.next_cursor is not None,
        "problems": problems or [],
        "described": described(problems or []),
    }
