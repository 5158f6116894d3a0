"""What an extractor (HTML or plain text) hands to the parse stage, before it becomes a ParsedArticle."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsflow_schemas import FieldSource, Image, Paragraph, SourceTime


class NotAnArticle(ValueError):
    """The page is readable but is no article (listing, error page, paywall stub, too little text)."""


@dataclass
class ExtractedArticle:
    title: str
    body: list[Paragraph]
    summary: str | None = None
    description: str | None = None  # declared in the page's metadata, not shown as part of the story
    authors: list[str] = field(default_factory=list)
    published: SourceTime | None = None
    modified: SourceTime | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    site_name: str | None = None
    publisher: str | None = None
    image: Image | None = None
    canonical_url: str | None = None
    language_hint: str | None = None
    sources: dict[str, FieldSource] = field(default_factory=dict)
