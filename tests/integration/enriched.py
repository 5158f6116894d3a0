"""Enriched articles for index tests, made from the checked-in example payload."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from newsflow_schemas import Duplicates, EnrichedArticle, article_id_for_url, decode
from tests.unit.schemas.conftest import EXAMPLES

_EXAMPLE = next(p for p in EXAMPLES if "enriched" in str(p)).read_bytes()


def enriched(n: int, revision: int = 1, title: str | None = None, **changes) -> EnrichedArticle:
    """Story n, its own near-duplicate cluster (unless `duplicates` is given), ingested a second ago."""
    base: EnrichedArticle = decode(_EXAMPLE)
    url = f"https://news.example.org/story/{n}"
    article_id = article_id_for_url(url)
    duplicates = Duplicates(content_sha256=hashlib.sha256(url.encode()).hexdigest(), cluster_id=article_id)
    return base.model_copy(update={
        "article_id": article_id, "url": url, "revision": revision,
        "title": title or f"Story {n} revision {revision}", "duplicates": duplicates,
        "ingested_at": datetime.now(UTC) - timedelta(seconds=1), **changes})
