import json
from datetime import UTC, datetime

import pytest

from newsflow.fetch.feeds import NotAFeedError, parse_listing


def test_json_feed_items_with_authors_tags_and_dates():
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "JSON News", "items": [
        {"id": "1", "url": "/a", "title": "A", "summary": "About A", "date_published": "2024-03-12T06:00:00Z",
         "authors": [{"name": "Jane Doe"}], "tags": ["nato"]},
        {"id": "2", "title": "no link: skipped"}]}).encode()
    title, listed = parse_listing(body, "https://e.org/feed.json")
    assert title == "JSON News" and [entry.link for entry in listed] == ["https://e.org/a"]
    item = listed[0].item
    assert (item.title, item.summary, item.authors, item.tags) == ("A", "About A", ["Jane Doe"], ["nato"])
    assert item.published.utc == datetime(2024, 3, 12, 6, tzinfo=UTC)


@pytest.mark.parametrize("body", [b"<html><body>not a feed</body></html>", b'{"version": "1"}', b"{broken"])
def test_pages_that_are_no_feed_are_refused(body):
    with pytest.raises(NotAFeedError):
        parse_listing(body, "https://e.org/x")


def test_a_changed_title_changes_the_fingerprint():
    def feed(title):
        return json.dumps({"version": "https://jsonfeed.org/version/1", "items": [
            {"id": "1", "url": "https://e.org/a", "title": title}]}).encode()

    (first,) = parse_listing(feed("A"), "https://e.org/f")[1]
    (again,) = parse_listing(feed("A"), "https://e.org/f")[1]
    (changed,) = parse_listing(feed("A, updated"), "https://e.org/f")[1]
    assert first.fingerprint == again.fingerprint != changed.fingerprint
