"""What operators read across organizations: counts only, through ``app.job_counts()``
(migration 0010) — the API's role may learn how many jobs there are, never read them."""

from __future__ import annotations

from sqlalchemy import Engine, text

from domain.model import JobStatus

JOB_COUNTS = text("select status, jobs from app.job_counts()")


def jobs_by_status(engine: Engine) -> dict[JobStatus, int]:
    with engine.connect() as conn:
        return {JobStatus(row.status): int(row.jobs) for row in conn.execute(JOB_COUNTS)}
