"""Loaded into a test worker with ``--include``: pauses a child after a job's task has
returned (committed) but before the parent acknowledges the message, so a test can kill it
exactly there. Active only when ``BULKREG_TEST_PAUSE_FILE`` names a file that exists."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery.signals import task_postrun


@task_postrun.connect
def pause_after_commit(sender: Any = None, task_id: str | None = None, **_: Any) -> None:
    flag = os.environ.get("BULKREG_TEST_PAUSE_FILE")
    if (
        not flag
        or not Path(flag).exists()
        or getattr(sender, "name", "") != "bulkreg.process_bulk_job"
    ):
        return
    Path(flag + ".paused").write_text(str(os.getpid()))
    time.sleep(120)
