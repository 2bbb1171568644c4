"""Test-wide settings, fixed before any project module reads them (the root conftest
imports this module first).

Every test session gets its own data dir and ports: the embedded PostgreSQL and Redis the
integration tests start, and the ``bulkreg up`` the e2e tests start, never touch a
developer's ``.bulkreg/`` or a running stack. Short leases and sweep intervals keep the
fault tests fast.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.support.net import free_port

TEST_ROOT = Path(tempfile.mkdtemp(prefix="bulkreg-test-", dir="/tmp"))
for name in (
    "BULKREG_DATABASE_URL",
    "BULKREG_WORKER_DATABASE_URL",
    "BULKREG_ADMIN_DATABASE_URL",
    "BULKREG_REDIS_URL",
):
    os.environ.pop(name, None)
os.environ.update(
    {
        "BULKREG_ENV": "test",
        "BULKREG_DATA_DIR": str(TEST_ROOT / "integration"),
        "BULKREG_EMBEDDED_REDIS_PORT": str(free_port()),
        "BULKREG_JWT_SECRET": "test-secret-" + "x" * 40,
        "BULKREG_FLOWER_BASIC_AUTH": "tester:flower-test-password",
        "BULKREG_LEASE_SECONDS": "30",
        "BULKREG_MAX_ATTEMPTS": "5",
        "BULKREG_RETRY_BACKOFF_MAX": "2",
        "BULKREG_TASK_TIME_LIMIT": "120",
        "BULKREG_VISIBILITY_TIMEOUT": "600",
    }
)
