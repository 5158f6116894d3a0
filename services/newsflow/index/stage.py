"""The index stage's pure step: an enriched article -> the document to write, under its id and external version.

The id is the article id and the version `revision * 1000 + generation` (`EnrichedArticle.external_version`), so
the same event delivered twice, or an older revision arriving late, changes nothing in the engine, and a
reprocessed generation replaces what the first pass wrote.
"""

from __future__ import annotations

from datetime import datetime

from newsflow.index.document import to_document
from newsflow.search import IndexedDoc
from newsflow_schemas import EnrichedArticle


def index_document(article: EnrichedArticle, now: datetime) -> IndexedDoc:
    return IndexedDoc(id=article.article_id, source=to_document(article, now), version=article.external_version)
