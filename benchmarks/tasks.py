"""The baseline task for the end-to-end benchmark: a Celery round trip doing nothing but
counting itself in Redis. Loaded into the benchmark's worker with ``--include``."""

from __future__ import annotations

import redis

from bulkreg.config import broker_url
from workers.app import app, settings

COUNTER = "bulkreg:bench:noop"


@app.task(name="bulkreg.bench_noop")
def noop() -> None:
    redis.Redis.from_url(broker_url(settings)).incr(COUNTER)
