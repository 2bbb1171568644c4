"""The baseline task for the end-to-end benchmark: a Celery round trip doing nothing but
counting itself in Redis. Loaded into the benchmark's worker with ``--include``.

The counter's client is made once per process (redis-py reconnects after the fork): a client
made per task would open a connection per round trip and flatter every ratio against it."""

from __future__ import annotations

import redis

from bulkreg.foundation.settings import get_settings
from workers.app import app

COUNTER = "bulkreg:bench:noop"
_counter = redis.Redis.from_url(get_settings().redis_url or "")


@app.task(name="bulkreg.bench_noop")
def noop() -> None:
    _counter.incr(COUNTER)
