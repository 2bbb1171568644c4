"""The unit tests' in-memory organization (``tests.support.staffed``), fresh for each test."""

from __future__ import annotations

import pytest

from tests.support.fakes import FakeUnitsOfWork
from tests.support.staffed import staffed


@pytest.fixture
def uows() -> FakeUnitsOfWork:
    return staffed()
