"""Solar Hijri (Jalali) dates: the date line → an exact instant, and Jalali text for display.

jdatetime does the calendar arithmetic (33-year leap rule). We parse the date line ourselves:
jdatetime's strptime rejects weekday names written without their half-space and month names with
Arabic yeh, and accepts a weekday that contradicts the date. The offset comes from zoneinfo's
Asia/Tehran history (+04:30 in summer 1991-2005 and 2008-2022, +03:30 otherwise); pytz would give
the local mean time +03:26 for a naive constructor, so it is never used.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import jdatetime

from .errors import Problem, ReleaseError, excerpt
from .models import PublishedAt

TEHRAN = ZoneInfo("Asia/Tehran")

# A date-only release is placed at noon in Tehran: with an offset of +03:30 or +04:30 that is
# 07:30-08:30 UTC, the same calendar day in both zones (midnight would be the previous day in UTC).
DATE_ONLY_HOUR = 12

# Solar Hijri years we accept: the calendar's official use began in 1304; Gregorian years
# (19xx, 20xx) typed by mistake fall outside.
MIN_YEAR, MAX_YEAR = 1300, 1499

MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
# jdatetime's weekday(): Saturday is 0.
WEEKDAYS = ("شنبه", "یک‌شنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه", "جمعه")

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TO_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Arabic yeh/kaf/heh variants and the half-space are folded away before names are compared.
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ە": "ه", "\u200c": None, " ": None})


def _fold(word: str) -> str:
    return word.translate(_FOLD)


_MONTH_BY_NAME = {_fold(name): number for number, name in enumerate(MONTHS, start=1)}
_MONTH_BY_NAME[_fold("امرداد")] = 5  # the older, also official, name of Mordad
_WEEKDAY_BY_NAME = {_fold(name): number for number, name in enumerate(WEEKDAYS)}
_WEEKDAY_BY_NAME[_fold("یکشنبه")] = 1
_WEEKDAY_BY_NAME[_fold("پنجشنبه")] = 5

_WEEKDAY_RE = r"(?P<weekday>(?:[یيكکدوسهچارپنجشمع]+[\u200c ]?)?شنبه|جمعه)"
_NUM_DATE_RE = r"(?P<y>\d{4})\s*(?P<sep>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})"
_NAME_DATE_RE = r"(?P<d2>\d{1,2})\s+(?P<month>[\u0600-\u06FF\u200c]+)\s+(?P<y2>\d{4})"
_TIME_RE = r"(?:[-–—،,]\s*)?(?:ساعت\s*)?(?P<hh>\d{1,2}):(?P<mm>\d{2})(?::(?P<ss>\d{2}))?"
_DATE_LINE = re.compile(
    rf"^\s*(?:{_WEEKDAY_RE}\s*[،,]?\s*)?(?:{_NUM_DATE_RE}|{_NAME_DATE_RE})"
    rf"(?:\s*{_TIME_RE})?\s*$"
)
_DATE_LINE_EXAMPLE = "'۱۳۹۲/۱۲/۲۰', '۲۰ اسفند ۱۳۹۲' or 'سه‌شنبه ۱۳۹۲/۱۲/۲۰ - ساعت ۱۴:۳۰'"


def to_ascii_digits(text: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits → ASCII digits."""
    return text.translate(_DIGITS)


def to_persian_digits(text: str) -> str:
    """ASCII digits → Persian digits, for text people read."""
    return text.translate(_TO_PERSIAN_DIGITS)


