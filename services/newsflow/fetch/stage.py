"""The fetch stage: a FetchRequest in; raw documents, follow-up requests or a verdict out.

- a page: fetched (robots.txt, politeness, conditional GET) and emitted as a RawDocument, unless its body is
  unchanged since the last fetch (then `Rejected("unchanged")`, no new revision) or a re-fetch was asked for;
- a feed or sitemap: read, and one FetchRequest emitted per item not seen before, or, as a new revision, per
  item whose listed content or update time changed; a sitemap index yields requests for its sitemaps.
Feeds with a poll interval are scheduled (see `scheduler.py`): faster when they change, slower when they do
not, backed off and finally disabled (with the reason) when they keep failing. What is remembered (validators,
items seen, schedules, backoff: `state.py`) is written in the same transaction as the outputs (the service takes
the state's changes after each message), so a crash neither loses an item nor emits one twice.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import structlog

from newsflow.common.outcomes import Output, PoisonError, Rejected, TransientError
from newsflow.fetch.download import Fetched, FetchError
from newsflow.fetch.feeds import Listed, NotAFeedError, is_sitemap, parse_listing
from newsflow.fetch.politeness import Politeness
from newsflow.fetch.state import FetchState
from newsflow.fetch.urls import BadUrlError, canonical_url, host_of
from newsflow_schemas import (
    ARTICLES_RAW,
    FETCH_REQUESTS,
    FetchRequest,
    HttpInfo,
    RawDocument,
    SourceInfo,
    mint_article_id,
    revision_at,
)

log = structlog.get_logger()
LISTING_TYPES = {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
                 "application/feed+json", "application/json", "application/rdf+xml"}
KEPT_HEADERS = ("content-type", "etag", "last-modified", "date", "content-language")


@dataclass(frozen=True)
class FeedPolicy:
    min_interval_s: float = 60
    max_interval_s: float = 6 * 3600
    max_failures: int = 8  # then the feed is disabled, with the reason


class Downloads(Protocol):
    """The HTTP port: `Downloader` (safe, bounded httpx) in the service, a fake in unit tests."""

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched: ...


class RobotsRules(Protocol):
    """The robots.txt port: `RobotsCache` in the service."""

    async def check(self, url: str) -> tuple[bool, float | None]: ...


class FetchStage:
    """The stage: its ports (HTTP, robots.txt), politeness and the state table are passed in; `clock` is the time."""

    def __init__(self, downloader: Downloads, robots: RobotsRules, politeness: Politeness, state: FetchState,
                 feeds: FeedPolicy = FeedPolicy(), clock: Callable[[], float] = time.time) -> None:
        self.downloader, self.robots, self.politeness, self.state = downloader, robots, politeness, state
        self.feeds, self.clock = feeds, clock

    async def __call__(self, request: FetchRequest) -> list[Output] | Rejected:
        try:
            url = canonical_url(request.url)
        except BadUrlError as exc:
            raise PoisonError(str(exc)) from exc
        if request.poll_interval_s and request.kind in ("feed", "sitemap", "auto"):
            self._schedule(url, request)
        try:
            fetched = await self._fetch(url, request)
        except FetchError as exc:
            self._feed_failed(url, request, str(exc))
            raise (TransientError if exc.transient else PoisonError)(str(exc)) from exc
        if fetched.not_modified:
            self._feed_polled(url, request, changed=False)
            return Rejected(f"{url}: not modified since the last fetch")
        if self._is_listing(request, fetched):
            return self._listing(url, request, fetched)
        return self._page(url, request, fetched)

    async def _fetch(self, url: str, request: FetchRequest) -> Fetched:
        host = host_of(url)
        allowed, crawl_delay = await self.robots.check(url)
        if not allowed:
            raise FetchError("refused", f"{url}: disallowed by robots.txt", transient=False)
        await self.politeness.wait_turn(host, crawl_delay)
        memory = self.state.page(url)
        conditional = not request.refetch
        try:
            fetched = await self.downloader.get(url, etag=memory.etag if conditional else None,
                                                last_modified=memory.last_modified if conditional else None)
        except FetchError as exc:
            if exc.transient:
                self.politeness.failed(host, exc.retry_after_s)
                state = self.politeness.hosts[host]
                self.state.save_host(host, state.backoff_until, state.failures)
            raise
        self.politeness.succeeded(host)
        return fetched

    def _is_listing(self, request: FetchRequest, fetched: Fetched) -> bool:
        if request.kind in ("feed", "sitemap"):
            return True
        if request.kind == "page":
            return False
        return fetched.content_type in LISTING_TYPES or is_sitemap(fetched.body)

    def _page(self, url: str, request: FetchRequest, fetched: Fetched) -> list[Output] | Rejected:
        body_sha256 = hashlib.sha256(fetched.body).hexdigest()
        if not request.refetch and self.state.page(url).body_sha256 == body_sha256:
            return Rejected(f"{url}: unchanged since the last fetch")
        final_url = canonical_url(fetched.url)
        now = datetime.fromtimestamp(self.clock(), UTC)
        document = RawDocument(
            article_id=mint_article_id(url=final_url), revision=revision_at(now), ingested_at=now, url=final_url,
            source=request.source, fetched_at=now, feed_item=request.discovered_in,
            http=HttpInfo(requested_url=request.url, final_url=fetched.url, status=fetched.status,
                          headers={k: v for k, v in fetched.headers.items() if k in KEPT_HEADERS},
                          redirects=fetched.redirects, elapsed_ms=fetched.elapsed_ms),
            content_type=fetched.content_type, charset=fetched.charset, body_encoding="base64",
            body=base64.b64encode(fetched.body).decode("ascii"), body_bytes=len(fetched.body),
            body_sha256=body_sha256, title_hint=request.discovered_in.title if request.discovered_in else None)
        self.state.remember_page(url, fetched.headers.get("etag"), fetched.headers.get("last-modified"), body_sha256)
        return [Output(ARTICLES_RAW, document.article_id, document)]

    def _listing(self, url: str, request: FetchRequest, fetched: Fetched) -> list[Output] | Rejected:
        try:
            title, listed = parse_listing(fetched.body, url)
        except NotAFeedError as exc:
            self._feed_failed(url, request, str(exc))
            raise PoisonError(str(exc)) from exc
        known = self.state.known_items(url)
        fingerprints = {entry.link: entry.fingerprint for entry in listed}
        changed = [entry for entry in listed if known.get(entry.link) != entry.fingerprint]
        outputs = [self._follow_up(entry, request, revised=entry.link in known) for entry in changed]
        self._feed_polled(url, request, changed=bool(changed))
        log.info("listing read", url=url, title=title, entries=len(listed), new_or_changed=len(changed))
        self.state.remember_items(url, {entry.link: fingerprints[entry.link] for entry in changed})
        self.state.remember_page(url, fetched.headers.get("etag"), fetched.headers.get("last-modified"),
                                 hashlib.sha256(fetched.body).hexdigest())
        return outputs or Rejected(f"{url}: no new or changed items")

    def _follow_up(self, entry: Listed, request: FetchRequest, revised: bool) -> Output:
        try:
            link = canonical_url(entry.link)
        except BadUrlError:
            link = entry.link
        follow = FetchRequest(
            request_id=str(uuid.uuid4()), url=link, kind="sitemap" if entry.is_sitemap else "page",
            priority=request.priority, source=SourceInfo(**{**request.source.model_dump(), "feed_url": request.url}),
            refetch=revised, requested_at=datetime.fromtimestamp(self.clock(), UTC),
            requested_by=f"{'sitemap' if entry.is_sitemap or request.kind == 'sitemap' else 'feed'}:{request.url}",
            discovered_in=entry.item, ingested_at=request.ingested_at)
        return Output(FETCH_REQUESTS, host_of(link), follow)

    # --- the feed schedule --------------------------------------------------------------------------------
    def _schedule(self, url: str, request: FetchRequest) -> None:
        known = self.state.feed(url)
        interval = float(request.poll_interval_s or self.feeds.min_interval_s)
        template = request.model_dump(mode="json", by_alias=True)
        self.state.schedule_feed(url, template, interval if known is None else known.interval_s,
                                 next_poll=self.clock() + interval)

    def _feed_polled(self, url: str, request: FetchRequest, changed: bool) -> None:
        feed = self.state.feed(url)
        if feed is None:
            return
        interval = feed.interval_s / 2 if changed else feed.interval_s * 1.5
        interval = min(self.feeds.max_interval_s, max(self.feeds.min_interval_s, interval))
        self.state.update_feed(url, interval_s=interval, next_poll=self.clock() + interval, failures=0)

    def _feed_failed(self, url: str, request: FetchRequest, reason: str) -> None:
        feed = self.state.feed(url)
        if feed is None:
            return
        failures = feed.failures + 1
        disabled = (f"disabled after {failures} failures in a row; last: {reason}"
                    if failures >= self.feeds.max_failures else None)
        backoff = min(self.feeds.max_interval_s, feed.interval_s * 2 ** failures)
        self.state.update_feed(url, interval_s=feed.interval_s, next_poll=self.clock() + backoff,
                               failures=failures, disabled_reason=disabled)
        if disabled:
            log.warning("feed disabled", url=url, reason=disabled)
