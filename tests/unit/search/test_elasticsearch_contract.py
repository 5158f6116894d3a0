"""What the Elasticsearch implementation does that the real Elasticsearch of the test stack cannot be made to
show: how it classifies overload answers (429, 503) and refused connections. Everything else runs against a real
Elasticsearch 8.19 (tests/integration, both_engines)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from elastic_transport import ApiResponseMeta, ConnectionError, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from newsflow.index.settings import IndexSettings
from newsflow.index.setup import layout
from newsflow.search import ElasticsearchEngine, SearchEngineError, SearchUnavailableError


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


def test_the_index_layout_uses_the_elasticsearch_dialect():
    plan = layout(ElasticsearchEngine(RecordedClient()), IndexSettings())
    vector = plan.body["mappings"]["properties"]["embedding"]["properties"]["vector"]
    assert vector["type"] == "dense_vector" and "index.knn" not in plan.body["settings"]
    assert plan.body["mappings"]["dynamic"] == "strict"
    assert plan.body["mappings"]["properties"]["lang_text"]["properties"]["en"]["analyzer"] == "english"


def test_without_language_analysis_the_language_fields_use_the_standard_analyzer():
    engine = ElasticsearchEngine(RecordedClient())
    engine.language_analysis = False  # what probe() finds on Elastic's integration-test archive
    languages = layout(engine, IndexSettings()).body["mappings"]["properties"]["lang_text"]["properties"]
    assert {field["analyzer"] for field in languages.values()} == {"standard"}
    assert "en" in languages and "de" in languages


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
