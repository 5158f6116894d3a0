"""The project's search adapter against the real OpenSearch of the embedded stack."""

from __future__ import annotations

from newsflow.common.settings import Settings
from newsflow.search import IndexedDoc, connect

INDEX_BODY = {
    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
    "mappings": {"dynamic": "strict", "properties": {
        "title": {"type": "text"}, "source": {"type": "keyword"}, "n": {"type": "integer"}}},
}


async def test_auto_detects_opensearch(settings: Settings):
    engine = await connect(settings)
    try:
        assert engine.name == "opensearch"
    finally:
        await engine.close()


async def test_bulk_indexes_then_searches(search_engine, index_factory):
    index = index_factory()
    assert await search_engine.ensure_index(index, INDEX_BODY) is True
    assert await search_engine.ensure_index(index, INDEX_BODY) is False  # idempotent

    docs = [IndexedDoc(id=f"doc-{i}", version=1,
                       source={"title": f"NATO chief story {i}" if i % 10 == 0 else f"weather report {i}",
                               "source": "RT" if i % 2 else "Reuters", "n": i})
            for i in range(200)]
    results = await search_engine.bulk_index(index, docs)
    assert [r.outcome for r in results] == ["written"] * 200
    await search_engine.refresh(index)

    found = await search_engine.search(index, {
        "query": {"match": {"title": "nato"}}, "size": 50,
        "highlight": {"fields": {"title": {}}},
        "aggs": {"by_source": {"terms": {"field": "source"}}},
    })
    assert found.total == 20
    assert {hit.id for hit in found.hits} == {f"doc-{i}" for i in range(0, 200, 10)}
    assert all("<em>NATO</em>" in hit.highlight["title"][0] for hit in found.hits)
    assert {b["key"]: b["doc_count"] for b in found.aggregations["by_source"]["buckets"]} == {"Reuters": 20}


async def test_external_versions_keep_the_newest_and_report_stale_and_failed(search_engine, index_factory):
    index = index_factory()
    await search_engine.ensure_index(index, INDEX_BODY)
    await search_engine.bulk_index(index, [IndexedDoc("a", {"title": "v5", "n": 5}, version=5)])
    results = await search_engine.bulk_index(index, [
        IndexedDoc("a", {"title": "v3", "n": 3}, version=3),  # an older revision arriving late
        IndexedDoc("b", {"title": "fine", "n": 1}, version=1),
        IndexedDoc("c", {"title": "bad", "unexpected": True}, version=1),  # strict mapping refuses it
    ])
    assert [r.outcome for r in results] == ["stale", "written", "failed"]
    assert results[2].error_type == "strict_dynamic_mapping_exception" and not results[2].retriable
    await search_engine.refresh(index)
    found = await search_engine.search(index, {"query": {"ids": {"values": ["a"]}}})
    assert found.hits[0].source["title"] == "v5"
