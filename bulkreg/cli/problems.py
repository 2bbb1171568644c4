"""The API's problem answers (problem+json) in plain words: each message once, its field
named as a person would, and for a wrong activity type the codes that would do."""

from __future__ import annotations

from typing import Any

import httpx

from bulkreg.cli import words


def lines(response: httpx.Response) -> list[str]:
    """What went wrong, one line per distinct problem."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return [f"The API answered {response.status_code} {response.reason_phrase}."]
    found: list[str] = []
    for error in body.get("errors") or []:
        where = words.field(error.get("loc") or [])
        message = str(error.get("msg") or "")
        found.append(f"{where}: {message}" if where else message)
    if not found:
        said = str(body.get("detail") or body.get("title") or response.reason_phrase)
        if response.status_code == 401:
            said = f"The token was not accepted: {said}. A fresh one: bulkreg token --help"
        found.append(said)
    return list(dict.fromkeys(found))  # once each, in order


def names_activity_type(response: httpx.Response) -> bool:
    """Whether the answer finds fault with the activity type."""
    try:
        errors: list[dict[str, Any]] = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return False
    return any((e.get("loc") or [None])[-1] == "activity_type" for e in errors)


def active_activity_types(http: httpx.Client) -> list[str]:
    """The organization's active activity types, as ``code (name)``; none if it cannot say."""
    try:
        response = http.get("/v1/activity-types")
    except httpx.HTTPError:
        return []
    if response.status_code != 200:
        return []
    return [
        f"{t['code']} ({t['name']})" for t in response.json().get("items", []) if t.get("active")
    ]
