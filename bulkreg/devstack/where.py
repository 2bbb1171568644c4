"""Where the servers are: configured URLs, or the embedded ones under the data dir (started
here when a command needs the database and nothing runs it).

Each process connects as the role its work needs: the API as ``bulkreg_api``, the workers
(and beat) as ``bulkreg_worker``, migrations and provisioning as the owner. The embedded
servers' packages are a dev extra, imported only when the embedded servers are used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from bulkreg.foundation.settings import Settings
from persistence.database import sqlalchemy_url

if TYPE_CHECKING:
    from bulkreg.devstack.postgres import EmbeddedPostgres
    from bulkreg.devstack.redis import EmbeddedRedis


def embedded_postgres(settings: Settings) -> EmbeddedPostgres:
    from bulkreg.devstack.postgres import EmbeddedPostgres

    return EmbeddedPostgres(settings.data_path)


def embedded_redis(settings: Settings) -> EmbeddedRedis:
    from bulkreg.devstack.redis import EmbeddedRedis

    return EmbeddedRedis(settings.data_path, settings.embedded_redis_port)


@contextmanager
def database(settings: Settings) -> Iterator[None]:
    """Make sure the database answers for the duration of the block: start the embedded
    server when it is not already running (then stop it again), bootstrap its roles."""
    with ExitStack() as stack:
        if settings.embedded_database:
            pg = embedded_postgres(settings)
            if not pg.is_running():
                stack.enter_context(pg.server())
            pg.bootstrap()
        yield


def api_database_url(settings: Settings) -> str:
    if settings.database_url:
        return sqlalchemy_url(settings.database_url)
    return embedded_postgres(settings).urls.api


def worker_database_url(settings: Settings) -> str:
    if settings.worker_database_url:
        return sqlalchemy_url(settings.worker_database_url)
    if settings.database_url:
        raise ValueError("BULKREG_WORKER_DATABASE_URL must be set with BULKREG_DATABASE_URL")
    return embedded_postgres(settings).urls.worker


def owner_database_url(settings: Settings) -> str:
    if settings.admin_database_url:
        return sqlalchemy_url(settings.admin_database_url)
    if settings.database_url:
        return sqlalchemy_url(settings.database_url)
    return embedded_postgres(settings).urls.owner


def broker_url(settings: Settings) -> str:
    return settings.redis_url or embedded_redis(settings).url
