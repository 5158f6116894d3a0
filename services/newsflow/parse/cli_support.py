"""`newsflow parse FILE`: parse a saved page or text by hand, exactly as the service would."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from newsflow.parse.stage import Rejected, UnparseableError, parse
from newsflow_schemas import (
    ParsedArticle,
    RawDocument,
    SourceInfo,
    article_id_for_text,
    article_id_for_url,
    encode,
    revision_at,
)


def raw_document_for(body: bytes, *, url: str | None, source: str, charset: str | None, now: datetime,
                     html: bool) -> RawDocument:
    """A RawDocument as a producer would push it. Without a URL the id is provisional (the content hash)
    until the title and date are known; see `with_text_id`."""
    return RawDocument(
        article_id=article_id_for_url(url) if url else hashlib.sha256(body).hexdigest(), revision=revision_at(now),
        ingested_at=now, url=url, source=SourceInfo(name=source, kind="page" if url else "push"), fetched_at=now,
        content_type="text/html" if html else "text/plain", charset=charset,
        body_encoding="base64" if html else "text",
        body=base64.b64encode(body).decode() if html else body.decode("utf-8"),
        body_bytes=len(body), body_sha256=hashlib.sha256(body).hexdigest(),
    )


def looks_like_html(path: Path, body: bytes) -> bool:
    return path.suffix.lower() in (".html", ".htm", ".xhtml") or body.lstrip()[:1] == b"<"


def with_text_id(article: ParsedArticle) -> ParsedArticle:
    """For content without a URL: the contract's id from source, normalised title and published day."""
    day = (article.published.utc if article.published else article.fetched_at).date()
    return article.model_copy(update={"article_id": article_id_for_text(article.source.name, article.title, day)})


def parse_path(path: Path, *, url: str | None, source: str, charset: str | None) -> str:
    body = path.read_bytes()
    now = datetime.now(UTC)
    html = looks_like_html(path, body)
    if not html:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError("plain text must be UTF-8 (or pass an HTML page)") from exc
    try:
        result = parse(raw_document_for(body, url=url, source=source, charset=charset, now=now, html=html), now)
    except UnparseableError as exc:
        raise ValueError(f"cannot be parsed: {exc}") from exc
    if isinstance(result, Rejected):
        raise ValueError(f"not an article: {result.reason}")
    article = result if url else with_text_id(result)
    return json.dumps(json.loads(encode(article)[0]), indent=2, ensure_ascii=False)
