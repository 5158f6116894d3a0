"""Articles on their way through the pipeline: the raw document and the parsed article."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from newsflow_schemas.base import Event, SourceTime, UtcDatetime
from newsflow_schemas.parts import FeedItem, FieldSource, HttpInfo, Image, Paragraph, SourceInfo

MAX_GENERATION = 999


class ArticleEvent(Event):
    """Identity carried by every article event, unchanged from entry to index."""

    article_id: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="sha256 hex of the canonical URL, or of urn:newsflow:<source>:<title>:<date> for text without "
                    "a URL (see newsflow_schemas.ids)")
    revision: int = Field(
        ge=0, description="epoch milliseconds when this content was fetched or pushed; an older revision never "
                          "overwrites a newer one")
    generation: int = Field(
        0, ge=0, le=MAX_GENERATION,
        description="processing generation (since 1.1): 0 when the content enters, one more each time "
                    "`newsflow reprocess` sends the stored raw document through the stages again; the index's "
                    "external version is revision * 1000 + generation, so reprocessed text replaces the old")

    @property
    def external_version(self) -> int:
        """The search index's external version: a newer revision wins, then a newer processing generation."""
        return self.revision * (MAX_GENERATION + 1) + self.generation


class RawDocument(ArticleEvent):
    """A fetched page or a pushed document, before parsing. The replayable source of truth."""

    SCHEMA = "newsflow.article.raw"
    VERSION = "1.1"  # 1.1: generation

    url: str | None = Field(None, description="canonical URL (normalised, tracking parameters removed); null "
                                              "for pushed text without one")
    source: SourceInfo = Field(description="who the content comes from")
    fetched_at: UtcDatetime = Field(description="when it was fetched or pushed")
    http: HttpInfo | None = Field(None, description="the HTTP exchange, for fetched pages")
    feed_item: FeedItem | None = Field(None, description="feed or sitemap metadata, when discovered through one")
    content_type: str = Field(description="media type without parameters: text/html, application/xhtml+xml, "
                                          "text/plain")
    charset: str | None = Field(None, description="charset declared by the HTTP header or the producer")
    body_encoding: Literal["text", "base64"] = Field(
        description="text: body is the decoded text; base64: body is the undecoded bytes (the parser decodes by "
                    "header, BOM, meta charset and detection)")
    body: str = Field(description="the document body, as body_encoding says")
    body_bytes: int = Field(ge=0, description="size of the body in bytes (UTF-8 for text)")
    body_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the body bytes")
    title_hint: str | None = Field(None, description="a title the producer knows (e.g. a pushed article's)")


class ArticleContent(ArticleEvent):
    """The structured article: what the parse stage extracts and every later stage carries on."""

    url: str | None = Field(None, description="canonical URL (the page's canonical link if trustworthy)")
    source: SourceInfo = Field(description="who the content comes from")
    fetched_at: UtcDatetime = Field(description="when the raw document was fetched or pushed")
    parsed_at: UtcDatetime = Field(description="when the parse stage produced this event")
    feed_item: FeedItem | None = Field(None, description="feed or sitemap metadata, when discovered through one")
    title: str = Field(min_length=1, description="the headline")
    summary: str | None = Field(None, description="subtitle/lede/standfirst, as the page shows it with the story")
    description: str | None = Field(
        None, description="(since 1.1) the description the page declares in its metadata but does not show as part "
                          "of the story; not part of the article text")
    authors: list[str] = Field(default_factory=list, description="author names, cleaned (no 'By', no dates)")
    published: SourceTime | None = Field(None, description="first publication time")
    modified: SourceTime | None = Field(None, description="last modification time")
    section: str | None = Field(None, description="section/category label, e.g. 'NATO–Russia relations'")
    tags: list[str] = Field(default_factory=list, description="tags/keywords the page gives")
    site_name: str | None = Field(None, description="the site's name, e.g. 'RT'")
    publisher: str | None = Field(None, description="the publishing organisation")
    image: Image | None = Field(None, description="main image with caption and credit")
    body: list[Paragraph] = Field(min_length=1, description="the article body in reading order, lede excluded")
    word_count: int = Field(ge=0, description="words (\\w+ runs) in summary and body")
    language_hint: str | None = Field(None, description="ISO 639-1 language the page declares, or null")
    content_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="sha256 of title, summary and body text, whitespace-normalised: the exact-duplicate fingerprint")
    field_sources: dict[str, FieldSource] = Field(
        default_factory=dict, description="per field name: where its value came from")
    extractors: dict[str, str] = Field(
        default_factory=dict, description="tool name -> version of every extractor that contributed")

    def full_text(self) -> str:
        """Title, summary and body blocks joined by blank lines: the text that enrichment character offsets
        (entities, quotes, money, dates) point into."""
        blocks = [self.title, *([self.summary] if self.summary else []), *(p.text for p in self.body)]
        return "\n\n".join(blocks)


class ParsedArticle(ArticleContent):
    """A structured article extracted from a raw document."""

    SCHEMA = "newsflow.article.parsed"
    VERSION = "1.1"  # 1.1: generation, description
