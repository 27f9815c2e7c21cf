"""Dates: read from front matter as real blogs write them (always timezone-aware), and written
for readers in each language with Babel (CLDR): "21 June 2024", "21 de juny de 2024"."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo
from email.utils import parsedate_to_datetime, parsedate_tz
from functools import lru_cache

_ISO_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
_LOOSE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%d/%m/%Y", "%d.%m.%Y",
    "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z",
    "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M %p", "%B %d, %Y %H:%M", "%b %d, %Y %H:%M",
)
DATE_HINT = "write dates like 2024-06-21, 2024-06-21 09:30 or 2024-06-21T09:30:00+02:00"


# Where a newsroom's usage differs from CLDR's long date: Catalan papers write "21 de juny de 2024"
# (CLDR: "21 de juny del 2024"); the month's own "de"/"d’" comes from CLDR ("3 d’abril de 2024").
_LONG_DATES = {"ca": "d MMMM 'de' y"}


def babel_locale(language: str) -> str:
    """A BCP 47 code as Babel wants it: 'pt-BR' → 'pt_BR'."""
    return language.replace("-", "_")


def format_day(moment: date | None, language: str, fmt: str = "long") -> str:
    """A date as `language` writes it; `fmt` is 'short', 'medium', 'long', 'full' or a CLDR pattern."""
    if not moment:
        return ""
    return _format_day(moment.date() if isinstance(moment, datetime) else moment, language, fmt)


@lru_cache(maxsize=8192)  # a listing shows the same few dates on thousands of pages
def _format_day(day: date, language: str, fmt: str) -> str:
    from babel.dates import format_date

    if fmt == "long":
        fmt = _LONG_DATES.get(language.split("-")[0].lower(), fmt)
    return format_date(day, fmt, locale=babel_locale(language))


def format_moment(moment: datetime | None, language: str, fmt: str = "medium") -> str:
    """A date and time as `language` writes it, in the moment's own time zone."""
    from babel.dates import format_datetime

    return format_datetime(moment, fmt, tzinfo=moment.tzinfo, locale=babel_locale(language)) if moment else ""


def format_month(moment: date | None, language: str) -> str:
    """The title of a month's archive: 'June 2024', 'juny 2024'."""
    return format_day(moment, language, "LLLL y")


class DateProblem(ValueError):
    pass


def parse_date(value: object, zone: tzinfo) -> datetime:
    """A datetime from a YAML value; naive values get the site's timezone."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str) and value.strip():
        parsed = _parse_text(value.strip())
    else:
        raise DateProblem(f"{value!r} is not a date")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _parse_text(text: str) -> datetime:
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        problem = _calendar_problem(text) if _ISO_LIKE.match(text) else ""
        if problem:
            raise DateProblem(f"'{text}' is not a real date ({problem})") from None
    for fmt in _LOOSE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    # RFC 2822 (feeds, email): only with a numeric zone, so nothing is silently shifted.
    parts = parsedate_tz(text)
    if parts is None or parts[9] is None or not re.search(r"[+-]\d{4}$|\b(?:GMT|UT|UTC)$", text):
        raise DateProblem(f"cannot read '{text}' as a date")
    try:
        return parsedate_to_datetime(text)
    except ValueError as exc:  # 'Mon, 32 Jan 2024 …'
        raise DateProblem(f"'{text}' is not a real date ({exc})") from None


def _calendar_problem(text: str) -> str:
    """Why a YYYY-MM-DD-shaped text names no real day ('' when the day exists)."""
    year, month, day = (int(part) for part in re.findall(r"\d+", text)[:3])
    try:
        date(year, month, day)
    except ValueError as exc:
        return str(exc)
    return ""
