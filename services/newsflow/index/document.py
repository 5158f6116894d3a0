"""EnrichedArticle -> the search document: the event's fields, the body as one text, facets and latency.

Pure: `indexed_at` is passed in. The document id is the article id and its version the revision (see
`newsflow.index.sink`), so the same event delivered twice, or an older revision arriving late, changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newsflow.index.mapping import LANGUAGE_ANALYZERS
from newsflow_schemas import EnrichedArticle

_FACETS = {"person": "persons", "organization": "organizations", "location": "locations"}


def to_document(article: EnrichedArticle, indexed_at: datetime) -> dict[str, Any]:
    doc = article.model_dump(mode="json", by_alias=True, exclude={"body"})
    doc["body"] = "\n\n".join(paragraph.text for paragraph in article.body)
    for facet in _FACETS.values():
        doc[facet] = []
    for entity in article.entities:
        if entity.label in _FACETS:
            doc[_FACETS[entity.label]].append(entity.name)
    doc["entity_names"] = [entity.name for entity in article.entities]
    # never missing: the engine collapses every document without a value into one hit
    doc["duplicate_cluster"] = article.duplicates.cluster_id if article.duplicates else article.article_id
    if article.language.code in LANGUAGE_ANALYZERS:
        doc["lang_text"] = {article.language.code: article.full_text()}
    if doc.get("embedding") is None:
        doc.pop("embedding", None)  # a vector field may be missing, not null
    doc["indexed_at"] = indexed_at.isoformat().replace("+00:00", "Z")
    doc["ingest_to_index_ms"] = int((indexed_at - article.ingested_at).total_seconds() * 1000)
    return doc
