"""Time as the domain reads it: now is a UTC instant; a calendar day is the organization's.

An activity's date is a day where the organization is, not in UTC: at 00:30 in Oslo it is
already tomorrow there, and a visit made then must not read as one in the future. Use cases
take a ``Clock`` (``utcnow`` unless a test stops time) and ask here for the day it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Now, as an aware UTC instant."""
    return datetime.now(UTC)


def today_in(timezone: str, now: datetime) -> date:
    """The calendar day it is at ``now`` in ``timezone`` (an IANA name, the organization's)."""
    return now.astimezone(ZoneInfo(timezone)).date()
