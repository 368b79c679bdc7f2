"""Date lines → exact instants with the Asia/Tehran offset of that date."""

from __future__ import annotations

import pytest

from feedapp.core.errors import ReleaseError
from feedapp.core.jalali import TEHRAN, format_jalali, parse_date_line, parse_iso_instant, rfc3339


@pytest.mark.parametrize(
    "line, expected_utc, expected_local, has_time",
    [
        # The seed: Tuesday 1392/12/20 = 2014-03-11, +03:30; date only → noon in Tehran.
        ("سهشنبه ۱۳۹۲/۱۲/۲۰", "2014-03-11T08:30:00+00:00", "2014-03-11T12:00:00+03:30", False),
        # Summer daylight time in force (1991-2005, 2008-2022): +04:30.
        ("1398/04/01 10:15", "2019-06-22T05:45:00+00:00", "2019-06-22T10:15:00+04:30", True),
        ("شنبه ۱ تیر ۱۳۹۸ - ساعت ۱۰:۱۵", "2019-06-22T05:45:00+00:00", "2019-06-22T10:15:00+04:30", True),
        # 2006-2007 had no daylight time: +03:30 in summer.
        ("1385/04/01 10:15", "2006-06-22T06:45:00+00:00", "2006-06-22T10:15:00+03:30", True),
        # Daylight time was abolished after 2022: +03:30 in summer 1402.
        ("1402/04/01 10:15", "2023-06-22T06:45:00+00:00", "2023-06-22T10:15:00+03:30", True),
        # The leap day of 1403 (a 33-year-rule leap year).
        ("۱۴۰۳/۱۲/۳۰", "2025-03-20T08:30:00+00:00", "2025-03-20T12:00:00+03:30", False),
        ("1399/12/30 09:00", "2021-03-20T05:30:00+00:00", "2021-03-20T09:00:00+03:30", True),
        ("1408/12/30", "2030-03-20T08:30:00+00:00", "2030-03-20T12:00:00+03:30", False),
        # Arabic-Indic digits, '.' and '-' separators, month names with Arabic yeh, seconds.
        ("١٣٩٢.١٢.٢٠", "2014-03-11T08:30:00+00:00", "2014-03-11T12:00:00+03:30", False),
        ("1392-12-20 ساعت 9:05", "2014-03-11T05:35:00+00:00", "2014-03-11T09:05:00+03:30", True),
        ("۲۰ اسفند ۱۳۹۲", "2014-03-11T08:30:00+00:00", "2014-03-11T12:00:00+03:30", False),
        ("سه‌شنبه، ۲۰ اسفند 1392، 23:59:30", "2014-03-11T20:29:30+00:00", "2014-03-11T23:59:30+03:30", True),
        ("۵ شهريور ۱۴۰۱", "2022-08-27T07:30:00+00:00", "2022-08-27T12:00:00+04:30", False),
        ("۵ امرداد ۱۴۰۱", "2022-07-27T07:30:00+00:00", "2022-07-27T12:00:00+04:30", False),
        ("يکشنبه ۵ دي ۱۴۰۰", "2021-12-26T08:30:00+00:00", "2021-12-26T12:00:00+03:30", False),
        # Tehran mean time (+03:25:44, until 1935): RFC 3339 offsets have no seconds, so UTC.
        ("1300/01/01 10:00", "1921-03-21T06:34:16+00:00", "1921-03-21T06:34:16+00:00", True),
        # Standard time from 1935-06-13: 1315 is +03:30 again.
        ("1315/01/01 10:00", "1936-03-21T06:30:00+00:00", "1936-03-21T10:00:00+03:30", True),
    ],
)
def test_date_line_gives_exact_instant(line, expected_utc, expected_local, has_time):
    published, warnings = parse_date_line(line)
    assert published.instant.isoformat() == expected_utc
    assert rfc3339(published.instant) == expected_local
    assert published.has_time is has_time
    assert warnings == []


@pytest.mark.parametrize("line", ["سهشنبه ۱۳۹۲/۱۲/۲۰", "1398/04/01 10:15", "۲۰ اسفند ۱۳۹۲", "1402/04/01"])
def test_calendar_day_is_the_same_in_tehran_and_utc(line):
    published, _ = parse_date_line(line)
    assert published.instant.date() == published.instant.astimezone(TEHRAN).date()


