"""What ``bulkreg submit`` and ``bulkreg status`` say about a settled job: the counts in
words, every participant who was not registered and why, named by their line in the file
(line = index + 2, as the results file numbers them) and the key given. A job where all
went through is a few lines, however many people it had; ``--show-all`` lists every row."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from bulkreg.cli import words

# An item's error as a person reads it, where the API's message is missing.
ERRORS = {
    "unknown_participant": "no peer mentor of your organization has this key",
    "inactive_participant": "the peer mentor is no longer active",
    "not_a_peer_mentor": "this person is not a peer mentor",
    "duplicate_participant": "the same person is named on another line",
}


def who(item: dict[str, Any]) -> str:
    """ "line 5, email kari@example.org (Kari Nordmann)"."""
    given = ", ".join(f"{words.FIELDS.get(k, k)} {v}" for k, v in item["given"].items())
    name = f" ({item['display_name']})" if item.get("display_name") else ""
    return f"line {item['index'] + 2}, {given}{name}"


def registrar(conflict: dict[str, Any], item: dict[str, Any], me: str | None) -> str:
    if conflict["registered_by"] == me:
        return "you"
    if conflict["registered_by"] == item.get("peer_mentor_id"):
        return "the peer mentor themselves"
    return f"user {conflict['registered_by']}"


def why(item: dict[str, Any], me: str | None) -> str:
    """Why the item was not registered, in plain words."""
    if item.get("conflict"):
        c = item["conflict"]
        return (
            f"already has a {c['activity_type']} on {c['occurred_on']}, registered by "
            f"{registrar(c, item, me)} on {str(c['created_at'])[:10]}"
        )
    if item.get("error"):
        error = item["error"]
        return str(error.get("message") or ERRORS.get(error["code"], error["code"]))
    return words.OUTCOMES.get(item["outcome"], item["outcome"])


def outcome(item: dict[str, Any], me: str | None) -> str:
    said = words.OUTCOMES.get(item["outcome"], item["outcome"])
    if item["outcome"] in words.NOT_REGISTERED:
        return f"{said}: {why(item, me)}"
    return said


def show(
    job: dict[str, Any], console: Console, me: str | None, show_all: bool, header: bool = True
) -> None:
    """The summary; ``header``: open with the job's state (unless that was just said)."""

    def say(line: str) -> None:
        console.print(line, highlight=False, markup=False, soft_wrap=True)

    if header:
        say(f"job {job['job_id']}: {words.state(job['status'])}")
    if job.get("error"):
        say(f"Why: {job['error']['message']}")
    say(words.counts(job["counts"]))
    items = job.get("items") or []
    if show_all:
        for item in items:
            say(f"  {who(item)}: {outcome(item, me)}")
        return
    left_out = [
        item
        for item in items
        if item["outcome"] in words.NOT_REGISTERED
        or (item["outcome"] == "pending" and (item.get("conflict") or item.get("error")))
    ]
    if left_out:
        say(f"Not registered ({words.count(len(left_out), 'participant')}):")
        for item in left_out:
            say(f"  {who(item)}: {why(item, me)}")
