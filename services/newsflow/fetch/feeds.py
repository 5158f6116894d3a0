"""Feeds (RSS and Atom via feedparser, JSON Feed) and sitemaps (index, urlset, news) to the items they list. Pure."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from lxml import etree

from newsflow_schemas import FeedItem, SourceTime

_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


class NotAFeedError(ValueError):
    """The body is neither a feed nor a sitemap."""


@dataclass(frozen=True)
class Listed:
    """One entry of a feed or sitemap: where it points and what the listing says about it."""

    link: str
    item: FeedItem
    is_sitemap: bool = False  # an entry of a sitemap index: another sitemap to read

    @property
    def fingerprint(self) -> str:
        """Changes when the listing says the item changed (new revision worth fetching)."""
        updated = self.item.updated.utc.isoformat() if self.item.updated else ""
        text = "\x1f".join([self.item.title or "", self.item.summary or "", updated])
        return hashlib.sha256(text.encode()).hexdigest()


def is_sitemap(body: bytes) -> bool:
    head = body.lstrip()[:2048]
    return b"<urlset" in head or b"<sitemapindex" in head


def parse_listing(body: bytes, url: str) -> tuple[str | None, list[Listed]]:
    """(title, entries) of a feed or sitemap."""
    if is_sitemap(body):
        return None, parse_sitemap(body, url)
    if body.lstrip()[:1] == b"{":
        return parse_json_feed(body, url)
    return parse_feed(body, url)


def parse_json_feed(body: bytes, url: str) -> tuple[str | None, list[Listed]]:
    """JSON Feed 1.0/1.1 (jsonfeed.org), which feedparser 6 does not read."""
    try:
        feed = json.loads(body)
    except ValueError as exc:
        raise NotAFeedError(f"{url}: not a feed (invalid JSON: {exc})") from exc
    if not isinstance(feed, dict) or "jsonfeed.org" not in str(feed.get("version", "")):
        raise NotAFeedError(f"{url}: JSON, but not a JSON Feed")
    title = feed.get("title")
    listed = []
    for entry in feed.get("items") or []:
        link = entry.get("url") or entry.get("external_url")
        if not isinstance(link, str) or not link:
            continue
        authors = entry.get("authors") or ([entry["author"]] if isinstance(entry.get("author"), dict) else [])
        item = FeedItem(feed_url=url, feed_title=title, guid=str(entry.get("id") or link), title=entry.get("title"),
                        link=urljoin(url, link), summary=entry.get("summary") or entry.get("content_text"),
                        authors=[a["name"] for a in authors if isinstance(a, dict) and a.get("name")],
                        tags=[t for t in entry.get("tags") or [] if isinstance(t, str)],
                        published=_iso_time(entry.get("date_published")),
                        updated=_iso_time(entry.get("date_modified")))
        listed.append(Listed(urljoin(url, link), item))
    return title, listed


def parse_feed(body: bytes, url: str) -> tuple[str | None, list[Listed]]:
    parsed = feedparser.parse(body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise NotAFeedError(f"{url}: not a feed ({parsed.get('bozo_exception') or 'no entries'})")
    title = parsed.feed.get("title")
    listed = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        item = FeedItem(
            feed_url=url, feed_title=title, guid=entry.get("id") or link, title=entry.get("title"),
            link=urljoin(url, link), summary=entry.get("summary"),
            authors=[a.get("name") for a in entry.get("authors", []) if a.get("name")],
            tags=[t.get("term") for t in entry.get("tags", []) if t.get("term")],
            published=_feed_time(entry, "published"), updated=_feed_time(entry, "updated"))
        listed.append(Listed(urljoin(url, link), item))
    return title, listed


def parse_sitemap(body: bytes, url: str) -> list[Listed]:
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True,
                                                              huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise NotAFeedError(f"{url}: broken sitemap XML: {exc}") from exc
    index = root.tag == f"{_SITEMAP_NS}sitemapindex"
    listed = []
    for node in root.iter(f"{_SITEMAP_NS}sitemap" if index else f"{_SITEMAP_NS}url"):
        loc = (node.findtext(f"{_SITEMAP_NS}loc") or "").strip()
        if not loc:
            continue
        news_title = node.findtext(f"{_NEWS_NS}news/{_NEWS_NS}title")
        news_date = node.findtext(f"{_NEWS_NS}news/{_NEWS_NS}publication_date")
        lastmod = node.findtext(f"{_SITEMAP_NS}lastmod")
        item = FeedItem(feed_url=url, guid=loc, title=news_title.strip() if news_title else None, link=loc,
                        published=_iso_time(news_date), updated=_iso_time(lastmod))
        listed.append(Listed(urljoin(url, loc), item, is_sitemap=index))
    return listed


def _feed_time(entry: dict, name: str) -> SourceTime | None:
    # plain dict access: FeedParserDict.get maps a missing 'updated' to 'published' (with a warning)
    parsed: time.struct_time | None = dict.get(entry, f"{name}_parsed")
    if not parsed:
        return None
    return SourceTime(utc=datetime(*parsed[:6], tzinfo=UTC), tz_known=True, precision="datetime",
                      original=dict.get(entry, name))


def _iso_time(value: str | None) -> SourceTime | None:
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    known = moment.tzinfo is not None
    return SourceTime(utc=moment.astimezone(UTC) if known else moment.replace(tzinfo=UTC), tz_known=known,
                      precision="datetime" if "T" in text else "date", original=text)