def parse_date_line(line: str, *, line_number: int = 1) -> tuple[PublishedAt, list[Problem]]:
    """Parse a release's date line; return when it was published and any warnings.

    Raises ReleaseError for a line that is not a date line or a date that does not exist.
    """
    match = _DATE_LINE.match(to_ascii_digits(line))
    if not match:
        raise ReleaseError.at(
            f"expected a Solar Hijri date line such as {_DATE_LINE_EXAMPLE}, found {excerpt(line)}",
            line=line_number,
        )
    year, month, day = _date_parts(match, line_number)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ReleaseError.at(
            f"year {year} is not a plausible Solar Hijri year; expected {MIN_YEAR} to {MAX_YEAR}"
            " (a Gregorian date belongs in ISO 8601 form with an offset, in JSON releases)",
            line=line_number,
        )
    date = jalali_date(year, month, day, line_number=line_number)
    warnings = []
    if match["weekday"]:
        warnings += _check_weekday(match["weekday"], date, line_number)
    has_time = match["hh"] is not None
    if has_time:
        hour, minute, second = int(match["hh"]), int(match["mm"]), int(match["ss"] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ReleaseError.at(
                f"time {match['hh']}:{match['mm']} does not exist; expected 00:00 to 23:59",
                line=line_number,
            )
    else:
        hour, minute, second = DATE_ONLY_HOUR, 0, 0
    instant, problem = tehran_instant(date, hour, minute, second)
    if problem:
        warnings.append(Problem(problem, line=line_number))
    published = PublishedAt(instant=instant, jalali=f"{year:04d}/{month:02d}/{day:02d}", has_time=has_time)
    return published, warnings


def _date_parts(match: re.Match[str], line_number: int) -> tuple[int, int, int]:
    if match["y"]:
        return int(match["y"]), int(match["m"]), int(match["d"])
    month = _MONTH_BY_NAME.get(_fold(match["month"]))
    if month is None:
        raise ReleaseError.at(
            f"{excerpt(match['month'])} is not a Solar Hijri month; expected one of {'، '.join(MONTHS)}",
            line=line_number,
        )
    return int(match["y2"]), month, int(match["d2"])


def jalali_date(year: int, month: int, day: int, *, line_number: int | None = None) -> jdatetime.date:
    """The Jalali date, or a ReleaseError naming why it does not exist (never shifted)."""
    if not 1 <= month <= 12:
        raise ReleaseError.at(f"month {month} does not exist; expected 1 to 12", line=line_number)
    if month <= 6:
        last = 31
    elif month <= 11:
        last = 30
    else:
        last = 30 if jdatetime.date(year, 1, 1).isleap() else 29
    if not 1 <= day <= last:
        leap_note = f" ({year} is not a leap year)" if month == 12 and day == 30 else ""
        raise ReleaseError.at(
            f"{year}/{month:02d}/{day:02d} does not exist{leap_note}; expected a day from 1 to {last}",
            line=line_number,
        )
    return jdatetime.date(year, month, day)


def _check_weekday(name: str, date: jdatetime.date, line_number: int) -> list[Problem]:
    named = _WEEKDAY_BY_NAME.get(_fold(name))
    actual = date.weekday()
    if named is None:
        return [Problem(f"{excerpt(name)} is not a weekday name; the date is a {WEEKDAYS[actual]}", line=line_number)]
    if named != actual:
        return [
            Problem(
                f"the date line says {WEEKDAYS[named]} but {date.strftime('%Y/%m/%d')} is a"
                f" {WEEKDAYS[actual]}; the date was kept and the weekday ignored",
                line=line_number,
            )
        ]
    return []


def tehran_instant(date: jdatetime.date, hour: int, minute: int, second: int = 0) -> tuple[datetime, str | None]:
    """The instant of a Tehran wall-clock time on a Jalali date, and a note if that time was odd.

    When clocks went forward (00:00 → 01:00 on 2 Farvardin) a time in the gap never existed;
    when they went back (24:00 → 23:00 on 30 Shahrivar) an hour happened twice. Both are read
    with the offset in force before the change, and reported.
    """
    gregorian = date.togregorian()
    local = datetime(gregorian.year, gregorian.month, gregorian.day, hour, minute, second, tzinfo=TEHRAN)
    utc = local.astimezone(timezone.utc)
    clock = f"{hour:02d}:{minute:02d}"
    if utc.astimezone(TEHRAN).replace(tzinfo=None) != local.replace(tzinfo=None):
        return utc, f"{clock} did not exist in Tehran that day (clocks went forward); read as {_offset(local)}"
    if local.replace(fold=1).utcoffset() != local.utcoffset():
        return utc, f"{clock} happened twice in Tehran that day (clocks went back); read as the first, {_offset(local)}"
    return utc, None


def _offset(moment: datetime) -> str:
    return moment.isoformat()[-6:]


def parse_iso_instant(value: str) -> datetime:
    """An ISO 8601 / RFC 3339 timestamp that carries an offset → aware UTC datetime.

    Raises ValueError for anything else; a timestamp without offset is ambiguous and refused.
    """
    text = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:?\d{2})", text):
        raise ValueError(f"{excerpt(value)} is not an ISO 8601 timestamp with an offset")
    moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    return moment.astimezone(timezone.utc)


def published_from_instant(instant: datetime) -> PublishedAt:
    """PublishedAt for an exact instant given by a structured source (JSON)."""
    local = instant.astimezone(TEHRAN)
    jalali = jdatetime.date.fromgregorian(date=local.date())
    return PublishedAt(instant=instant.astimezone(timezone.utc), jalali=jalali.strftime("%Y/%m/%d"), has_time=True)


def machine_local(instant: datetime) -> datetime:
    """The instant, whole seconds, on Tehran's clock if its offset then is whole minutes, else in UTC.

    Until 1935 (1946 in tz databases before 2022) Asia/Tehran kept mean time, +03:25:44:
    RFC 3339 offsets (§5.6 time-numoffset) and RFC 822 zones have no seconds, so such an
    instant is written in UTC, exact, rather than 44 seconds off or in a form no validator accepts.
    """
    local = instant.replace(microsecond=0).astimezone(TEHRAN)
    offset = local.utcoffset()
    if offset is None or offset.total_seconds() % 60:
        return local.astimezone(timezone.utc)
    return local


def rfc3339(instant: datetime) -> str:
    """The instant as RFC 3339 (see machine_local for the offset), ASCII digits, no microseconds."""
    return machine_local(instant).isoformat()


def format_jalali(published: PublishedAt, *, with_time: bool = True) -> str:
    """Human Jalali date in Persian: `سه‌شنبه ۲۰ اسفند ۱۳۹۲` (and `، ساعت ۱۴:۳۰` when known)."""
    local = published.instant.astimezone(TEHRAN)
    year, month, day = (int(part) for part in published.jalali.split("/"))
    date = jdatetime.date(year, month, day)
    text = f"{WEEKDAYS[date.weekday()]} {day} {MONTHS[month - 1]} {year}"
    if with_time and published.has_time:
        text += f"، ساعت {local.hour:02d}:{local.minute:02d}"
    return to_persian_digits(text)
