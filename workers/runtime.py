"""Per-process wiring: one engine (created after fork) and the after-commit publisher."""

from __future__ import annotations

import logging
from functools import lru_cache
from uuid import UUID

from bulkreg.config import api_database_url, broker_url, worker_database_url
from bulkreg.settings import get_settings
from persistence.database import make_engine
from persistence.uow import SqlUnitsOfWork

log = logging.getLogger(__name__)


def enqueue(job_id: UUID) -> None:
    """Send the job to the workers. A broker outage does not fail the caller: the job row is
    the outbox and ``bulkreg.sweep_stuck_jobs`` sends it again later."""
    from workers.tasks import process_bulk_job

    args = [str(job_id)]
    try:
        process_bulk_job.apply_async(
            args=args,
            argsrepr=repr(args),  # what Flower shows; Celery's own saferepr costs more
            kwargsrepr="{}",
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception:  # any broker failure: the sweeper covers it
        log.warning("could not send job %s to the broker; the sweeper will", job_id, exc_info=True)


def broker_answers() -> bool:
    import redis

    try:
        url = broker_url(get_settings())
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@lru_cache(maxsize=1)
def uows() -> SqlUnitsOfWork:
    """The API's units of work, as ``bulkreg_api``: it cannot act as maintenance."""
    settings = get_settings()
    engine = make_engine(api_database_url(settings), pool_size=settings.db_pool_size)
    return SqlUnitsOfWork(engine, enqueue)


@lru_cache(maxsize=1)
def worker_uows() -> SqlUnitsOfWork:
    """The workers' units of work, as ``bulkreg_worker``: claims, sweeps, reconciling."""
    settings = get_settings()
    engine = make_engine(worker_database_url(settings), pool_size=settings.db_pool_size)
    return SqlUnitsOfWork(engine, enqueue)


def reset_after_fork() -> None:
    """A forked child must not share its parent's sockets."""
    for cached in (uows, worker_uows):
        if cached.cache_info().currsize:
            cached().engine.dispose(close=False)
        cached.cache_clear()