@pytest.mark.parametrize(
    "line, message",
    [
        ("1392/12/30", "1392/12/30 does not exist (1392 is not a leap year); expected a day from 1 to 29"),
        ("1392/13/01", "month 13 does not exist; expected 1 to 12"),
        ("1392/01/32", "1392/01/32 does not exist; expected a day from 1 to 31"),
        ("1392/07/31", "1392/07/31 does not exist; expected a day from 1 to 30"),
        ("1392/00/10", "month 0 does not exist; expected 1 to 12"),
        ("1392/12/20 24:00", "time 24:00 does not exist; expected 00:00 to 23:59"),
        (
            "2014/03/11",
            "year 2014 is not a plausible Solar Hijri year; expected 1300 to 1499 (a Gregorian date"
            " belongs in ISO 8601 form with an offset, in JSON releases)",
        ),
        (
            "۲۰ اسفن ۱۳۹۲",
            "'اسفن' is not a Solar Hijri month; expected one of فروردین، اردیبهشت، خرداد، تیر، مرداد،"
            " شهریور، مهر، آبان، آذر، دی، بهمن، اسفند",
        ),
        (
            "خبر فوری",
            "expected a Solar Hijri date line such as '۱۳۹۲/۱۲/۲۰', '۲۰ اسفند ۱۳۹۲' or"
            " 'سه‌شنبه ۱۳۹۲/۱۲/۲۰ - ساعت ۱۴:۳۰', found 'خبر فوری'",
        ),
    ],
)
def test_impossible_date_is_an_error_never_shifted(line, message):
    with pytest.raises(ReleaseError) as caught:
        parse_date_line(line, line_number=3)
    assert [(p.line, p.message) for p in caught.value.problems] == [(3, message)]


def test_weekday_that_contradicts_the_date_is_a_warning_naming_both():
    published, warnings = parse_date_line("جمعه ۱۳۹۲/۱۲/۲۰", line_number=1)
    assert rfc3339(published.instant) == "2014-03-11T12:00:00+03:30"
    assert [w.message for w in warnings] == [
        "the date line says جمعه but 1392/12/20 is a سه‌شنبه; the date was kept and the weekday ignored"
    ]


@pytest.mark.parametrize("weekday", ["سه‌شنبه", "سهشنبه", "سه شنبه"])
def test_weekday_written_with_or_without_halfspace_is_accepted(weekday):
    _, warnings = parse_date_line(f"{weekday} ۱۳۹۲/۱۲/۲۰")
    assert warnings == []


def test_time_skipped_by_clocks_going_forward_is_read_with_the_old_offset_and_reported():
    published, warnings = parse_date_line("1398/01/02 00:30")
    assert published.instant.isoformat() == "2019-03-21T21:00:00+00:00"
    assert [w.message for w in warnings] == [
        "00:30 did not exist in Tehran that day (clocks went forward); read as +03:30"
    ]


def test_time_repeated_by_clocks_going_back_is_read_as_the_first_and_reported():
    published, warnings = parse_date_line("1399/06/30 23:30")
    assert published.instant.isoformat() == "2020-09-20T19:00:00+00:00"
    assert [w.message for w in warnings] == [
        "23:30 happened twice in Tehran that day (clocks went back); read as the first, +04:30"
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2014-03-11T14:30:00+03:30", "2014-03-11T11:00:00+00:00"),
        ("2019-06-22T05:45:00Z", "2019-06-22T05:45:00+00:00"),
        ("2019-06-22 10:15:00.5+0430", "2019-06-22T05:45:00.500000+00:00"),
    ],
)
def test_iso_instant_with_offset_is_read_exactly(value, expected):
    assert parse_iso_instant(value).isoformat() == expected


@pytest.mark.parametrize("value", ["2014-03-11T14:30:00", "2014-03-11", "yesterday"])
def test_iso_instant_without_offset_is_refused(value):
    with pytest.raises(ValueError):
        parse_iso_instant(value)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("سهشنبه ۱۳۹۲/۱۲/۲۰", "سه‌شنبه ۲۰ اسفند ۱۳۹۲"),
        ("1398/04/01 10:15", "شنبه ۱ تیر ۱۳۹۸، ساعت ۱۰:۱۵"),
    ],
)
def test_jalali_display_uses_persian_digits_and_weekday(line, expected):
    published, _ = parse_date_line(line)
    assert format_jalali(published) == expected
