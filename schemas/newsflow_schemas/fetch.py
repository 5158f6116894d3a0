"""What the fetch stage consumes: a URL, feed or sitemap to fetch once or to poll."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from newsflow_schemas.base import Event, UtcDatetime
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
