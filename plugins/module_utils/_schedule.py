# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations and datetimes as PIM needs them.

Private to the collection (leading underscore): may change in any release.

Graph takes durations only as ISO 8601 strings; msgraph-sdk serialises ``timedelta`` as
``str(td)`` ("2:00:00"), which Graph rejects (msgraph-sdk-python #1262), so every duration we
send is a string built here. Users may write ``PT8H`` or friendly forms (``8h``, ``90m``,
``365d``, ``2w``, ``1h30m``); both normalise to one canonical ISO form so ``PT60M`` and
``PT1H`` compare equal and a second run stays quiet.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_ISO_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
_FRIENDLY_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_FRIENDLY_WHOLE = re.compile(r"^(?:\s*\d+(?:\.\d+)?\s*[wdhms]\s*)+$", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


class ScheduleError(ValueError):
    """A duration or datetime the user gave that cannot be understood."""


def parse_duration(value, option: str = "duration") -> timedelta:
    """Read an ISO 8601 or friendly duration; the error names ``option`` and the valid forms."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or value is None:
        raise ScheduleError(f"{option}: expected a duration such as PT8H, 8h or 365d, got {value!r}")
    if isinstance(value, (int, float)):
        # A bare number is ambiguous (hours? seconds?): refuse rather than guess.
        raise ScheduleError(f"{option}: {value!r} has no unit; write it as PT{value}H, {value}h or {value}d")
    text = str(value).strip()
    match = _ISO_DURATION.match(text)
    if match:
        parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
        td = timedelta(
            weeks=parts["weeks"], days=parts["days"], hours=parts["hours"],
            minutes=parts["minutes"], seconds=parts["seconds"],
        )
    elif _FRIENDLY_WHOLE.match(text):
        seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in _FRIENDLY_PART.findall(text))
        td = timedelta(seconds=seconds)
    else:
        raise ScheduleError(
            f"{option}: {text!r} is not a duration; use ISO 8601 (PT8H, P365D, PT1H30M) "
            "or a friendly form (8h, 90m, 365d, 2w, 1h30m)"
        )
    if td <= timedelta(0):
        raise ScheduleError(f"{option}: {text!r} must be longer than zero")
    return td


def to_iso_duration(td: timedelta) -> str:
    """The canonical ISO 8601 form Graph itself answers with: days, then a time part."""
    total = int(round(td.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P"
    if days:
        out += f"{days}D"
    if hours or minutes or seconds:
        out += "T"
        if hours:
            out += f"{hours}H"
        if minutes:
            out += f"{minutes}M"
        if seconds:
            out += f"{seconds}S"
    return out if out != "P" else "PT0S"


def normalize_duration(value, option: str = "duration") -> str:
    """Any accepted duration -> canonical ISO 8601 string."""
    return to_iso_duration(parse_duration(value, option))


def same_duration(left, right) -> bool:
    """True when two durations (ISO strings, friendly strings or None) mean the same."""
    if left is None or right is None:
        return left is None and right is None
    try:
        return parse_duration(left) == parse_duration(right)
    except ScheduleError:
        return str(left) == str(right)


def parse_datetime(value, option: str = "datetime") -> datetime:
    """ISO 8601 datetime with an explicit offset (Graph refuses offset-less ones, msgraph-sdk-python #566).

    A bare date (``2027-01-31``) means midnight UTC, which is what a person writing a date means
    for an expiry; a datetime without offset is refused rather than guessed.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ScheduleError(f"{option}: {value.isoformat()} has no UTC offset; add Z or +01:00")
        return value
    text = str(value).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        except ValueError as exc:  # e.g. 2030-13-45: say which option, not only "month must be in 1..12"
            raise ScheduleError(f"{option}: {text!r} is not a valid date ({exc})") from None
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    # Graph answers with 7 fractional digits; fromisoformat before 3.11 takes at most 6.
    iso = re.sub(r"(\.\d{6})\d+", r"\1", iso)
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        raise ScheduleError(
            f"{option}: {text!r} is not an ISO 8601 datetime such as 2027-01-31T18:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise ScheduleError(f"{option}: {text!r} has no UTC offset; add Z or an offset such as +01:00")
    return parsed


def format_datetime(dt: datetime) -> str:
    """The form we send: UTC, seconds precision, ``Z``."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
