"""The search engine port: the few operations the pipeline needs, engine-neutral.

Each implementation (OpenSearch now; Elasticsearch with the index issue) keeps its dialect inside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ItemOutcome = Literal["written", "stale", "failed"]


class SearchEngineError(RuntimeError):
    """The engine could not be reached or refused a request; the message names the operation."""


@dataclass(frozen=True)
class IndexedDoc:
    id: str
    source: Mapping[str, Any]
    version: int | None = None  # external version (the article revision); None writes unconditionally


@dataclass(frozen=True)
class BulkItemResult:
    id: str
    status: int
    outcome: ItemOutcome  # stale: the engine already holds this or a newer version (a no-op, not an error)
    error_type: str | None = None
    reason: str | None = None

    @property
    def retriable(self) -> bool:
        return self.outcome == "failed" and (self.status == 429 or self.status >= 500)


@dataclass(frozen=True)
class SearchHit:
    id: str
    score: float | None
    source: dict[str, Any]
    highlight: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchHits:
    total: int
    hits: list[SearchHit]
    aggregations: dict[str, Any] = field(default_factory=dict)


class SearchEngine(Protocol):
    name: str  # "opensearch" or "elasticsearch"

    async def ensure_index(self, index: str, body: Mapping[str, Any]) -> bool:
        """Create the index with settings and mappings unless it exists; True if created."""

    async def delete_index(self, index: str) -> None: ...

    async def bulk_index(self, index: str, docs: Sequence[IndexedDoc]) -> list[BulkItemResult]:
        """Write documents in one bulk request; one result per document, in order."""

    async def refresh(self, index: str) -> None: ...

    async def search(self, index: str, body: Mapping[str, Any]) -> SearchHits: ...

    async def close(self) -> None: ...
