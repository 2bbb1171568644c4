"""The test session: its settings first (``tests.support.session``), its leftovers last."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from tests.support.session import TEST_ROOT

# Property tests try the same examples on every run and never fail on time: no random seed,
# no saved examples from earlier runs, no deadline per example and no "too slow" check
# (two shared cores can make any example slow).
settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("deterministic")


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Keep the servers' data and logs of a failed run for reading; drop them otherwise."""
    if exitstatus == 0:
        import shutil

        shutil.rmtree(TEST_ROOT, ignore_errors=True)
