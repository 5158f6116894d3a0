"""newsflow's parse stage as `FUNCTION(html, url) -> {title, authors, date, body}`, the shape the shared scorer
reads: `python ../shared/datasets/score_devsets.py benchmarks.devsets_adapter:extract` scores it on all three dev
sets. The body is what is indexed: the summary, then the paragraphs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from newsflow.parse.source_time import local_date
from newsflow.parse.stage import Rejected, parse
from newsflow_schemas import RawDocument, SourceInfo

_NOW = datetime(2026, 12, 1, tzinfo=UTC)


def extract(html: str, url: str | None) -> dict[str, Any]:
    body = html.encode("utf-8", "replace")
    http = url if url and url.startswith(("http://", "https://")) else None
    raw = RawDocument(
        article_id=hashlib.sha256(body).hexdigest(), revision=0, ingested_at=_NOW, url=http,
        source=SourceInfo(name="devset", kind="page"), fetched_at=_NOW, content_type="text/html",
        body_encoding="text", body=body.decode("utf-8"), body_bytes=len(body),
        body_sha256=hashlib.sha256(body).hexdigest())
    article = parse(raw, _NOW)
    if isinstance(article, Rejected):
        return {}
    return {"title": article.title, "authors": article.authors,
            "date": local_date(article.published).isoformat() if article.published else None,
            "body": "\n\n".join([*([article.summary] if article.summary else []), *(p.text for p in article.body)])}
