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
# ISO 8601 also has years and months (P1Y, P1M, P1Y2M10D); recognised only to say why they are refused.
_ISO_CALENDAR = re.compile(
    r"^P(?=\d+[YM]|.*\d+Y)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$",
    re.IGNORECASE,
)
_FRIENDLY_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_FRIENDLY_WHOLE = re.compile(r"^(?:\s*\d+(?:\.\d+)?\s*[wdhms]\s*)+$", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}

# The longest duration any option takes: 100 years. PIM's own longest is a year (an eligibility's
# maximum, P365D), and ``audit_since`` reaches back a few weeks, so nothing real is refused; what
# it bounds is arithmetic: ``now +/- duration`` then always stays inside the datetimes Python and
# Graph can represent (years 1 to 9999), and an overflowing input fails here with its option named.
LONGEST = timedelta(days=36500)
# Datetimes we accept: far inside Python's range, so a datetime plus LONGEST cannot overflow either,
# whatever its offset (9999-12-31T23:59:59-14:00 is year 10000 in UTC).
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)


class ScheduleError(ValueError):
    """A duration or datetime the user gave that cannot be understood."""


def describe_span(td: timedelta) -> str:
    """``PT5M (5 minutes)``: the ISO form and words, for error messages."""
    seconds = int(td.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            count = seconds // size
            return f"{to_iso_duration(td)} ({count} {unit}{'s' if count != 1 else ''})"
    return to_iso_duration(td)


def _calendar_error(option, text, match):
    years, months = int(match.group("years") or 0), int(match.group("months") or 0)
    days = years * 365 + months * 30 + int(match.group("weeks") or 0) * 7 + int(match.group("days") or 0)
    return ScheduleError(
        f"{option}: {text!r} is ISO 8601, but years and months are not accepted here: their length varies "
        "(a month is 28 to 31 days, a year 365 or 366), and PIM's durations in Graph count days, hours and "
        f"minutes; write it in days, for example P{max(days, 1)}D"
    )


def parse_duration(value, option: str = "duration", minimum: timedelta | None = None,
                   maximum: timedelta | None = None, why: str | None = None) -> timedelta:
    """Read an ISO 8601 or friendly duration; the error names ``option`` and the valid forms or range.

    Durations are whole seconds (Graph's own answers never carry fractions), longer than zero, at
    least ``minimum`` and at most ``maximum`` (``LONGEST`` when not given); ``why`` says where a
    range comes from, in the error.
    """
    if isinstance(value, timedelta):
        td, text = value, to_iso_duration(value)
    else:
        td, text = _read_duration(value, option)
    if td.total_seconds() != int(td.total_seconds()):
        raise ScheduleError(f"{option}: {text!r} is not a whole number of seconds; PIM durations are counted in "
                            "whole seconds (write PT1S or more)")
    if td <= timedelta(0):
        raise ScheduleError(f"{option}: {text!r} must be longer than zero")
    low, high = minimum or timedelta(seconds=1), maximum or LONGEST
    if td < low or td > high:
        word = "shorter" if td < low else "longer"
        bound = low if td < low else high
        raise ScheduleError(
            f"{option}: {text!r} is {word} than {describe_span(bound)}; give a duration from "
            f"{to_iso_duration(low)} to {to_iso_duration(high)}" + (f" ({why})" if why else "")
        )
    return td


def looks_like_duration(text) -> bool:
    """Whether ``text`` is written as a duration (ISO 8601, with or without years and months, or friendly),
    whatever its value: to tell a bad duration from something that is not one at all."""
    text = str(text).strip()
    return bool(_ISO_DURATION.match(text) or _ISO_CALENDAR.match(text) or _FRIENDLY_WHOLE.match(text))


def _read_duration(value, option):
    if isinstance(value, bool) or value is None:
        raise ScheduleError(f"{option}: expected a duration such as PT8H, 8h or 365d, got {value!r}")
    if isinstance(value, (int, float)):
        # A bare number is ambiguous (hours? seconds?): refuse rather than guess.
        raise ScheduleError(f"{option}: {value!r} has no unit; write it as PT{value}H, {value}h or {value}d")
    text = str(value).strip()
    match = _ISO_DURATION.match(text)
    try:
        if match:
            parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
            seconds = (parts["weeks"] * 604800 + parts["days"] * 86400 + parts["hours"] * 3600
                       + parts["minutes"] * 60 + parts["seconds"])
        elif _FRIENDLY_WHOLE.match(text):
            seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in _FRIENDLY_PART.findall(text))
        else:
            calendar = _ISO_CALENDAR.match(text)
            if calendar:
                raise _calendar_error(option, text, calendar)
            raise ScheduleError(
                f"{option}: {text!r} is not a duration; use ISO 8601 (PT8H, P365D, PT1H30M) "
                "or a friendly form (8h, 90m, 365d, 2w, 1h30m)"
            )
        # Compare before building a timedelta: P99999999999D overflows timedelta itself.
        if seconds > LONGEST.total_seconds():
            raise ScheduleError(f"{option}: {text!r} is longer than {describe_span(LONGEST)}, the longest duration "
                                f"accepted; give a duration from PT1S to {to_iso_duration(LONGEST)}")
        return timedelta(seconds=seconds), text
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, ScheduleError):
            raise
        raise ScheduleError(f"{option}: {text!r} is out of range; give a duration from PT1S to "
                            f"{to_iso_duration(LONGEST)}") from None


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


def parse_datetime(value, option: str | None = None) -> datetime:
    """ISO 8601 datetime with an explicit offset (Graph refuses offset-less ones, msgraph-sdk-python #566).

    A bare date (``2027-01-31``) means midnight UTC, which is what a person writing a date means
    for an expiry; a datetime without offset is refused rather than guessed.

    ``option`` names user input, which must also lie between EARLIEST and LATEST. Without it the
    value was read from Graph and is taken as Graph wrote it: the state of a tenant must stay
    readable whatever dates it holds.
    """
    if option is None:
        return _parse_datetime(value, "datetime", bounded=False)
    return _parse_datetime(value, option, bounded=True)


def _parse_datetime(value, option, bounded):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ScheduleError(f"{option}: {value.isoformat()} has no UTC offset; add Z or +01:00")
        return _in_range(value, value.isoformat(), option) if bounded else value
    text = str(value).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        try:
            parsed = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
            return _in_range(parsed, text, option) if bounded else parsed
        except ValueError as exc:  # e.g. 2030-13-45: say which option, not only "month must be in 1..12"
            if isinstance(exc, ScheduleError):
                raise
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
    return _in_range(parsed, text, option) if bounded else parsed


def _in_range(parsed, text, option):
    """``parsed`` when it lies between EARLIEST and LATEST; converting to UTC first, which itself
    overflows for 9999-12-31 with a negative offset."""
    try:
        utc = parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ScheduleError(f"{option}: {text!r} is outside the datetimes accepted; give one from "
                            f"{format_datetime(EARLIEST)} to before {format_datetime(LATEST)}")
    return parsed


def format_datetime(dt: datetime) -> str:
    """The form we send: UTC, seconds precision, ``Z``."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
