"""The project's search adapter against the real engines: OpenSearch of the embedded stack and Elasticsearch
from Elastic's integration-test archive (both_engines)."""

from __future__ import annotations

import pytest

from newsflow.index.settings import IndexSettings
from newsflow.search import IndexedDoc, Revision, SearchEngineError, connect
from tests.integration.conftest import both_engines

INDEX_BODY = {
    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
    "mappings": {"dynamic": "strict", "properties": {
        "title": {"type": "text"}, "source": {"type": "keyword"}, "n": {"type": "integer"}}},
}


@both_engines
async def test_auto_detects_the_engine_and_its_language_analysis(index_settings: IndexSettings,
                                                                 search_engine_name: str):
    engine = await connect(index_settings.model_copy(update={"search_engine": "auto"}))
    try:
        assert engine.name == search_engine_name
        # Elastic's integration-test archive has no analysis-common module, the OpenSearch tarball has
        assert engine.language_analysis is (search_engine_name == "opensearch")
    finally:
        await engine.close()


@both_engines
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


@both_engines
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


@both_engines
async def test_compare_and_set_writes_lose_to_a_concurrent_change(search_engine, index_factory):
    index = index_factory()
    await search_engine.ensure_index(index, INDEX_BODY)
    created = await search_engine.bulk_index(index, [IndexedDoc("a", {"n": 1}, if_absent=True)])
    again = await search_engine.bulk_index(index, [IndexedDoc("a", {"n": 99}, if_absent=True)])
    assert [created[0].outcome, again[0].outcome] == ["written", "stale"]

    (source, revision), = (await search_engine.get_revisions(index, ["a"])).values()
    assert source == {"n": 1}
    first = await search_engine.bulk_index(index, [IndexedDoc("a", {"n": 2}, if_revision=revision)])
    second = await search_engine.bulk_index(index, [IndexedDoc("a", {"n": 3}, if_revision=revision)])  # read before
    assert [first[0].outcome, second[0].outcome] == ["written", "stale"]
    assert (await search_engine.get_many(index, ["a"]))["a"] == {"n": 2}
    assert (await search_engine.get_revisions(index, ["missing"])) == {}
    assert isinstance(revision, Revision)


@both_engines
async def test_copy_keeps_versions_so_an_older_copy_never_overwrites_a_newer_document(search_engine, index_factory):
    old, new = index_factory(), index_factory()
    for index in (old, new):
        await search_engine.ensure_index(index, INDEX_BODY)
    await search_engine.bulk_index(old, [IndexedDoc(f"d{i}", {"title": f"old {i}", "n": i}, version=3)
                                         for i in range(1234)])  # more than one scroll page
    await search_engine.bulk_index(new, [IndexedDoc("d7", {"title": "newer", "n": 7}, version=4)])
    await search_engine.refresh(old)
    assert await search_engine.copy_documents(old, new) == 1233
    assert await search_engine.count(new) == 1234
    assert (await search_engine.get_many(new, ["d7"]))["d7"]["title"] == "newer"
    assert await search_engine.copy_documents(old, new) == 0  # the same versions again: nothing rewritten


@both_engines
async def test_templates_aliases_and_deletes(search_engine, index_factory, index_settings):
    index = index_factory()
    await search_engine.ensure_template(f"{index_settings.index_prefix}-tpl", {
        "index_patterns": [f"{index_settings.index_prefix}-i*"], "priority": 100, "template": INDEX_BODY})
    await search_engine.bulk_index(index, [IndexedDoc("a", {"title": "made by the template", "n": 1}),
                                           IndexedDoc("b", {"title": "kept", "n": 2})])
    await search_engine.update_aliases([{"add": {"index": index, "alias": f"{index}-read"}}])
    assert await search_engine.aliases(f"{index}-read") == [index]
    assert await search_engine.aliases(f"{index}-none") == []
    refused = await search_engine.bulk_index(index, [IndexedDoc("c", {"title": "x", "unexpected": 1})])
    assert refused[0].outcome == "failed"  # the template's strict mapping applied to the index it created
    deleted = await search_engine.bulk_delete(index, ["a", "never-there"])
    assert [r.outcome for r in deleted] == ["written", "stale"]
    assert set(await search_engine.get_many(f"{index}-read", ["a", "b"])) == {"b"}


@pytest.mark.parametrize("search_engine_name", ["elasticsearch"])
async def test_elasticsearch_refuses_what_the_archive_lacks(search_engine, index_factory):
    """Why the adapter avoids scripts, _reindex and the language analyzers: the archive has none of them."""
    index = index_factory()
    await search_engine.ensure_index(index, INDEX_BODY)
    with pytest.raises(SearchEngineError, match=r"analyzer \[english\]"):
        await search_engine.ensure_index(index_factory(), {"mappings": {"properties": {
            "t": {"type": "text", "analyzer": "english"}}}})
    with pytest.raises(SearchEngineError, match=r"_reindex"):
        await search_engine.send("POST", "/_reindex", {"source": {"index": index}, "dest": {"index": index + "x"}})
