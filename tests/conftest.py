"""The test session: its settings first (``tests.support.session``), its leftovers last."""

from __future__ import annotations

from tests.support.session import TEST_ROOT


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Keep the servers' data and logs of a failed run for reading; drop them otherwise."""
    if exitstatus == 0:
        import shutil

        shutil.rmtree(TEST_ROOT, ignore_errors=True)
