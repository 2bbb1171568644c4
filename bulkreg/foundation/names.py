"""The names of Celery's tasks and queues, in one place: the publisher, the workers, beat,
the logs and the metrics all refer to them by these constants, never by a string of their own.
A task's name is part of the wire format between processes: renaming one strands the messages
already queued under the old name."""

from __future__ import annotations

JOB_TASK = "bulkreg.process_bulk_job"
SWEEP_TASK = "bulkreg.sweep_stuck_jobs"
RECONCILE_TASK = "bulkreg.reconcile"
RETENTION_TASK = "bulkreg.retention"

SMALL_QUEUE = "bulk.small"  # also the default queue: beat's upkeep tasks go there
LARGE_QUEUE = "bulk.large"
QUEUES = (SMALL_QUEUE, LARGE_QUEUE)
