"""Celery's settings, read when Celery first needs them (``config_from_object``), never at
import of the app: every setting that matters for not losing or doubling a job lives here.

* ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only after
  the task returns, so a killed worker's job is redelivered; the claim makes redelivery safe.
* ``worker_prefetch_multiplier=1``: a worker holds one unstarted job at a time.
* ``task_time_limit`` below Redis' ``visibility_timeout`` (600 s and 900 s by default): a task
  is killed before Redis would hand its message to another worker. A killed worker's job does
  not wait for that: the sweeper (every ``BULKREG_SWEEP_INTERVAL_SECONDS``) takes over a
  running job whose worker's transaction is gone, and sends it again.
* JSON only, ids only as arguments; results are not stored — the database is the truth.
"""

from __future__ import annotations

from bulkreg.foundation.names import RECONCILE_TASK, RETENTION_TASK, SMALL_QUEUE, SWEEP_TASK
from bulkreg.foundation.settings import get_settings

_settings = get_settings()
if _settings.task_time_limit >= _settings.visibility_timeout:
    raise ValueError("BULKREG_TASK_TIME_LIMIT must be below BULKREG_VISIBILITY_TIMEOUT")
if not _settings.redis_url:
    raise ValueError("BULKREG_REDIS_URL is not set (bulkreg up sets it for its processes)")

broker_url = _settings.redis_url
# Small jobs and beat's upkeep share the default queue; large jobs have their own
# (bulkreg.publisher.queue_for) and their own worker.
task_default_queue = SMALL_QUEUE
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
task_serializer = "json"
accept_content = ["json"]
result_serializer = "json"
task_ignore_result = True
task_store_errors_even_if_ignored = False
task_time_limit = _settings.task_time_limit
task_soft_time_limit = max(1, _settings.task_time_limit - 10)
broker_transport_options = {
    "visibility_timeout": _settings.visibility_timeout,
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
broker_connection_retry_on_startup = True
worker_send_task_events = True
# Flower lists tasks from the worker's events; a sent event cost every submit a publish.
task_send_sent_event = False
worker_hijack_root_logger = False
# A stop is SIGTERM, Celery's warm shutdown: the job at hand finishes, then the worker exits
# (an idle one at once). SIGQUIT — what ``bulkreg up`` sends a worker still busy after
# WORKER_SOFT_SHUTDOWN_SECONDS — is the cold shutdown, at once: Celery's soft shutdown would
# sleep its whole timeout even when the job ends a moment after the signal. A job cut short
# is given back and taken over by the next sweep.
worker_soft_shutdown_timeout = 0
beat_schedule = {
    "sweep-stuck-jobs": {
        "task": SWEEP_TASK,
        "schedule": _settings.sweep_interval_seconds,
    },
    "reconcile": {"task": RECONCILE_TASK, "schedule": _settings.reconcile_interval_seconds},
    # Once a day: what is no longer needed is deleted (docs/privacy.md, "Retention").
    "retention": {"task": RETENTION_TASK, "schedule": 24 * 60 * 60},
}
