"""The fetch stage with fakes at its ports (no server, no network): what it emits, refuses and remembers."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import pytest

from newsflow.common.outcomes import PoisonError, Rejected, TransientError
from newsflow.fetch.download import Fetched, FetchError
from newsflow.fetch.politeness import Politeness
from newsflow.fetch.stage import FetchStage
from newsflow.fetch.state import FetchState
from newsflow_schemas import ARTICLES_RAW, FETCH_REQUESTS, FetchRequest, RawDocument, SourceInfo, mint_article_id

NOW = 1_765_000_000.0
FEED = b"""<?xml version='1.0'?><rss version='2.0'><channel><title>Fake News Desk</title>
<item><title>One</title><link>https://news.example.org/1</link><guid>1</guid></item>
<item><title>Two</title><link>https://wire.example.net/2</link><guid>2</guid></item></channel></rss>"""


class FakeWeb:
    """Answers from a dict of URL -> (status, content type, body); remembers what was asked, with validators."""

    def __init__(self, pages: dict[str, tuple[int, str, bytes]]) -> None:
        self.pages, self.asked = pages, []

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        self.asked.append((url, etag))
        status, content_type, body = self.pages[url]
        if status >= 500:
            raise FetchError("http", f"{url}: HTTP {status}", transient=True, status=status)
        if etag is not None and etag == '"v1"':
            return Fetched(url, url, 304, {"etag": etag})
        return Fetched(url, url, status, {"content-type": content_type, "etag": '"v1"'}, body)


class FakeRobots:
    def __init__(self, disallowed: set[str] = frozenset()) -> None:
        self.disallowed = disallowed

    async def check(self, url: str) -> tuple[bool, float | None]:
        return url not in self.disallowed, None


def stage(web: FakeWeb, robots: FakeRobots | None = None, state: FetchState | None = None) -> FetchStage:
    return FetchStage(web, robots or FakeRobots(), Politeness(0, clock=lambda: NOW), state or FetchState(),
                      clock=lambda: NOW)


def request(url: str, kind: str = "auto", **extra) -> FetchRequest:
    at = datetime.fromtimestamp(NOW, UTC)
    return FetchRequest(request_id=str(uuid.uuid4()), url=url, kind=kind, source=SourceInfo(name="fake", kind="feed"),
                        requested_at=at, requested_by="test", ingested_at=at, **extra)


async def test_a_page_becomes_one_raw_document_under_the_id_of_its_url_and_then_not_again():
    web = FakeWeb({"https://news.example.org/1": (200, "text/html", b"<html><p>story</p></html>")})
    fetch = stage(web)
    (output,) = await fetch(request("https://news.example.org/1?utm_source=x", kind="page"))
    document = output.event
    assert output.topic == ARTICLES_RAW and isinstance(document, RawDocument)
    assert output.key == document.article_id == mint_article_id(url="https://news.example.org/1")
    assert base64.b64decode(document.body) == b"<html><p>story</p></html>"
    assert document.revision == int(NOW * 1000)  # the injected clock, not the machine's
    again = await fetch(request("https://news.example.org/1", kind="page"))
    assert isinstance(again, Rejected) and "not modified" in again.reason
    assert web.asked[-1] == ("https://news.example.org/1", '"v1"')  # a conditional GET with the stored ETag


async def test_feed_items_become_requests_keyed_by_their_own_host_and_are_remembered():
    fetch = stage(FakeWeb({"https://news.example.org/feed.rss": (200, "application/rss+xml", FEED)}))
    outputs = await fetch(request("https://news.example.org/feed.rss", kind="feed"))
    assert [(o.topic, o.key, o.event.url) for o in outputs] == [
        (FETCH_REQUESTS, "news.example.org", "https://news.example.org/1"),
        (FETCH_REQUESTS, "wire.example.net", "https://wire.example.net/2")]
    remembered = {change.key for change in fetch.state.take_changes()}
    assert {"item:https://news.example.org/feed.rss https://news.example.org/1",
            "item:https://news.example.org/feed.rss https://wire.example.net/2"} <= remembered


async def test_robots_refusal_is_poison_and_a_5xx_is_transient_with_the_host_backed_off():
    web = FakeWeb({"https://news.example.org/private": (200, "text/html", b"x"),
                   "https://down.example.org/a": (503, "text/html", b"")})
    fetch = stage(web, FakeRobots({"https://news.example.org/private"}))
    with pytest.raises(PoisonError, match=r"robots\.txt"):
        await fetch(request("https://news.example.org/private", kind="page"))
    with pytest.raises(TransientError, match="503"):
        await fetch(request("https://down.example.org/a", kind="page"))
    assert "down.example.org" in fetch.state.host_backoffs()
