"""The parse stage, pure: a RawDocument in, a ParsedArticle or a Rejected verdict out.

    result = parse(raw, now=datetime.now(UTC))

Input that can never be parsed (binary, undecodable, over the size limit, corrupted) raises `UnparseableError`:
the runner dead-letters it. A readable document that is no article (listing, error page, paywall stub, too
little text) is `Rejected` with the reason: counted and committed, and still replayable from the raw topic.
No network, no metrics, no clock (`now` is passed in).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import datetime
from urllib.parse import urlsplit

from newsflow import __version__
from newsflow.common.outcomes import Rejected
from newsflow.parse.decoding import UndecodableError, decode_body
from newsflow.parse.extracted import ExtractedArticle, NotAnArticle
from newsflow.parse.html_article import EXTRACTOR_VERSIONS, extract_html
from newsflow.parse.text_article import extract_text
from newsflow_schemas import FieldSource, ParsedArticle, RawDocument, article_id_for_url

HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml"}
TEXT_TYPES = {"text/plain", "text/markdown"}
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
_WORD = re.compile(r"\w+")


__all__ = ["Rejected", "UnparseableError", "parse"]


class UnparseableError(ValueError):
    """The raw document can never be parsed (poison): the message says why."""


def parse(raw: RawDocument, now: datetime, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> ParsedArticle | Rejected:
    body = _body_bytes(raw, max_body_bytes)
    try:
        text = body.decode("utf-8") if raw.body_encoding == "text" else decode_body(body, raw.charset).text
        if raw.content_type in HTML_TYPES:
            extracted, tool = extract_html(text, raw.url, now), "trafilatura"
        elif raw.content_type in TEXT_TYPES:
            extracted, tool = extract_text(text, now), "newsflow-text"
        else:
            raise UnparseableError(f"content type {raw.content_type!r} is not parsed (HTML or plain text only)")
    except UndecodableError as exc:
        raise UnparseableError(str(exc)) from exc
    except NotAnArticle as exc:
        return Rejected(str(exc))
    return _parsed_article(raw, extracted, now, tool)


def _body_bytes(raw: RawDocument, limit: int) -> bytes:
    if raw.body_bytes > limit:
        raise UnparseableError(f"body of {raw.body_bytes} bytes is over the limit of {limit} bytes")
    try:
        body = raw.body.encode("utf-8") if raw.body_encoding == "text" else base64.b64decode(raw.body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UnparseableError(f"body is not valid base64: {exc}") from exc
    if len(body) > limit:
        raise UnparseableError(f"body of {len(body)} bytes is over the limit of {limit} bytes")
    if hashlib.sha256(body).hexdigest() != raw.body_sha256:
        raise UnparseableError("body does not match its sha256: truncated or corrupted on the way")
    return body


def _parsed_article(raw: RawDocument, found: ExtractedArticle, now: datetime, tool: str) -> ParsedArticle:
    url = _trusted_canonical(raw.url, found.canonical_url)
    text_blocks = [found.title, found.summary or "", *(p.text for p in found.body)]
    extractors = {"newsflow": __version__}
    if tool == "trafilatura":
        extractors |= EXTRACTOR_VERSIONS
    sources = dict(found.sources)
    if found.site_name is None and raw.source.publisher:
        sources["site_name"] = FieldSource(method="producer")
    return ParsedArticle(
        article_id=article_id_for_url(url) if url else raw.article_id, revision=raw.revision,
        ingested_at=raw.ingested_at, url=url, source=raw.source, fetched_at=raw.fetched_at, parsed_at=now,
        feed_item=raw.feed_item, title=found.title, summary=found.summary, authors=found.authors,
        published=found.published, modified=found.modified, section=found.section, tags=found.tags,
        site_name=found.site_name or raw.source.publisher, publisher=found.publisher, image=found.image,
        body=found.body, word_count=sum(len(_WORD.findall(block)) for block in text_blocks[1:]),
        language_hint=found.language_hint or raw.source.language_hint,
        content_sha256=hashlib.sha256("\n".join(" ".join(b.split()) for b in text_blocks).encode()).hexdigest(),
        field_sources=sources, extractors=extractors,
    )


def _trusted_canonical(fetched: str | None, canonical: str | None) -> str | None:
    """The page's canonical URL if it is on the fetched URL's site (a foreign one could hijack the id)."""
    if not fetched:
        return None
    if canonical and _site(canonical) == _site(fetched):
        return canonical
    return fetched


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")
