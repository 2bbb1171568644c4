"""How ``bulkreg submit`` and ``bulkreg status`` put a job into words: counts with their plural
right, each outcome and state as a person says it, and the exit status a script reads."""

from __future__ import annotations

# The exit status of ``submit`` and ``status`` by the job's state: a script tells "done",
# "a person must look" and "went wrong" apart without reading the output. 2 is left to
# argparse (a usage error) and 4 means "not finished yet" (``status`` only).
EXIT_STATUS = {"succeeded": 0, "needs_review": 3, "queued": 4, "running": 4}
PROBLEM = 1
UNFINISHED = {"queued", "running"}


def exit_status(state: str) -> int:
    """0 succeeded, 3 needs review, 4 still queued or running, 1 anything else."""
    return EXIT_STATUS.get(state, PROBLEM)


STATES = {
    "queued": "queued",
    "running": "running",
    "needs_review": "needs review",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
    "undone": "undone",
}

# Each outcome as a count reads: "3 registered", "1 already registered (conflict)".
OUTCOMES = {
    "registered": "registered",
    "overridden": "registered despite an earlier record (override)",
    "ready": "ready, waiting for the review",
    "skipped": "skipped as already registered",
    "conflict": "already registered (conflict)",
    "invalid": "not valid",
    "cancelled": "left out",
    "pending": "not processed yet",
}
NOT_REGISTERED = ("skipped", "conflict", "invalid", "cancelled")


def state(name: str) -> str:
    return STATES.get(name, name.replace("_", " "))


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``count(1, "participant")`` is "1 participant", ``count(2, …)`` "2 participants"."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def counts(job_counts: dict[str, int]) -> str:
    """ "4 participants: 3 registered, 1 skipped as already registered"."""
    total = job_counts.get("total", 0)
    parts = [f"{n:,} {OUTCOMES.get(k, k)}" for k, n in job_counts.items() if k != "total" and n]
    return count(total, "participant") + (": " + ", ".join(parts) if parts else "")


# A field of the API's answer as a person names it (the option or column they typed).
FIELDS = {
    "activity_type": "activity type",
    "occurred_on": "date",
    "duration_minutes": "duration",
    "notes": "notes",
    "on_conflict": "on conflict",
    "participants": "participants",
    "peer_mentor_id": "peer mentor id",
    "member_number": "member number",
    "email": "email",
    "override_duplicate": "override duplicate",
}


def field(loc: list[str | int]) -> str:
    """``["body", "activity", "activity_type"]`` is "activity type";
    ``["body", "participants", "line", 7, "email"]`` is "line 7, email";
    ``["body", "participants", 3, "email"]`` is "line 5, email" (the file's numbering)."""
    words: list[str] = []
    parts = [p for p in loc if p not in ("body", "activity", "query", "header")]
    i = 0
    while i < len(parts):
        part = parts[i]
        if part == "participants" and i + 1 < len(parts):
            following = parts[i + 1]
            if following == "line" and i + 2 < len(parts):
                words.append(f"line {parts[i + 2]}")
                i += 3
                continue
            if isinstance(following, int):
                words.append(f"line {following + 2}")
                i += 2
                continue
        words.append(FIELDS.get(str(part), str(part).replace("_", " ")))
        i += 1
    return ", ".join(words)
