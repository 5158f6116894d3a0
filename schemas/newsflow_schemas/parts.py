"""Parts shared by several events: where content comes from, how it was fetched, what a field came from."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from newsflow_schemas.base import Model, SourceTime


class SourceInfo(Model):
    """Who the content comes from, as the producer knows it (carried unchanged to the index)."""

    name: str = Field(description="short stable source name, e.g. 'RT' or 'example-feed'; part of text article ids")
    kind: Literal["page", "feed", "sitemap", "push"] = Field(
        description="how the content entered: a page URL, a feed item, a sitemap entry, or pushed by a producer")
    publisher: str | None = Field(None, description="the publisher's display name, if different from name")
    feed_url: str | None = Field(None, description="the feed or sitemap the item was discovered in")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 country of the publisher, lowercase")
    language_hint: str | None = Field(None, description="ISO 639-1 language the producer expects, or null")


class FeedItem(Model):
    """Feed- or sitemap-level metadata of a discovered item, carried into the raw document."""

    feed_url: str = Field(description="the feed or sitemap URL")
    feed_title: str | None = Field(None, description="the feed's title")
    guid: str | None = Field(None, description="the item's id/guid in the feed")
    title: str | None = Field(None, description="the item's title in the feed")
    link: str | None = Field(None, description="the item's link as the feed gave it")
    summary: str | None = Field(None, description="the item's summary/description text")
    authors: list[str] = Field(default_factory=list, description="authors the feed names")
    tags: list[str] = Field(default_factory=list, description="categories/keywords the feed gives")
    published: SourceTime | None = Field(None, description="the item's published time per the feed")
    updated: SourceTime | None = Field(None, description="the item's updated time per the feed")


class HttpInfo(Model):
    """How a page was fetched over HTTP."""

    requested_url: str = Field(description="the URL as requested, before redirects")
    final_url: str = Field(description="the URL after redirects")
    status: int = Field(description="HTTP status of the final response")
    headers: dict[str, str] = Field(
        default_factory=dict, description="selected response headers, lowercase names (content-type, etag, ...)")
    redirects: list[str] = Field(default_factory=list, description="every URL redirected through, in order")
    elapsed_ms: int | None = Field(None, description="time to the full body, milliseconds")


class FieldSource(Model):
    """Where an extracted field's value came from, so a consumer can judge it."""

    method: str = Field(description="json-ld, opengraph, meta, htmldate, trafilatura, readability, text-rules, feed")
    detail: str | None = Field(None, description="e.g. the meta property or the JSON-LD type")


class Image(Model):
    """The article's main image, or a credited photo in pushed text (url may then be null)."""

    url: str | None = Field(None, description="absolute image URL")
    caption: str | None = Field(None, description="caption text")
    credit: str | None = Field(None, description="photographer/agency credit, without the © sign")


class Paragraph(Model):
    """One block of the article body, in reading order."""

    text: str = Field(description="the block's text, whitespace-normalised")
    kind: Literal["paragraph", "heading", "quote", "list_item"] = Field(
        "paragraph", description="heading marks a sub-heading inside the body")


class Provenance(Model):
    """Which tool or model produced a result, so results can be compared across versions."""

    method: str = Field(description="the algorithm or library, e.g. 'spacy', 'yake', 'vader', 'minhash-lsh'")
    model: str | None = Field(None, description="the model or resource used, if any")
    version: str | None = Field(None, description="the library's or model's version")
    status: Literal["ok", "degraded", "skipped", "unsupported"] = Field(
        "ok", description="degraded: failed, field left empty; unsupported: e.g. no model for the language")
    reason: str | None = Field(None, description="why it is not ok")
