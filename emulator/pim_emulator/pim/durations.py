"""ISO 8601 durations and Edm.DateTimeOffset values as Graph accepts them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# Edm.Duration is xs:dayTimeDuration: days, hours, minutes, seconds. Graph's OData parser rejects
# years, months and weeks (they have no fixed length), so do we.
_DURATION = re.compile(r"^P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def parse_duration(value: object) -> timedelta | None:
    """A timedelta, or None when ``value`` is not an ISO 8601 day-time duration (e.g. "2:00:00")."""
    if not isinstance(value, str):
        return None
    m = _DURATION.match(value.strip().upper())
    if not m:
        return None
    days, hours, minutes, seconds = m.groups()
    return timedelta(
        days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0), seconds=float(seconds or 0)
    )


def format_duration(td: timedelta) -> str:
    """The shortest ISO form Graph itself writes: PT8H, P365D, P1DT2H, PT5M."""
    total = int(td.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P" + (f"{days}D" if days else "")
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{seconds}S" if seconds else "")
    if time:
        out += "T" + time
    return out if out != "P" else "PT0S"


def parse_datetime(value: object) -> datetime | None:
    """An aware datetime, or None when ``value`` is not an Edm.DateTimeOffset (no offset -> None)."""
    if not isinstance(value, str) or not _OFFSET.search(value.strip()):
        return None
    text = value.strip()
    # Python before 3.11 choked on 7 fractional digits; Graph sends them, so trim to microseconds.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        dt = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return dt.astimezone(timezone.utc) if dt.tzinfo else None


def epoch(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def from_epoch(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)
