"""What operators read across organizations: numbers only, through the definer functions
``app.job_counts()`` and ``app.queue_depths()`` — the API's role may learn how many jobs
there are and how long they wait, never read them."""

from __future__ import annotations

from sqlalchemy import Engine, text

from domain.model import JobStatus

JOB_COUNTS = text("select status, jobs from app.job_counts()")
QUEUE_DEPTHS = text("select queue, waiting, oldest_age_seconds from app.queue_depths(:large)")


def jobs_by_status(engine: Engine) -> dict[JobStatus, int]:
    with engine.connect() as conn:
        return {JobStatus(row.status): int(row.jobs) for row in conn.execute(JOB_COUNTS)}


def queue_depths(engine: Engine, large_job_participants: int) -> dict[str, tuple[int, float]]:
    """Per queue with waiting jobs: how many, and the age in seconds of the oldest."""
    with engine.connect() as conn:
        rows = conn.execute(QUEUE_DEPTHS, {"large": large_job_participants})
        return {row.queue: (int(row.waiting), float(row.oldest_age_seconds)) for row in rows}
