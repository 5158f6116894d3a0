"""Enriched articles for index tests, made from the checked-in example payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsflow_schemas import EnrichedArticle, article_id_for_url, decode
from tests.unit.schemas.conftest import EXAMPLES

_EXAMPLE = next(p for p in EXAMPLES if "enriched" in str(p)).read_bytes()


def enriched(n: int, revision: int = 1, title: str | None = None, **changes) -> EnrichedArticle:
    base: EnrichedArticle = decode(_EXAMPLE)
    url = f"https://news.example.org/story/{n}"
    return base.model_copy(update={
        "article_id": article_id_for_url(url), "url": url, "revision": revision,
        "title": title or f"Story {n} revision {revision}",
        "ingested_at": datetime.now(UTC) - timedelta(seconds=1), **changes})
