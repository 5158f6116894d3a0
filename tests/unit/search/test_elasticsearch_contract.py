"""Contract tests of the Elasticsearch 8 implementation: Elasticsearch cannot run on these machines, so these
check the requests it builds and how it reads recorded Elasticsearch 8 responses. The shared REST logic is
exercised for real against OpenSearch in tests/integration."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from elastic_transport import ApiResponseMeta, ConnectionError, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from newsflow.common.settings import Settings
from newsflow.index.setup import layout
from newsflow.search import ElasticsearchEngine, IndexedDoc, SearchEngineError, SearchUnavailableError

BULK_RESPONSE = {  # as Elasticsearch 8.15 answers a bulk of three external-versioned index actions
    "took": 5, "errors": True, "items": [
        {"index": {"_index": "newsflow-articles-v1", "_id": "a", "_version": 7, "result": "created",
                   "status": 201, "_seq_no": 0, "_primary_term": 1}},
        {"index": {"_index": "newsflow-articles-v1", "_id": "b", "status": 409, "error": {
            "type": "version_conflict_engine_exception",
            "reason": "[b]: version conflict, current version [9] is higher or equal to the one provided [3]"}}},
        {"index": {"_index": "newsflow-articles-v1", "_id": "c", "status": 400, "error": {
            "type": "document_parsing_exception", "reason": "[1:42] failed to parse field [embedding.vector]",
            "caused_by": {"type": "illegal_argument_exception",
                          "reason": "The [dense_vector] field [embedding.vector] expects 384 dimensions"}}}},
    ]}


def _api_error(status: int, body: Any) -> ApiError:
    meta = ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.01,
                           node=NodeConfig("http", "localhost", 9200))
    return ApiError(message=str(status), meta=meta, body=body)


class RecordedClient:
    """Stands in for AsyncElasticsearch: records each request, answers with the next recorded response."""

    def __init__(self, *responses: Any) -> None:
        self.requests: list[dict[str, Any]] = []
        self.responses = list(responses)

    async def perform_request(self, method, path, *, params=None, headers=None, body=None):
        self.requests.append({"method": method, "path": path, "params": params, "headers": headers, "body": body})
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, payload = answer if isinstance(answer, tuple) else (200, answer)
        return SimpleNamespace(body=payload, meta=SimpleNamespace(status=status))

    async def close(self) -> None:
        pass


async def test_bulk_sends_ndjson_with_external_versions_and_reads_each_item():
    client = RecordedClient(BULK_RESPONSE)
    engine = ElasticsearchEngine(client)
    results = await engine.bulk_index("newsflow-articles-write", [
        IndexedDoc("a", {"title": "one"}, version=7), IndexedDoc("b", {"title": "two"}, version=3),
        IndexedDoc("c", {"title": "three"}, version=1)])
    request = client.requests[0]
    assert (request["method"], request["path"]) == ("POST", "/_bulk")
    assert request["headers"]["content-type"] == "application/vnd.elasticsearch+x-ndjson; compatible-with=8"
    lines = [json.loads(line) for line in request["body"].splitlines()]
    assert lines[0] == {"index": {"_index": "newsflow-articles-write", "_id": "a", "version": 7,
                                  "version_type": "external"}}
    assert lines[1] == {"title": "one"} and request["body"].endswith("\n")
    assert [r.outcome for r in results] == ["written", "stale", "failed"]
    assert results[2].error_type == "document_parsing_exception" and "expects 384 dimensions" in results[2].reason
    assert not results[2].retriable


async def test_dialect_vector_field_and_knn_query():
    client = RecordedClient({"hits": {"total": {"value": 1, "relation": "eq"}, "hits": [
        {"_id": "x", "_score": 0.9, "_source": {"title": "close"}}]}})
    engine = ElasticsearchEngine(client)
    assert engine.vector_mapping(384) == {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine"}
    assert engine.index_settings(vectors=True) == {}
    found = await engine.knn_search("newsflow-articles", "embedding.vector", [0.1, 0.2], 5,
                                    filters=[{"term": {"language.code": "en"}}])
    body = client.requests[0]["body"]
    assert body == {"size": 5, "knn": {"field": "embedding.vector", "query_vector": [0.1, 0.2], "k": 5,
                                       "num_candidates": 100, "filter": [{"term": {"language.code": "en"}}]}}
    assert [hit.id for hit in found.hits] == ["x"] and found.total == 1


def test_the_index_layout_uses_the_elasticsearch_dialect():
    plan = layout(ElasticsearchEngine(RecordedClient()), Settings())
    vector = plan.body["mappings"]["properties"]["embedding"]["properties"]["vector"]
    assert vector["type"] == "dense_vector" and "index.knn" not in plan.body["settings"]
    assert plan.body["mappings"]["dynamic"] == "strict"


async def test_missing_alias_and_index_read_as_empty_not_errors():
    client = RecordedClient(_api_error(404, {"error": "alias [x] missing", "status": 404}), (404, None),
                            {"newsflow-articles-v2": {"aliases": {"newsflow-articles": {}}},
                             "newsflow-articles-v1": {"aliases": {"newsflow-articles": {}}}})
    engine = ElasticsearchEngine(client)
    assert await engine.aliases("x") == []
    assert await engine.index_exists("nope") is False
    assert await engine.aliases("newsflow-articles") == ["newsflow-articles-v1", "newsflow-articles-v2"]


@pytest.mark.parametrize(("error", "kind"), [
    (_api_error(429, {"error": {"type": "es_rejected_execution_exception"}}), SearchUnavailableError),
    (_api_error(503, {"error": {"type": "cluster_block_exception"}}), SearchUnavailableError),
    (ConnectionError("connection refused"), SearchUnavailableError),
    (_api_error(400, {"error": {"type": "mapper_parsing_exception"}}), SearchEngineError),
])
async def test_errors_are_classified_retry_later_or_refused(error, kind):
    engine = ElasticsearchEngine(RecordedClient(error))
    with pytest.raises(kind) as caught:
        await engine.search("newsflow-articles", {"query": {"match_all": {}}})
    assert caught.type is kind


async def test_template_and_alias_requests():
    missing = _api_error(404, {"error": {"type": "resource_not_found_exception"}, "status": 404})
    client = RecordedClient({"acknowledged": True}, {"acknowledged": True}, {"acknowledged": True}, missing)
    engine = ElasticsearchEngine(client)
    await engine.ensure_template("newsflow-articles", {"index_patterns": ["newsflow-articles-v*"]})
    await engine.update_aliases([{"add": {"index": "i", "alias": "a"}}])
    await engine.delete_templates("test-1*")
    await engine.delete_templates("test-2*")  # nothing matched: not an error
    assert [(r["method"], r["path"]) for r in client.requests] == [
        ("PUT", "/_index_template/newsflow-articles"), ("POST", "/_aliases"), ("DELETE", "/_index_template/test-1*"),
        ("DELETE", "/_index_template/test-2*")]
    assert client.requests[1]["body"] == {"actions": [{"add": {"index": "i", "alias": "a"}}]}
