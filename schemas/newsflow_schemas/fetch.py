"""What the fetch stage consumes (a URL, feed or sitemap to fetch once or to poll) and what it remembers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from newsflow_schemas.base import Event, Model, UtcDatetime
from newsflow_schemas.parts import FeedItem, SourceInfo


class FetchRequest(Event):
    """A request to fetch one URL, or to poll a feed or sitemap (once, or every poll_interval_s)."""

    SCHEMA = "newsflow.fetch.request"
    VERSION = "1.0"

    request_id: str = Field(description="unique id of this request (for tracing and de-duplication)")
    url: str = Field(description="absolute http(s) URL to fetch")
    kind: Literal["page", "feed", "sitemap", "auto"] = Field(
        "auto", description="what the URL is; auto decides from the response's content type and body")
    priority: int = Field(5, ge=0, le=9, description="0 (lowest) to 9 (highest); higher is fetched first")
    source: SourceInfo = Field(description="the source the URL belongs to")
    poll_interval_s: int | None = Field(
        None, ge=60, description="for feeds and sitemaps: poll again this often (adaptive around this value)")
    refetch: bool = Field(False, description="fetch even if unchanged, emitting a new revision")
    requested_at: UtcDatetime = Field(description="when the request was made")
    requested_by: str = Field(description="who asked: 'cli', 'feeds.yaml', 'sitemap:<url>', 'feed:<url>', ...")
    discovered_in: FeedItem | None = Field(
        None, description="when a feed or sitemap discovered this URL: that item's metadata")


class PageValidators(Model):
    """What the fetcher remembers of a page it fetched: the validators for a conditional GET, and the body's hash."""

    etag: str | None = Field(None, description="the ETag header of the last fetch")
    last_modified: str | None = Field(None, description="the Last-Modified header of the last fetch")
    body_sha256: str | None = Field(None, description="sha256 of the last body fetched (unchanged: no new revision)")


class FeedSchedule(Model):
    """A feed or sitemap the fetcher polls, and when."""

    request: FetchRequest = Field(description="the request sent each time the feed is due")
    interval_s: float = Field(description="the current, adaptive poll interval")
    next_poll: UtcDatetime = Field(description="when the feed is due next")
    failures: int = Field(0, ge=0, description="polls failed in a row")
    disabled_reason: str | None = Field(None, description="set when the feed failed too often and is no longer polled")


class HostBackoff(Model):
    """A host the fetcher backs off from after errors."""

    backoff_until: UtcDatetime = Field(description="no request to the host before this time")
    failures: int = Field(ge=0, description="failed requests in a row")


class FetchMemory(Event):
    """One fact the fetch stage remembers, on the compacted fetch state topic: keyed `<kind>:<subject>` and placed in
    the partition of its host, the partition whose fetch requests need it. Written in the same transaction as the
    outputs it goes with, so whichever worker owns the partition next finds it."""

    SCHEMA = "newsflow.fetch.memory"
    VERSION = "1.0"

    kind: Literal["page", "item", "feed", "host"] = Field(description="what is remembered")
    subject: str = Field(description="the page URL, '<listing URL> <item link>', the feed URL, or the host")
    host: str = Field(description="the host whose fetch-request partition this belongs to")
    page: PageValidators | None = Field(None, description="for kind page")
    item_fingerprint: str | None = Field(None, description="for kind item: the item's listed content and update time")
    feed: FeedSchedule | None = Field(None, description="for kind feed")
    backoff: HostBackoff | None = Field(None, description="for kind host")

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"
