"""Logging for every process of the stack: text by default, JSON lines on request
(``BULKREG_LOG_FORMAT=json``). Whatever is logged while a job is processed carries its
``job_id``, set by the worker for the duration of the task."""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar, Token

from pythonjsonlogger.json import JsonFormatter

from bulkreg.foundation.names import JOB_TASK

current_job_id: ContextVar[str | None] = ContextVar("current_job_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(job_suffix)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(job_id)s"

UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class JobContext(logging.Filter):
    """Adds ``job_id``: from the task being run, else from Celery's own record of a job
    message (the worker's "received" line carries the task's arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        job_id = getattr(record, "job_id", None) or current_job_id.get()
        data = getattr(record, "data", None)
        if job_id is None and isinstance(data, dict) and data.get("name") == JOB_TASK:
            found = UUID_PATTERN.search(str(data.get("args", "")))
            job_id = found.group(0) if found else None
        record.job_id = job_id
        return True


class TextJobSuffix(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        job_id = getattr(record, "job_id", None)
        record.job_suffix = f" [job {job_id}]" if job_id else ""
        return super().format(record)


def enter_job(job_id: str) -> Token[str | None]:
    return current_job_id.set(job_id)


def leave_job(token: Token[str | None]) -> None:
    current_job_id.reset(token)


def configure(log_format: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(JobContext())
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                JSON_FIELDS,
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(TextJobSuffix(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "celery.task"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
