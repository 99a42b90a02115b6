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
