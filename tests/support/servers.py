"""Real servers for a test session or a benchmark run: an embedded PostgreSQL migrated to head
and an embedded Redis, in a data dir of the caller's, stopped when the block ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bulkreg.devstack.postgres import SUPERUSER, EmbeddedPostgres
from bulkreg.devstack.redis import EmbeddedRedis
from persistence import migrate


@dataclass(frozen=True)
class Servers:
    api_url: str
    worker_url: str
    owner_url: str
    superuser_url: str
    broker_url: str
    data_dir: Path

    @property
    def env(self) -> dict[str, str]:
        """What a child process needs to use these servers, as ``bulkreg up`` hands it to
        its children: each process connects as its own role."""
        return {
            "BULKREG_DATA_DIR": str(self.data_dir),
            "BULKREG_DATABASE_URL": self.api_url,
            "BULKREG_WORKER_DATABASE_URL": self.worker_url,
            "BULKREG_ADMIN_DATABASE_URL": self.owner_url,
            "BULKREG_REDIS_URL": self.broker_url,
        }


@contextmanager
def embedded_servers(
    data_dir: Path, redis_port: int, pg_settings: tuple[str, ...] = ()
) -> Iterator[Servers]:
    pg = EmbeddedPostgres(data_dir, pg_settings)
    redis = EmbeddedRedis(data_dir, redis_port)
    with pg.server(), redis.server():
        pg.bootstrap()
        migrate.upgrade(pg.urls.owner)
        urls = pg.urls
        # The superuser on the application's database: the tests' observer, whom RLS does
        # not filter.
        superuser = pg.url(SUPERUSER)
        yield Servers(urls.api, urls.worker, urls.owner, superuser, redis.url, data_dir)
