# -*- coding: utf-8 -*-
# Copyright: (c) 2026, entra.pim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations and datetimes: what users write, what Graph answers, what we send."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.entra.pim.plugins.module_utils._schedule import (
    ScheduleError,
    format_datetime,
    normalize_duration,
    parse_datetime,
    parse_duration,
    same_duration,
    to_iso_duration,
)


@pytest.mark.parametrize("text, expected", [
    ("PT8H", timedelta(hours=8)),
    ("pt8h", timedelta(hours=8)),
    ("P365D", timedelta(days=365)),
    ("PT1H30M", timedelta(minutes=90)),
    ("P1DT2H", timedelta(days=1, hours=2)),
    ("P2W", timedelta(weeks=2)),
    ("8h", timedelta(hours=8)),
    ("90m", timedelta(minutes=90)),
    ("365d", timedelta(days=365)),
    ("2w", timedelta(weeks=2)),
    ("1h30m", timedelta(minutes=90)),
    (" 1h 30m ", timedelta(minutes=90)),
    (timedelta(hours=2), timedelta(hours=2)),
])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("value, fragment", [
    ("P", "is not a duration"),
    ("PT", "is not a duration"),
    ("8 hours", "is not a duration"),
    ("", "is not a duration"),
    ("PT0S", "longer than zero"),
    ("0h", "longer than zero"),
    (8, "has no unit"),
    (None, "expected a duration"),
    (True, "expected a duration"),
])
def test_bad_durations_name_the_option(value, fragment):
    with pytest.raises(ScheduleError) as err:
        parse_duration(value, "activation.max_duration")
    assert fragment in str(err.value)
    assert str(err.value).startswith("activation.max_duration:")


@pytest.mark.parametrize("text, canonical", [
    ("PT60M", "PT1H"), ("60m", "PT1H"), ("PT3600S", "PT1H"), ("P1D", "P1D"), ("24h", "P1D"),
    ("PT24H", "P1D"), ("52w", "P364D"), ("1h30m", "PT1H30M"), ("P1DT0H", "P1D"), ("PT90S", "PT1M30S"),
])
def test_normalize_duration(text, canonical):
    assert normalize_duration(text) == canonical


def test_to_iso_duration_zero():
    assert to_iso_duration(timedelta(0)) == "PT0S"


def test_same_duration():
    assert same_duration("PT60M", "PT1H")
    assert same_duration("8h", "PT8H")
    assert not same_duration("PT8H", "PT9H")
    assert same_duration(None, None)
    assert not same_duration(None, "PT1H")
    # Unparseable values are compared as text rather than raising.
    assert same_duration("weird", "weird") and not same_duration("weird", "PT1H")


def test_parse_datetime_keeps_offsets_and_graph_precision():
    assert parse_datetime("2025-01-01T08:00:00Z") == datetime(2025, 1, 1, 8, tzinfo=timezone.utc)
    parsed = parse_datetime("2022-04-12T09:05:41.8532931Z")
    assert parsed.microsecond == 853293 and parsed.tzinfo is not None
    assert parse_datetime("2025-01-01T09:00:00+01:00") == datetime(2025, 1, 1, 8, tzinfo=timezone.utc)
    assert parse_datetime("2027-01-31") == datetime(2027, 1, 31, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", ["2024-01-19T13:38:22.169688", datetime(2025, 1, 1), "tomorrow"])
def test_parse_datetime_refuses_ambiguity(value):
    with pytest.raises(ScheduleError):
        parse_datetime(value, "start")


def test_format_datetime_is_utc_z():
    dt = datetime(2025, 1, 1, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert format_datetime(dt) == "2025-01-01T08:00:00Z"


def test_impossible_date_names_the_option_and_the_value():
    with pytest.raises(ScheduleError) as err:
        parse_datetime("2030-13-45", "end")
    assert str(err.value).startswith("end: '2030-13-45' is not a valid date")


# ---- out of range, fractions, calendar units (issue 17.7, 14.7) ---------------------------------

@pytest.mark.parametrize("value, fragments", [
    ("P99999999999D", ["longer than P36500D", "from PT1S to P36500D"]),
    ("PT99999999999999999999H", ["longer than P36500D"]),
    ("9" * 400 + "d", ["longer than P36500D"]),
    ("PT0.4S", ["not a whole number of seconds"]),
    ("PT1.5S", ["not a whole number of seconds"]),
])
def test_overflowing_and_sub_second_durations_fail_cleanly(value, fragments):
    with pytest.raises(ScheduleError) as err:
        parse_duration(value, "eligible_assignment.max_duration")
    assert str(err.value).startswith("eligible_assignment.max_duration:")
    for fragment in fragments:
        assert fragment in str(err.value)


@pytest.mark.parametrize("value, suggestion", [
    ("P1M", "P30D"), ("p3m", "P90D"), ("P1Y", "P365D"), ("P1Y2M", "P425D"), ("P1M2D", "P32D"),
    ("P1MT2H", "P30D"),
])
def test_months_and_years_are_iso_but_refused_with_a_reason(value, suggestion):
    with pytest.raises(ScheduleError) as err:
        parse_duration(value, "duration")
    text = str(err.value)
    assert "is ISO 8601" in text and "not a duration" not in text
    assert "length varies" in text and f"for example {suggestion}" in text


def test_minutes_stay_minutes():
    # ISO's M after T and the friendly m are minutes; only P...M (before T) is a month.
    assert parse_duration("PT1M") == timedelta(minutes=1)
    assert parse_duration("1m") == timedelta(minutes=1)


def test_ranges_name_the_option_the_range_and_why():
    with pytest.raises(ScheduleError) as err:
        parse_duration("PT30S", "duration", minimum=timedelta(minutes=5), maximum=timedelta(hours=24),
                       why="PIM activations last 5 minutes to 24 hours")
    assert str(err.value) == ("duration: 'PT30S' is shorter than PT5M (5 minutes); give a duration from PT5M "
                              "to P1D (PIM activations last 5 minutes to 24 hours)")
    with pytest.raises(ScheduleError) as err:
        parse_duration("25h", "duration", maximum=timedelta(hours=24))
    assert "longer than P1D (1 day)" in str(err.value)
    assert parse_duration("PT5M", "duration", minimum=timedelta(minutes=5)) == timedelta(minutes=5)


@pytest.mark.parametrize("value", [
    "9999-12-31T23:59:59-14:00",  # year 10000 in UTC: astimezone() itself overflows
    "9999-12-31T00:00:00Z",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "1969-12-31T23:59:59Z",
])
def test_datetimes_out_of_range_fail_cleanly(value):
    with pytest.raises(ScheduleError) as err:
        parse_datetime(value, "end")
    assert str(err.value).startswith("end:")
    assert "from 1970-01-01T00:00:00Z to before 9000-01-01T00:00:00Z" in str(err.value)


def test_the_latest_datetime_plus_the_longest_duration_does_not_overflow():
    from ansible_collections.entra.pim.plugins.module_utils._schedule import LONGEST
    end = parse_datetime("8999-12-31T09:59:59-14:00", "end") + LONGEST
    assert format_datetime(end).startswith("9099-")


def test_datetimes_read_from_graph_are_not_held_to_the_input_range():
    # A tenant's state must stay readable whatever dates it holds; only user input (an option) is bounded.
    assert parse_datetime("9999-12-31T23:59:59.9999999Z").year == 9999
    assert parse_datetime("0001-01-01T00:00:00Z").year == 1
    with pytest.raises(ScheduleError, match="^end:"):
        parse_datetime("9999-12-31T23:59:59Z", "end")
