"""Search requests for people: full text in the article's language, filters, highlights and facets. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FACETS = {"sources": "source.name", "languages": "language.code", "sections": "section",
          "people": "persons", "organizations": "organizations", "locations": "locations"}
TEXT_FIELDS = ["title^3", "summary^2", "body", "lang_text.*^2", "authors.text", "entity_names^2"]
#: what the engine wraps a match in: private-use characters, which article text does not hold, so a mark is always
#: the engine's (brackets or tags would be confused with the text's own, and rich reads brackets as markup)
MARK_START, MARK_END = "\ue000", "\ue001"
#: the near-duplicate cluster of a document (its own id when it has none): hits collapse on it
CLUSTER_FIELD = "duplicate_cluster"
COPIES = "copies"


@dataclass(frozen=True)
class SearchFilters:
    since: datetime | None = None
    until: datetime | None = None
    languages: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)

    def clauses(self) -> list[dict[str, Any]]:
        clauses: list[dict[str, Any]] = []
        if self.since or self.until:
            bounds = {key: value.isoformat() for key, value in (("gte", self.since), ("lte", self.until)) if value}
            clauses.append({"range": {"published.utc": bounds}})
        for terms, values in (("language.code", self.languages), ("source.name", self.sources),
                              ("entity_names", self.entities), ("section", self.sections)):
            if values:
                clauses.append({"terms": {terms: values}})
        return clauses


def search_body(query: str, filters: SearchFilters, size: int = 10, facet_size: int = 10,
                collapse: bool = True) -> dict[str, Any]:
    """With `collapse`, the copies of one near-duplicate cluster are one hit (the best match), which counts them;
    `total` still counts every matching article, and the `clusters` aggregation the distinct stories."""
    must = ([{"multi_match": {"query": query, "fields": TEXT_FIELDS, "type": "best_fields"}}]
            if query.strip() else [{"match_all": {}}])
    body: dict[str, Any] = {
        "size": size,
        "query": {"bool": {"must": must, "filter": filters.clauses()}},
        "sort": ["_score", {"published.utc": {"order": "desc", "missing": "_last"}}],
        "_source": ["article_id", "title", "url", "source.name", "published.utc", "language.code", "authors",
                    "duplicates.cluster_id"],
        "highlight": {"fields": {"title": {"number_of_fragments": 0}, "body": {"fragment_size": 160,
                                                                                "number_of_fragments": 2},
                                 "lang_text.*": {"fragment_size": 160, "number_of_fragments": 2}},
                      "pre_tags": [MARK_START], "post_tags": [MARK_END]},
        "aggs": {name: {"terms": {"field": path, "size": facet_size}} for name, path in FACETS.items()},
        "track_total_hits": True,
    }
    if collapse:
        body["collapse"] = {"field": CLUSTER_FIELD, "inner_hits": {"name": COPIES, "size": 0}}
        body["aggs"]["clusters"] = {"cardinality": {"field": CLUSTER_FIELD}}
    return body


def copies_note(copies: int) -> str:
    """What a collapsed hit stands for beyond itself: '' or '(+2 near-duplicate copies)'."""
    if copies < 2:
        return ""
    return f"(+{copies - 1} near-duplicate {'copy' if copies == 2 else 'copies'})"
