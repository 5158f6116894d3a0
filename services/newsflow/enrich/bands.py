"""The near-duplicate band index in the search engine, read by id (realtime get needs no refresh), so every
enrich worker sees a signature the moment another worker stored it: syndicated copies arrive together.

    <prefix>-minhash-bands        one document per band key: the articles stored under it (bounded)
    <prefix>-minhash-signatures   one document per article: its cluster and MinHash values (stored, not indexed)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsflow.enrich.duplicates import Known, Neighbours
from newsflow.search import (
    BulkItemResult,
    IndexedDoc,
    SearchEngine,
    SearchEngineError,
    SearchUnavailableError,
)

MAX_MEMBERS = 64  # per band key: enough to find a cluster, bounded against very common boilerplate
_APPEND_ATTEMPTS = 20  # compare-and-set rounds before giving up (each loses only to another worker's append)
_STORED = {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
           "mappings": {"dynamic": "strict", "properties": {
               "members": {"type": "keyword", "index": False}, "cluster_id": {"type": "keyword", "index": False},
               "hashvalues": {"type": "long", "index": False}}}}


class SearchBandStore:
    def __init__(self, engine: SearchEngine, index_prefix: str) -> None:
        self.engine = engine
        self.bands, self.signatures = f"{index_prefix}-minhash-bands", f"{index_prefix}-minhash-signatures"

    async def setup(self) -> None:
        for index in (self.bands, self.signatures):
            await self.engine.ensure_index(index, _STORED)

    async def neighbours(self, band_keys: Sequence[str]) -> Neighbours:
        bands = await self.engine.get_many(self.bands, list(band_keys))
        members = {key: list(band.get("members", [])) for key, band in bands.items()}
        ids = list(dict.fromkeys(member for band in members.values() for member in band))
        stored = await self.engine.get_many(self.signatures, ids)
        return Neighbours([Known(article_id, doc["cluster_id"], np.array(doc["hashvalues"], dtype=np.uint64))
                           for article_id, doc in stored.items()], members)

    async def add(self, article_id: str, cluster_id: str, band_keys: Sequence[str], signature: np.ndarray) -> None:
        # the signature first: a band pointing at a missing signature would be skipped, never misread
        await self.set_cluster(article_id, cluster_id, signature)
        await self._append(article_id, band_keys)

    async def _append(self, article_id: str, band_keys: Sequence[str]) -> None:
        """Add the article to each band's members by compare-and-set (read the revision, write if unchanged,
        re-read what another worker changed meanwhile): no script, so no lang-painless module is needed."""
        pending = list(dict.fromkeys(band_keys))
        for _ in range(_APPEND_ATTEMPTS):
            current = await self.engine.get_revisions(self.bands, pending)
            writes = []
            for key in pending:
                if key not in current:
                    writes.append(IndexedDoc(key, {"members": [article_id]}, if_absent=True))
                    continue
                band, revision = current[key]
                members = list(band.get("members", []))
                if article_id not in members:  # a redelivered article is already there: nothing to write
                    writes.append(IndexedDoc(key, {"members": [*members, article_id][-MAX_MEMBERS:]},
                                             if_revision=revision))
            results = await self.engine.bulk_index(self.bands, writes)
            _raise_on_failure(article_id, results)
            pending = [result.id for result in results if result.outcome == "stale"]
            if not pending:
                return
        raise SearchUnavailableError(f"storing the bands of {article_id}: {len(pending)} kept changing under "
                                     f"{_APPEND_ATTEMPTS} attempts; retrying later")

    async def set_cluster(self, article_id: str, cluster_id: str, signature: np.ndarray) -> None:
        written = await self.engine.bulk_index(self.signatures, [IndexedDoc(article_id, {
            "cluster_id": cluster_id, "hashvalues": [int(v) for v in signature]})])
        _raise_on_failure(article_id, written)


def _raise_on_failure(article_id: str, results: Sequence[BulkItemResult]) -> None:
    failed = [r for r in results if r.outcome == "failed"]
    if failed:
        error = SearchUnavailableError if any(r.retriable for r in failed) else SearchEngineError
        raise error(f"storing the duplicate signature of {article_id} failed: {failed[0].reason}", failed[0].status)
