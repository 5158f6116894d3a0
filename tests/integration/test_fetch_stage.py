"""The fetch stage against a real HTTP server on loopback (no broker needed): feeds, sitemaps, robots.txt,
conditional GET, rate limits, SSRF, new and changed items, the adaptive feed schedule."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime

import pytest

from newsflow.common.outcomes import PoisonError, Rejected, TransientError
from newsflow.fetch.download import Downloader, FetchLimits
from newsflow.fetch.politeness import Politeness
from newsflow.fetch.robots import RobotsCache
from newsflow.fetch.safety import parse_networks
from newsflow.fetch.stage import FeedPolicy, FetchStage
from newsflow.fetch.state import FetchState
from newsflow_schemas import FETCH_STATE, FetchRequest, RawDocument, SourceInfo, article_id_for_url
from tests.fetch_server import HOST, StaticResolver


def fetch_stage(downloader: Downloader, state: FetchState) -> FetchStage:
    politeness = Politeness(rate_per_host=0)  # politeness off: these tests are about behaviour, not pacing
    return FetchStage(downloader, RobotsCache(downloader, "newsflow"), politeness, state,
                      FeedPolicy(min_interval_s=60, max_interval_s=3600, max_failures=3))


@pytest.fixture
async def downloader():
    resolver = StaticResolver({HOST: ["127.0.0.1"], "intranet.test": ["10.1.2.3"]})
    running = Downloader(FetchLimits(read_timeout_s=2, total_timeout_s=4), resolver, parse_networks(["127.0.0.0/8"]))
    yield running
    await running.close()


@pytest.fixture
async def stage(downloader):
    return fetch_stage(downloader, FetchState())


def request(url: str, kind: str = "auto", **extra) -> FetchRequest:
    now = datetime.now(UTC)
    return FetchRequest(request_id=str(uuid.uuid4()), url=url, kind=kind, source=SourceInfo(name="test", kind="feed"),
                        requested_at=now, requested_by="test", ingested_at=now, **extra)


async def test_rss_items_become_page_requests_with_feed_metadata(server, stage):
    result = (await stage(request(f"{server.base}/feed.rss", kind="feed")))
    assert isinstance(result, list)
    follow = [output.event for output in result]
    assert [r.url for r in follow] == [f"{server.base}/articles/1", f"{server.base}/articles/2"]  # no utm_source
    assert all(r.kind == "page" and not r.refetch for r in follow)
    assert {output.key for output in result} == {HOST}  # keyed by host
    item = follow[0].discovered_in
    assert item is not None and (item.feed_title, item.title, item.guid) == ("Test News", "First", "item-1")
    assert item.published is not None and item.published.utc == datetime(2024, 3, 12, 1, 0, tzinfo=UTC)


async def test_only_new_or_changed_items_are_emitted_on_the_next_poll(server, stage):
    (await stage(request(f"{server.base}/feed.rss", kind="feed")))
    assert isinstance(await stage(request(f"{server.base}/feed.rss", kind="feed")), Rejected)
    server.rss_items = [(1, "First, updated"), (2, "Second"), (3, "Third")]
    result = (await stage(request(f"{server.base}/feed.rss", kind="feed")))
    follow = {r.event.url.rsplit("/", 1)[1]: r.event for r in result}
    assert set(follow) == {"1", "3"}
    assert follow["1"].refetch and not follow["3"].refetch  # a changed item is fetched again: a new revision


async def test_what_the_stage_learns_is_written_beside_its_outputs_and_moves_to_another_worker(server, downloader):
    """The state's changes are records for the state topic, placed in the partition of their host (where the
    fetch requests of that host are); a worker that loads them knows what the first one knew."""
    first_state = FetchState()
    first = await fetch_stage(downloader, first_state)(request(f"{server.base}/feed.rss", kind="feed"))
    assert isinstance(first, list) and len(first) == 2
    changes = first_state.take_changes()
    assert {change.event.kind for change in changes} == {"item", "page"} and first_state.take_changes() == []
    assert {change.partition_key for change in changes} == {HOST} and all(c.topic == FETCH_STATE for c in changes)
    next_worker = FetchState()
    next_worker.load(change.event for change in changes)
    again = await fetch_stage(downloader, next_worker)(request(f"{server.base}/feed.rss", kind="feed"))
    assert isinstance(again, Rejected)  # the items are known there too (and the feed answers 304 or unchanged)


async def test_atom_feed(server, stage):
    result = await stage(request(f"{server.base}/feed.atom"))  # kind auto: recognised by content type
    assert isinstance(result, list)
    (only,) = [o.event for o in result]
    assert only.url == f"{server.base}/articles/20" and only.discovered_in.authors == ["Jane Doe"]


async def test_sitemap_index_then_news_sitemap(server, stage):
    index = await stage(request(f"{server.base}/sitemap-index.xml", kind="sitemap"))
    (child,) = [o.event for o in index]
    assert child.kind == "sitemap" and child.url == f"{server.base}/sitemap-news.xml"
    news = await stage(child)
    pages = {o.event.url: o.event for o in news}
    story = pages[f"{server.base}/articles/30"].discovered_in
    assert story.title == "Sitemap story" and story.published.utc == datetime(2024, 3, 12, 5, 39, tzinfo=UTC)
    assert pages[f"{server.base}/articles/31"].discovered_in.updated.precision == "date"


async def test_a_page_becomes_a_raw_document_once(server, stage):
    result = (await stage(request(f"{server.base}/articles/7?utm_campaign=x", kind="page")))
    (output,) = result
    doc = output.event
    assert isinstance(doc, RawDocument) and doc.url == f"{server.base}/articles/7"
    assert doc.article_id == article_id_for_url(doc.url) == output.key
    assert doc.content_type == "text/html" and doc.charset == "utf-8" and doc.http.status == 200
    assert b"Article 7" in base64.b64decode(doc.body) and doc.body_bytes == len(base64.b64decode(doc.body))
    again = await stage(request(f"{server.base}/articles/7", kind="page"))
    assert isinstance(again, Rejected) and "unchanged" in again.reason
    forced = await stage(request(f"{server.base}/articles/7", kind="page", refetch=True))
    assert isinstance(forced, list) and forced[0].event.revision > doc.revision


async def test_conditional_get_answers_304_on_the_second_poll(server, stage):
    (await stage(request(f"{server.base}/etag-page", kind="page")))
    second = await stage(request(f"{server.base}/etag-page", kind="page"))
    assert isinstance(second, Rejected) and "not modified" in second.reason


async def test_robots_txt_disallows_a_path(server, stage):
    with pytest.raises(PoisonError, match=r"disallowed by robots\.txt"):
        await stage(request(f"{server.base}/private/1", kind="page"))
    assert server.hits["/private/1"] == 0 and server.hits["/robots.txt"] == 1


async def test_rate_limit_is_transient_and_backs_the_host_off_by_retry_after(server, stage):
    with pytest.raises(TransientError, match="429"):
        await stage(request(f"{server.base}/rate-limited", kind="page"))
    assert stage.politeness.hosts[HOST].backoff_until >= time.monotonic() + 1.5


async def test_a_url_resolving_to_a_private_address_is_refused(server, stage):
    with pytest.raises(PoisonError, match="non-public address"):
        await stage(request(f"http://intranet.test:{server.port}/articles/1", kind="page"))


async def test_feed_schedule_adapts_and_disables_a_failing_feed(server, stage):
    url = f"{server.base}/feed.rss"
    (await stage(request(url, kind="feed", poll_interval_s=600)))
    assert stage.state.feed(url).interval_s == 300  # it had new items: poll more often
    await stage(request(url, kind="feed", poll_interval_s=600))
    assert stage.state.feed(url).interval_s == 450  # nothing new: less often
    broken = f"{server.base}/missing-feed"
    for _ in range(3):
        with pytest.raises(PoisonError):
            await stage(request(broken, kind="feed", poll_interval_s=600))
    assert "disabled after 3 failures" in stage.state.feed(broken).disabled_reason
    assert stage.state.due_feeds(time.time() + 10**6) and broken not in {
        f.url for f in stage.state.due_feeds(time.time() + 10**6)}
