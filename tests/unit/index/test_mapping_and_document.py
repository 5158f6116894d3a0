from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsflow.index.document import to_document
from newsflow.index.mapping import article_mappings, mapping_hash
from newsflow.index.query import SearchFilters, search_body
from newsflow_schemas import EnrichedArticle, decode
from tests.unit.schemas.conftest import EXAMPLES

VECTOR = {"type": "knn_vector", "dimension": 384}


def _example() -> EnrichedArticle:
    return decode(next(p for p in EXAMPLES if "enriched" in str(p)).read_bytes())


def _unmapped(doc: dict, properties: dict, path: str = "") -> list[str]:
    """Fields of a document that a strict mapping would refuse."""
    missing = []
    for key, value in doc.items():
        mapping = properties.get(key)
        if mapping is None:
            missing.append(path + key)
        elif mapping.get("enabled") is False:
            continue
        elif "properties" in mapping:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    missing += _unmapped(item, mapping["properties"], f"{path}{key}.")
    return missing


def test_every_field_of_the_event_is_mapped_and_the_mapping_is_strict():
    mappings = article_mappings(VECTOR)
    assert mappings["dynamic"] == "strict"
    assert set(EnrichedArticle.model_fields) - {"schema_name"} <= set(mappings["properties"])
    assert mappings["properties"]["title"]["type"] == "text"
    assert mappings["properties"]["published"]["properties"]["utc"] == {"type": "date"}
    assert mappings["properties"]["embedding"]["properties"]["vector"] == VECTOR


def test_the_projected_document_fits_the_mapping():
    article = _example()
    doc = to_document(article, datetime(2024, 3, 12, 7, 0, 6, tzinfo=UTC))
    assert _unmapped(doc, article_mappings(VECTOR)["properties"]) == []
    assert doc["body"] == "\n\n".join(p.text for p in article.body)
    assert doc["persons"] == ["Jens Stoltenberg"] and doc["entity_names"] == ["Jens Stoltenberg"]
    assert doc["lang_text"] == {"en": article.full_text()}
    assert "embedding" not in doc  # no vector: the field is left out, not null


def test_latency_from_entry_to_index_is_recorded():
    article = _example()
    doc = to_document(article, article.ingested_at + timedelta(milliseconds=1500))
    assert doc["ingest_to_index_ms"] == 1500


def test_mapping_hash_changes_with_the_mapping():
    one = article_mappings(VECTOR)
    other = article_mappings({"type": "knn_vector", "dimension": 768})
    assert mapping_hash(one, {}) == mapping_hash(article_mappings(VECTOR), {})
    assert mapping_hash(one, {}) != mapping_hash(other, {})


def test_search_body_combines_text_filters_highlights_and_facets():
    body = search_body("nato troops", SearchFilters(since=datetime(2024, 3, 1, tzinfo=UTC), languages=["en"],
                                                    entities=["Jens Stoltenberg"]), size=5)
    assert body["query"]["bool"]["must"][0]["multi_match"]["query"] == "nato troops"
    assert {"terms": {"language.code": ["en"]}} in body["query"]["bool"]["filter"]
    assert {"terms": {"entity_names": ["Jens Stoltenberg"]}} in body["query"]["bool"]["filter"]
    assert body["query"]["bool"]["filter"][0] == {"range": {"published.utc": {"gte": "2024-03-01T00:00:00+00:00"}}}
    assert set(body["aggs"]) == {"sources", "languages", "sections", "people", "organizations", "locations",
                                 "clusters"}
    assert search_body("", SearchFilters())["query"]["bool"]["must"] == [{"match_all": {}}]
