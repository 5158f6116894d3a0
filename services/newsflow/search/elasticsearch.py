"""Elasticsearch 8 implementation of the search port, on the `elasticsearch` client.

Tested against a real Elasticsearch 8.19 (Elastic's integration-test archive from Maven Central, started by the
embedded stack for the tests); recorded responses remain only for what a real server cannot be made to show
(overload answers, tests/unit/search).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from newsflow.search.base import SearchEngineError, SearchUnavailableError
from newsflow.search.rest import RestEngine
from newsflow.search.settings import SearchSettings

_JSON = "application/vnd.elasticsearch+json; compatible-with=8"
_NDJSON = "application/vnd.elasticsearch+x-ndjson; compatible-with=8"


class ElasticsearchEngine(RestEngine):
    name = "elasticsearch"

    def __init__(self, client: Any) -> None:
        self._client = client  # elasticsearch.AsyncElasticsearch, or a recorded stand-in in contract tests

    @classmethod
    def from_settings(cls, settings: SearchSettings) -> ElasticsearchEngine:
        from elasticsearch import AsyncElasticsearch

        options: dict[str, Any] = {"request_timeout": settings.search_timeout_s, "max_retries": 0,
                                   "verify_certs": settings.search_verify_certs}
        if settings.search_ca_file:
            options["ca_certs"] = str(settings.search_ca_file)
        if settings.search_api_key:
            options["api_key"] = settings.search_api_key.get_secret_value()
        elif settings.search_basic_auth():
            options["basic_auth"] = settings.search_basic_auth()
        return cls(AsyncElasticsearch(settings.search_url, **options))

    async def send(self, method: str, path: str, body: Any = None,
                   params: Mapping[str, Any] | None = None) -> Any:
        from elastic_transport import ConnectionError as EsConnectionError
        from elasticsearch import ApiError

        ndjson = isinstance(body, str)
        headers = {"accept": _JSON, **({"content-type": _NDJSON if ndjson else _JSON} if body is not None else {})}
        try:
            response = await self._client.perform_request(method, path, params=dict(params or {}),
                                                          headers=headers, body=body)
        except ApiError as exc:
            status = exc.meta.status
            if status == 404 and (method == "HEAD" or path.startswith("/_alias/")):
                return False if method == "HEAD" else {}
            error = SearchUnavailableError if status in (429, 502, 503, 504) else SearchEngineError
            raise error(f"{method} {path} failed ({status}): {exc.body}", status) from exc
        except EsConnectionError as exc:  # includes timeouts
            raise SearchUnavailableError(f"{method} {path}: Elasticsearch unreachable: {exc}") from exc
        if method == "HEAD":
            return response.meta.status == 200
        return response.body

    def vector_mapping(self, dims: int) -> dict[str, Any]:
        return {"type": "dense_vector", "dims": dims, "index": True, "similarity": "cosine"}

    def index_settings(self, vectors: bool) -> dict[str, Any]:
        return {}

    def knn_body(self, field: str, vector: Sequence[float], k: int,
                 filters: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        return {"size": k, "knn": {"field": field, "query_vector": list(vector), "k": k,
                                   "num_candidates": max(10 * k, 100), "filter": list(filters)}}

    async def close(self) -> None:
        await self._client.close()
