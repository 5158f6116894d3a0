"""The search engine port: the operations the pipeline needs, engine-neutral.

Two implementations (OpenSearch on opensearch-py, Elasticsearch 8 on the `elasticsearch` client) share the REST
logic in `rest.py` and differ only in their dialect: vector field type, kNN query shape, index settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from newsflow.common.outcomes import TransientError

ItemOutcome = Literal["written", "stale", "failed"]


class SearchEngineError(RuntimeError):
    """The engine refused a request; the message names the operation and the engine's reason."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SearchUnavailableError(SearchEngineError, TransientError):
    """The engine cannot be reached or is overloaded (connection refused, timeout, 429, 5xx): try again later
    (a TransientError: a stage step that lets it through is retried, never dead-lettered at once)."""


@dataclass(frozen=True)
class Revision:
    """Where a document stood when it was read: the condition of an optimistic write (compare-and-set)."""
    seq_no: int
    primary_term: int


@dataclass(frozen=True)
class IndexedDoc:
    """One document to write. At most one condition: an external version (the article revision: an older one
    never overwrites a newer), `if_revision` (unchanged since read) or `if_absent` (create only). A write whose
    condition fails comes back `stale`."""
    id: str
    source: Mapping[str, Any]
    version: int | None = None
    if_revision: Revision | None = None
    if_absent: bool = False


@dataclass(frozen=True)
class BulkItemResult:
    id: str
    status: int
    outcome: ItemOutcome  # stale: the write's condition failed (a newer version is there, or a concurrent write)
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
    collapsed: dict[str, int] = field(default_factory=dict)  # inner hits of a collapsed search: name -> total


@dataclass(frozen=True)
class SearchHits:
    total: int
    hits: list[SearchHit]
    aggregations: dict[str, Any] = field(default_factory=dict)


class SearchEngine(Protocol):
    name: str  # "opensearch" or "elasticsearch"
    language_analysis: bool  # the language analyzers (english, german, ...) exist; connect() asks the server

    async def ensure_template(self, name: str, body: Mapping[str, Any]) -> None:
        """Create or replace a composable index template."""

    async def ensure_index(self, index: str, body: Mapping[str, Any]) -> bool:
        """Create the index with settings and mappings unless it exists; True if created."""

    async def delete_templates(self, pattern: str) -> None:
        """Delete the composable index templates whose names match (wildcards allowed); none matching is fine."""

    async def index_exists(self, index: str) -> bool: ...

    async def delete_index(self, index: str) -> None: ...

    async def aliases(self, alias: str) -> list[str]:
        """The physical indices behind an alias (empty if the alias does not exist)."""

    async def update_aliases(self, actions: Sequence[Mapping[str, Any]]) -> None:
        """Apply alias actions atomically."""

    async def copy_documents(self, source: str, dest: str) -> int:
        """Copy every document, keeping its version as an external version (an older copy never overwrites a
        newer document); returns how many were written. Needs no reindex module: scroll and bulk."""

    async def bulk_index(self, index: str, docs: Sequence[IndexedDoc]) -> list[BulkItemResult]:
        """Write documents in one bulk request; one result per document, in order."""

    async def bulk_delete(self, index: str, ids: Sequence[str]) -> list[BulkItemResult]:
        """Delete documents by id in one bulk request (a missing one is `stale`)."""

    async def get_many(self, index: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Realtime get by id (no refresh needed): id -> source, for the ids that exist."""

    async def get_revisions(self, index: str, ids: Sequence[str]) -> dict[str, tuple[dict[str, Any], Revision]]:
        """Realtime get by id with each document's revision, for a compare-and-set write."""

    async def refresh(self, index: str) -> None: ...

    async def count(self, index: str) -> int: ...

    async def search(self, index: str, body: Mapping[str, Any]) -> SearchHits: ...

    async def knn_search(self, index: str, field: str, vector: Sequence[float], k: int,
                         filters: Sequence[Mapping[str, Any]] = ()) -> SearchHits:
        """Nearest neighbours by vector (approximate), optionally filtered."""

    def vector_mapping(self, dims: int) -> dict[str, Any]:
        """The mapping of a dense vector field of `dims` dimensions in this engine's dialect."""

    def index_settings(self, vectors: bool) -> dict[str, Any]:
        """Engine-specific index settings (e.g. OpenSearch's index.knn)."""

    async def close(self) -> None: ...
