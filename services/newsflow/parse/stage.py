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
from newsflow.parse.decoding import Decoded, UndecodableError, decode_body
from newsflow.parse.extracted import ExtractedArticle, NotAnArticle
from newsflow.parse.html_article import EXTRACTOR_VERSIONS, extract_html
from newsflow.parse.text_article import extract_text
from newsflow_schemas import FieldSource, ParsedArticle, RawDocument

HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml"}
TEXT_TYPES = {"text/plain", "text/markdown"}
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_MARKUP = 50_000  # the dev sets' largest page has 19,629 '<'; 50,000 '<' (25,000 <p>) parse in ~3 s here
_WORD = re.compile(r"\w+")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


__all__ = ["Rejected", "UnparseableError", "parse"]


class UnparseableError(ValueError):
    """The raw document can never be parsed (poison): the message says why."""


def parse(raw: RawDocument, now: datetime, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
          max_markup: int = DEFAULT_MAX_MARKUP) -> ParsedArticle | Rejected:
    """Raises UnparseableError for poison and nothing else (property-tested on arbitrary documents)."""
    body = _body_bytes(raw, max_body_bytes)
    url = _http_url(raw.url)
    if raw.url is not None and url is None:
        raise UnparseableError(f"url {raw.url[:200]!r} is not an absolute http(s) URL")
    try:
        decoded = Decoded(body.decode("utf-8"), "utf-8", "pushed text") if raw.body_encoding == "text" else (
            decode_body(body, raw.charset))
        if raw.content_type in HTML_TYPES:
            _check_markup(decoded.text, max_markup)
            extracted, tool = extract_html(_xml_safe(decoded.text), url, now), "trafilatura"
        elif raw.content_type in TEXT_TYPES:
            extracted, tool = extract_text(decoded.text, now), "newsflow-text"
        else:
            raise UnparseableError(f"content type {raw.content_type!r} is not parsed (HTML or plain text only)")
    except UndecodableError as exc:
        raise UnparseableError(str(exc)) from exc
    except NotAnArticle as exc:
        return Rejected(str(exc))
    return _parsed_article(raw, url, extracted, now, tool, decoded)


def _check_markup(text: str, limit: int) -> None:
    """Parse time grows with the number of elements, not bytes: 4 MB of '<p>' is a million of them. '<' counts
    them from above at the speed of a memory scan."""
    tags = text.count("<")
    if tags > limit:
        raise UnparseableError(f"page has {tags} '<' (tags), over the limit of {limit} (NEWSFLOW_PARSE_MAX_MARKUP)")


def _xml_safe(text: str) -> str:
    """Without the control characters no HTML page may hold, which lxml refuses to put into a tree (a
    ValueError deep inside htmldate otherwise): browsers do not show them either."""
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def _http_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, else None ('javascript:', '//x', 'http://[::1')."""
    try:
        parts = urlsplit(url) if url else None
    except ValueError:
        return None
    return url if parts and parts.scheme in ("http", "https") and parts.hostname else None


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


def _parsed_article(raw: RawDocument, fetched_url: str | None, found: ExtractedArticle, now: datetime, tool: str,
                    decoded: Decoded) -> ParsedArticle:
    url = _trusted_canonical(fetched_url, found.canonical_url)
    text_blocks = [found.title, found.summary or "", *(p.text for p in found.body)]
    extractors = {"newsflow": __version__}
    if tool == "trafilatura":
        extractors |= EXTRACTOR_VERSIONS
    sources = dict(found.sources)
    if found.site_name is None and raw.source.publisher:
        sources["site_name"] = FieldSource(method="producer")
    sources["encoding"] = FieldSource(method=decoded.method, detail=decoded.encoding)
    return ParsedArticle(
        article_id=raw.article_id, revision=raw.revision, generation=raw.generation,  # the id minted at entry
        ingested_at=raw.ingested_at, url=url, source=raw.source, fetched_at=raw.fetched_at, parsed_at=now,
        feed_item=raw.feed_item, title=found.title, summary=found.summary, description=found.description,
        authors=found.authors,
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
    canonical = _http_url(canonical)
    if canonical and _site(canonical) == _site(fetched):
        return canonical
    return fetched


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()  # both checked by _http_url: urlsplit cannot fail here
    return host.removeprefix("www.")
