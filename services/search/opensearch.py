"""OpenSearch implementation of the search port, on opensearch-py's async client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opensearchpy import AsyncOpenSearch
from opensearchpy.exceptions import OpenSearchException, RequestError

from newsflow.common.settings import Settings
from newsflow.search.base import BulkItemResult, IndexedDoc, ItemOutcome, SearchEngineError, SearchHit, SearchHits

_VERSION_CONFLICT = 409


class OpenSearchEngine:
    name = "opensearch"

    def __init__(self, client: AsyncOpenSearch) -> None:
        self._client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenSearchEngine:
        auth = None
        if settings.search_username and settings.search_password:
            auth = (settings.search_username, settings.search_password.get_secret_value())
        client = AsyncOpenSearch(
            hosts=[settings.search_url], http_auth=auth, verify_certs=settings.search_verify_certs,
            ca_certs=str(settings.search_ca_file) if settings.search_ca_file else None,
            timeout=settings.search_timeout_s,
        )
        return cls(client)

    async def ensure_index(self, index: str, body: Mapping[str, Any]) -> bool:
        try:
            if await self._client.indices.exists(index=index):
                return False
            await self._client.indices.create(index=index, body=dict(body))
            return True
        except RequestError as exc:
            if exc.error == "resource_already_exists_exception":  # created concurrently: same outcome
                return False
            raise SearchEngineError(f"creating index {index} failed: {exc.info}") from exc
        except OpenSearchException as exc:
            raise SearchEngineError(f"creating index {index} failed: {exc}") from exc

    async def delete_index(self, index: str) -> None:
        await self._client.indices.delete(index=index, ignore_unavailable=True)

    async def bulk_index(self, index: str, docs: Sequence[IndexedDoc]) -> list[BulkItemResult]:
        if not docs:
            return []
        body: list[Mapping[str, Any]] = []
        for doc in docs:
            action: dict[str, Any] = {"_index": index, "_id": doc.id}
            if doc.version is not None:
                action |= {"version": doc.version, "version_type": "external"}
            body += [{"index": action}, doc.source]
        try:
            response = await self._client.bulk(body=body)
        except OpenSearchException as exc:
            raise SearchEngineError(f"bulk write of {len(docs)} documents to {index} failed: {exc}") from exc
        return [_item_result(item["index"]) for item in response["items"]]

    async def refresh(self, index: str) -> None:
        await self._client.indices.refresh(index=index)

    async def search(self, index: str, body: Mapping[str, Any]) -> SearchHits:
        response = await self._client.search(index=index, body=dict(body))
        hits = [SearchHit(id=hit["_id"], score=hit.get("_score"), source=hit.get("_source", {}),
                          highlight=hit.get("highlight", {}))
                for hit in response["hits"]["hits"]]
        total = response["hits"]["total"]
        return SearchHits(total=total["value"] if isinstance(total, dict) else int(total), hits=hits,
                          aggregations=response.get("aggregations", {}))

    async def close(self) -> None:
        await self._client.close()


def _item_result(item: Mapping[str, Any]) -> BulkItemResult:
    status = int(item["status"])
    if status < 300:
        return BulkItemResult(id=item["_id"], status=status, outcome="written")
    error = item.get("error") or {}
    outcome: ItemOutcome = "stale" if status == _VERSION_CONFLICT else "failed"
    return BulkItemResult(id=item["_id"], status=status, outcome=outcome,
                          error_type=error.get("type"), reason=error.get("reason"))
