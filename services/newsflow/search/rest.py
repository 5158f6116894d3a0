"""The REST requests both engines share, sent through one `send(method, path, body, params)` call.

Subclasses supply `send` (their client's transport) and the dialect: vector mapping, kNN query, settings.
Every request here runs on both engines, Elastic's integration-test archive included, which has no scripts,
no `_reindex` and no language analyzers: writes are compare-and-set or external-versioned, copies are scroll
and bulk (tests/integration, both_engines).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from newsflow.search.base import (
    BulkItemResult,
    IndexedDoc,
    ItemOutcome,
    Revision,
    SearchEngineError,
    SearchHit,
    SearchHits,
)

_VERSION_CONFLICT = 409
_COPY_PAGE = 500  # documents per scroll page and bulk request when copying an index
_SCROLL_KEEP_ALIVE = "5m"


class RestEngine:
    name = "abstract"
    language_analysis = True  # until probe() asks the server

    async def probe(self) -> None:
        """Ask the server which optional modules it runs: Elastic's integration-test archive of Elasticsearch
        has no analysis-common, so no language analyzers (the mapping then uses the standard analyzer)."""
        nodes = await self.send("GET", "/_nodes/plugins", params={"filter_path": "nodes.*.modules.name"})
        modules = {module["name"] for node in (nodes or {}).get("nodes", {}).values()
                   for module in node.get("modules", [])}
        self.language_analysis = "analysis-common" in modules

    async def send(self, method: str, path: str, body: Any = None,
                   params: Mapping[str, Any] | None = None) -> Any:
        """Send one request; raise SearchUnavailableError (retry later) or SearchEngineError (refused)."""
        raise NotImplementedError

    # --- dialect ---------------------------------------------------------------------------------------
    def vector_mapping(self, dims: int) -> dict[str, Any]:
        raise NotImplementedError

    def index_settings(self, vectors: bool) -> dict[str, Any]:
        raise NotImplementedError

    def knn_body(self, field: str, vector: Sequence[float], k: int,
                 filters: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        raise NotImplementedError

    # --- operations ------------------------------------------------------------------------------------
    async def ensure_template(self, name: str, body: Mapping[str, Any]) -> None:
        await self.send("PUT", f"/_index_template/{name}", dict(body))

    async def delete_templates(self, pattern: str) -> None:
        try:
            await self.send("DELETE", f"/_index_template/{pattern}")
        except SearchEngineError as exc:
            if exc.status != 404:  # 404: no template matched
                raise

    async def index_exists(self, index: str) -> bool:
        return bool(await self.send("HEAD", f"/{index}"))

    async def ensure_index(self, index: str, body: Mapping[str, Any]) -> bool:
        if await self.index_exists(index):
            return False
        try:
            await self.send("PUT", f"/{index}", dict(body))
        except SearchEngineError as exc:  # created concurrently by another worker: the same outcome
            if "resource_already_exists_exception" in str(exc):
                return False
            raise
        return True

    async def delete_index(self, index: str) -> None:
        await self.send("DELETE", f"/{index}", params={"ignore_unavailable": "true"})

    async def aliases(self, alias: str) -> list[str]:
        found = await self.send("GET", f"/_alias/{alias}", params={"ignore_unavailable": "true"})
        return sorted(found or {})

    async def update_aliases(self, actions: Sequence[Mapping[str, Any]]) -> None:
        await self.send("POST", "/_aliases", {"actions": list(actions)})

    async def copy_documents(self, source: str, dest: str) -> int:
        # scroll + bulk rather than _reindex, which lives in a module not every Elasticsearch carries
        await self.refresh(source)  # a scroll sees refreshed documents only: the last writes too
        page = await self.send("POST", f"/{source}/_search", {"size": _COPY_PAGE, "sort": ["_doc"], "version": True},
                               params={"scroll": _SCROLL_KEEP_ALIVE})
        copied = 0
        try:
            while hits := page["hits"]["hits"]:
                results = await self.bulk_index(dest, [IndexedDoc(hit["_id"], hit["_source"], version=hit["_version"])
                                                       for hit in hits])
                refused = [r for r in results if r.outcome == "failed"]
                if refused:
                    raise SearchEngineError(f"copying {source} to {dest}: {dest} refused {refused[0].id}: "
                                            f"{refused[0].reason}", refused[0].status)
                copied += sum(r.outcome == "written" for r in results)
                page = await self.send("POST", "/_search/scroll", {"scroll": _SCROLL_KEEP_ALIVE,
                                                                   "scroll_id": page["_scroll_id"]})
        finally:
            await self.send("DELETE", "/_search/scroll", {"scroll_id": [page["_scroll_id"]]})
        await self.refresh(dest)
        return copied

    async def bulk_index(self, index: str, docs: Sequence[IndexedDoc]) -> list[BulkItemResult]:
        if not docs:
            return []
        lines: list[bytes] = []
        for doc in docs:
            action: dict[str, Any] = {"_index": index, "_id": doc.id}
            if doc.version is not None:
                action |= {"version": doc.version, "version_type": "external"}
            if doc.if_revision is not None:
                action |= {"if_seq_no": doc.if_revision.seq_no, "if_primary_term": doc.if_revision.primary_term}
            # orjson: 5-10x json's speed
            lines += [orjson.dumps({"create" if doc.if_absent else "index": action}), orjson.dumps(doc.source)]
        return await self._bulk(lines)

    async def bulk_delete(self, index: str, ids: Sequence[str]) -> list[BulkItemResult]:
        if not ids:
            return []
        results = await self._bulk([orjson.dumps({"delete": {"_index": index, "_id": doc_id}}) for doc_id in ids])
        return [dataclasses.replace(r, outcome="stale") if r.status == 404 else r for r in results]

    async def _bulk(self, lines: list[bytes]) -> list[BulkItemResult]:
        """Send NDJSON lines to _bulk; one result per item, in order."""
        response = await self.send("POST", "/_bulk", (b"\n".join(lines) + b"\n").decode())
        return [_item_result(next(iter(item.values()))) for item in response["items"]]

    async def get_many(self, index: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {doc_id: source for doc_id, (source, _) in (await self.get_revisions(index, ids)).items()}

    async def get_revisions(self, index: str, ids: Sequence[str]) -> dict[str, tuple[dict[str, Any], Revision]]:
        if not ids:
            return {}
        response = await self.send("POST", f"/{index}/_mget", {"ids": list(ids)}, params={"realtime": "true"})
        return {doc["_id"]: (doc.get("_source", {}), Revision(doc["_seq_no"], doc["_primary_term"]))
                for doc in response["docs"] if doc.get("found")}

    async def refresh(self, index: str) -> None:
        await self.send("POST", f"/{index}/_refresh")

    async def count(self, index: str) -> int:
        return int((await self.send("GET", f"/{index}/_count"))["count"])

    async def search(self, index: str, body: Mapping[str, Any]) -> SearchHits:
        return _hits(await self.send("POST", f"/{index}/_search", dict(body)))

    async def knn_search(self, index: str, field: str, vector: Sequence[float], k: int,
                         filters: Sequence[Mapping[str, Any]] = ()) -> SearchHits:
        return _hits(await self.send("POST", f"/{index}/_search", self.knn_body(field, vector, k, filters)))


def _item_result(item: Mapping[str, Any]) -> BulkItemResult:
    status = int(item["status"])
    if status < 300:
        return BulkItemResult(id=item["_id"], status=status, outcome="written")
    error = item.get("error") or {}
    outcome: ItemOutcome = "stale" if status == _VERSION_CONFLICT else "failed"
    reason = error.get("reason")
    if error.get("caused_by", {}).get("reason"):
        reason = f"{reason}: {error['caused_by']['reason']}"
    return BulkItemResult(id=item["_id"], status=status, outcome=outcome, error_type=error.get("type"),
                          reason=reason)


def _hits(response: Mapping[str, Any]) -> SearchHits:
    hits = [SearchHit(id=hit["_id"], score=hit.get("_score"), source=hit.get("_source", {}),
                      highlight=hit.get("highlight", {}),
                      collapsed={name: _total(inner["hits"]) for name, inner in hit.get("inner_hits", {}).items()})
            for hit in response["hits"]["hits"]]
    return SearchHits(total=_total(response["hits"]), hits=hits, aggregations=response.get("aggregations", {}))


def _total(hits: Mapping[str, Any]) -> int:
    total = hits["total"]
    return total["value"] if isinstance(total, dict) else int(total)
