"""How the CLI puts a job into words and exit statuses (``bulkreg.cli.words``, ``summary``)."""

from __future__ import annotations

import io
from typing import Any

import httpx
from rich.console import Console

from bulkreg.cli import problems, summary, words


def test_one_function_decides_the_exit_status_of_every_state() -> None:
    assert [words.exit_status(s) for s in ("succeeded", "needs_review", "queued", "running")] == [
        0,
        3,
        4,
        4,
    ]
    assert {words.exit_status(s) for s in ("failed", "cancelled", "undone", "unheard_of")} == {1}
    assert 2 not in words.EXIT_STATUS.values()  # a usage error's, argparse's alone


def test_counts_get_their_plural_right() -> None:
    assert words.count(1, "participant") == "1 participant"
    assert words.count(2, "participant") == "2 participants"
    assert words.count(3000, "participant") == "3,000 participants"
    assert (
        words.counts({"total": 1, "registered": 1, "conflict": 0}) == "1 participant: 1 registered"
    )


def test_fields_are_named_as_a_person_would() -> None:
    assert words.field(["body", "activity", "activity_type"]) == "activity type"
    assert words.field(["body", "activity", "occurred_on"]) == "date"
    assert words.field(["body", "participants", "line", 7, "email"]) == "line 7, email"
    assert words.field(["body", "participants", 3, "peer_mentor_id"]) == "line 5, peer mentor id"


def test_a_problem_says_each_message_once_without_the_body_path() -> None:
    message = "This is not one of your organization's active activity types: pick one of them."
    answer = httpx.Response(
        422,
        json={
            "title": "Unprocessable Content",
            "code": "validation_error",
            "detail": message,
            "errors": [{"loc": ["body", "activity", "activity_type"], "msg": message, "type": "x"}]
            * 2,
        },
    )
    assert problems.lines(answer) == [f"activity type: {message}"]
    assert problems.names_activity_type(answer)


def job(status: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {"total": len(items)} | {
        o: sum(i["outcome"] == o for i in items) for o in ("registered", "conflict", "invalid")
    }
    return {"job_id": "j", "status": status, "counts": counts, "items": items, "error": None}


def item(index: int, outcome: str, **more: Any) -> dict[str, Any]:
    return {"index": index, "given": {"email": f"p{index}@example.org"}, "display_name": None,
            "peer_mentor_id": f"pm{index}", "outcome": outcome, "conflict": None,
            "error": None} | more  # fmt: skip


def shown(j: dict[str, Any], show_all: bool = False) -> list[str]:
    out = io.StringIO()
    summary.show(j, Console(file=out, width=200), "me", show_all)
    return out.getvalue().splitlines()


def test_a_large_success_is_a_few_lines_and_show_all_lists_every_row() -> None:
    success = job("succeeded", [item(i, "registered") for i in range(3000)])
    assert shown(success) == ["job j: succeeded", "3,000 participants: 3,000 registered"]
    assert len(shown(success, show_all=True)) == 3002


def test_those_left_out_are_named_by_line_and_key_with_why() -> None:
    conflict = {"registered_by": "me", "activity_type": "home_visit", "occurred_on": "2026-10-01",
                "created_at": "2026-10-02T08:00:00Z", "activity_id": "a"}  # fmt: skip
    review = job(
        "needs_review",
        [
            item(0, "ready"),
            item(1, "conflict", conflict=conflict, display_name="Kari"),
            item(2, "invalid", error={"code": "unknown_participant", "message": "no such one"}),
        ],
    )
    assert shown(review)[2:] == [
        "Not registered (2 participants):",
        "  line 3, email p1@example.org (Kari): already has a home_visit on 2026-10-01, "
        "registered by you on 2026-10-02",
        "  line 4, email p2@example.org: no such one",
    ]
