"""Front matter dates as real blogs write them, always returned timezone-aware."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo
from email.utils import parsedate_to_datetime, parsedate_tz

_ISO_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
_LOOSE_FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%d/%m/%Y", "%d.%m.%Y",
    "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z",
    "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M %p", "%B %d, %Y %H:%M", "%b %d, %Y %H:%M",
)
DATE_HINT = "write dates like 2024-06-21, 2024-06-21 09:30 or 2024-06-21T09:30:00+02:00"


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
