"""OpenSearch implementation of the search port, on opensearch-py's async transport."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import ConnectionError as OsConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError

from newsflow.search.base import SearchEngineError, SearchUnavailableError
from newsflow.search.rest import RestEngine
from newsflow.search.settings import SearchSettings


class OpenSearchEngine(RestEngine):
    name = "opensearch"

    def __init__(self, client: AsyncOpenSearch) -> None:
        self._client = client

    @classmethod
    def from_settings(cls, settings: SearchSettings) -> OpenSearchEngine:
        client = AsyncOpenSearch(
            hosts=[settings.search_url], http_auth=settings.search_basic_auth(),
            verify_certs=settings.search_verify_certs,
            ca_certs=str(settings.search_ca_file) if settings.search_ca_file else None,
            timeout=settings.search_timeout_s, max_retries=0,  # retries are the caller's, with backoff
        )
        return cls(client)

    async def send(self, method: str, path: str, body: Any = None,
                   params: Mapping[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/x-ndjson"} if isinstance(body, str) else None
        try:
            return await self._client.transport.perform_request(method, path, params=params, body=body,
                                                                headers=headers)
        except NotFoundError as exc:
            if method == "HEAD" or path.startswith("/_alias/"):
                return False if method == "HEAD" else {}
            raise SearchEngineError(f"{method} {path}: not found: {exc.info}", 404) from exc
        except OsConnectionError as exc:  # includes timeouts
            raise SearchUnavailableError(f"{method} {path}: OpenSearch unreachable: {exc}") from exc
        except TransportError as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else None
            error = SearchUnavailableError if status in (429, 502, 503, 504) else SearchEngineError
            raise error(f"{method} {path} failed ({status}): {exc.info}", status) from exc

    def vector_mapping(self, dims: int) -> dict[str, Any]:
        return {"type": "knn_vector", "dimension": dims,
                "method": {"name": "hnsw", "space_type": "cosinesimil", "engine": "nmslib"}}

    def index_settings(self, vectors: bool) -> dict[str, Any]:
        return {"index.knn": True} if vectors else {}

    def knn_body(self, field: str, vector: Sequence[float], k: int,
                 filters: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        # ask for more neighbours than needed: approximate kNN over updated documents can return fewer than k
        knn = {"knn": {field: {"vector": list(vector), "k": max(4 * k, 50)}}}
        return {"size": k, "query": {"bool": {"must": [knn], "filter": list(filters)}}}

    async def close(self) -> None:
        await self._client.close()
