"""Where the servers are: configured URLs, or the embedded ones under the data dir.

Each process connects as the role its work needs: the API as ``bulkreg_api``, the workers
(and beat) as ``bulkreg_worker``, migrations and provisioning as the owner.
"""

from __future__ import annotations

from bulkreg.settings import Settings
from persistence.embedded import EmbeddedPostgres
from workers.embedded_redis import EmbeddedRedis


def embedded_postgres(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.data_path)


def embedded_redis(settings: Settings) -> EmbeddedRedis:
    return EmbeddedRedis(settings.data_path, settings.embedded_redis_port)


def api_database_url(settings: Settings) -> str:
    if settings.database_url:
        return _with_driver(settings.database_url)
    return embedded_postgres(settings).urls.api


def worker_database_url(settings: Settings) -> str:
    if settings.worker_database_url:
        return _with_driver(settings.worker_database_url)
    if settings.database_url:
        raise ValueError("BULKREG_WORKER_DATABASE_URL must be set with BULKREG_DATABASE_URL")
    return embedded_postgres(settings).urls.worker


def owner_database_url(settings: Settings) -> str:
    if settings.admin_database_url:
        return _with_driver(settings.admin_database_url)
    if settings.database_url:
        return _with_driver(settings.database_url)
    return embedded_postgres(settings).urls.owner


def broker_url(settings: Settings) -> str:
    return settings.redis_url or embedded_redis(settings).url


def _with_driver(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
