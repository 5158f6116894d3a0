"""Date strings a source gives: a zone it names is applied, a zone name nobody knows is not guessed."""

import warnings
from datetime import UTC, datetime

from newsflow.parse.source_time import parse_source_time


def test_a_named_zone_is_applied():
    moment = parse_source_time("Jan 10, 2020 7:59 PM EST")
    assert moment is not None and moment.tz_known and moment.utc == datetime(2020, 1, 11, 0, 59, tzinfo=UTC)
    assert moment.utc_offset_minutes == -300 and moment.precision == "datetime"


def test_an_unknown_zone_leaves_the_time_without_a_zone_and_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # dateutil's UnknownTimezoneWarning would fail here
        moment = parse_source_time("2020-01-10T00:59:47ZZ")  # a page template's slip, seen on salon.com
    assert moment is not None and not moment.tz_known and moment.utc == datetime(2020, 1, 10, 0, 59, 47, tzinfo=UTC)


def test_a_future_or_implausible_date_is_refused():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_source_time("2027-03-01", now=now) is None
    assert parse_source_time("1850-01-01", now=now) is None
