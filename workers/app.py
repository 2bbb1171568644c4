"""The Celery app. Every setting that matters for not losing or doubling a job lives here.

* ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only after
  the task returns, so a killed worker's job is redelivered; the claim makes redelivery safe.
* ``worker_prefetch_multiplier=1``: a worker holds one unstarted job at a time.
* ``task_time_limit`` well below Redis' ``visibility_timeout``: a task is killed long before
  Redis would hand its message to another worker.
* JSON only, ids only as arguments; results are not stored — the database is the truth.
"""

from __future__ import annotations

from celery import Celery

from bulkreg.config import broker_url
from bulkreg.settings import get_settings

settings = get_settings()
if settings.task_time_limit >= settings.visibility_timeout:
    raise ValueError("BULKREG_TASK_TIME_LIMIT must be below BULKREG_VISIBILITY_TIMEOUT")

app = Celery("bulkreg", broker=broker_url(settings), include=["workers.tasks"])
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_ignore_result=True,
    task_store_errors_even_if_ignored=False,
    task_time_limit=settings.task_time_limit,
    task_soft_time_limit=max(1, settings.task_time_limit - 10),
    broker_transport_options={
        "visibility_timeout": settings.visibility_timeout,
        "socket_connect_timeout": 3,
        "socket_timeout": 10,
    },
    broker_connection_retry_on_startup=True,
    worker_send_task_events=True,
    task_send_sent_event=False,  # Flower lists tasks from the worker's events; this one cost every submit a publish
    worker_hijack_root_logger=False,
    beat_schedule={
        "sweep-stuck-jobs": {
            "task": "bulkreg.sweep_stuck_jobs",
            "schedule": settings.sweep_interval_seconds,
        },
        "reconcile": {
            "task": "bulkreg.reconcile",
            "schedule": settings.reconcile_interval_seconds,
        },
    },
)
