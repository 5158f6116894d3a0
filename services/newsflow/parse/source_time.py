"""Turn a date string a source gave into a SourceTime: UTC instant, whether the zone was known, precision."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta

from dateutil import parser as date_parser
from dateutil.parser import UnknownTimezoneWarning

from newsflow_schemas import SourceTime

_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")
_PLAUSIBLE_YEARS = range(1990, 2100)
# zone abbreviations seen in datelines; dateutil needs them spelled out. Any other zone name is not guessed: the time
# is kept without a zone (tz_known False)
_ZONES = {name: hours * 3600 for name, hours in {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 1, "CET": 1, "MEZ": 1, "WEST": 1, "CEST": 2, "MESZ": 2, "EET": 2,
    "EEST": 3, "MSK": 3, "IST": 5.5, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "EST": -5, "EDT": -4,
    "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}.items()}


def parse_source_time(value: str | None, *, now: datetime | None = None) -> SourceTime | None:
    """A SourceTime for a date string, or None if it is not a plausible date.

    A time without a zone is kept as its wall time in UTC with tz_known False; dates after `now` (plus a day of
    zone slack) are refused as implausible.
    """
    text = (value or "").strip()
    if not text or len(text) > 80:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00")) if text[:4].isdigit() else None
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            with warnings.catch_warnings():  # an unknown zone ('…:47ZZ', a template's slip) is expected, not news
                warnings.simplefilter("ignore", UnknownTimezoneWarning)
                parsed = date_parser.parse(text, fuzzy=False, tzinfos=_ZONES)
        except (ValueError, OverflowError, TypeError):
            return None
    if parsed.year not in _PLAUSIBLE_YEARS:
        return None
    precision = "date" if _DATE_ONLY.match(text) or not _HAS_TIME.search(text) else "datetime"
    tz_known = parsed.tzinfo is not None and parsed.utcoffset() is not None
    offset = parsed.utcoffset() if tz_known else None
    utc = parsed.astimezone(UTC) if tz_known else parsed.replace(tzinfo=UTC)
    if now is not None and utc > now + timedelta(days=1):
        return None
    return SourceTime(utc=utc, tz_known=tz_known, precision=precision, original=text,
                      utc_offset_minutes=int(offset.total_seconds() // 60) if offset is not None else None)


def local_date(moment: SourceTime):
    """The calendar day in the zone the source gave (UTC when it gave none)."""
    offset = timedelta(minutes=moment.utc_offset_minutes or 0)
    return (moment.utc + offset).date()
