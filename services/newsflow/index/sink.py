"""The index service's batch step: enriched articles into the search engine, effectively once.

The shared runner hands over the waiting records of one partition (up to `NEWSFLOW_INDEX_BATCH_DOCS`, after
lingering `NEWSFLOW_INDEX_LINGER_MS`) and commits their offsets, with the dead letters, in one transaction once
this step returns. The step writes them with one bulk request per chunk (`NEWSFLOW_INDEX_BATCH_BYTES`):
- written, or stale (the engine holds this or a newer revision: a counted no-op): done;
- 429, 5xx, timeouts, engine unreachable: retried with backoff for as long as it takes; meanwhile the partition's
  queue fills and the runner pauses it, keeping its uncommitted position;
- mapping and validation errors: dead-lettered with the engine's reason; the batch's other documents go in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from prometheus_client import Counter, Histogram

from newsflow.common.metrics import MESSAGES, STAGE_SECONDS
from newsflow.common.outcomes import Outcome, is_control_flow
from newsflow.common.routing import Incoming, Routed, dead_letter_for, decoded, outage_delay
from newsflow.index.stage import index_document
from newsflow.search import IndexedDoc, SearchEngine, SearchUnavailableError
from newsflow_schemas import EnrichedArticle, Stage

log = structlog.get_logger()
STALE = Counter("newsflow_index_stale_total", "documents not written: the engine holds the same or a newer revision")
BATCH_DOCS = Histogram("newsflow_index_batch_documents", "documents per bulk request",
                       buckets=(1, 10, 50, 100, 250, 500, 1000, 2000))
MAX_IN_FLIGHT = 2  # bulk requests at once, over all partitions: the engine indexes one while the next is sent


@dataclass
class Pending:
    position: int  # in the batch
    message: Incoming
    article: EnrichedArticle
    doc: IndexedDoc


class IndexWriter:
    def __init__(self, engine: SearchEngine, write_alias: str, *, max_bulk_bytes: int, max_message_bytes: int) -> None:
        self.engine, self.write_alias = engine, write_alias
        self.max_bulk_bytes, self.max_message_bytes = max_bulk_bytes, max_message_bytes
        self.in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.down_since: float | None = None

    async def handle(self, messages: Sequence[Incoming]) -> list[Routed]:
        """One result per message: written (ok), a tombstone skipped, or a dead letter."""
        started = time.perf_counter()
        results: list[Routed] = [Routed(Outcome.OK)] * len(messages)
        pending = self._prepare(messages, results)
        for chunk in _chunks(pending, self.max_bulk_bytes):
            await self._write(chunk, results)
        for result in results:
            MESSAGES.labels(Stage.INDEX, result.outcome).inc()
        STAGE_SECONDS.labels(Stage.INDEX).observe(time.perf_counter() - started)
        return results

    def _prepare(self, messages: Sequence[Incoming], results: list[Routed]) -> list[Pending]:
        pending: list[Pending] = []
        now = datetime.now(UTC)
        for position, message in enumerate(messages):
            article = decoded(message, stage=Stage.INDEX, expect=EnrichedArticle, max_bytes=self.max_message_bytes)
            if isinstance(article, Routed):  # poison, or a takedown's tombstone (`newsflow delete` removed it)
                results[position] = article
                continue
            assert isinstance(article, EnrichedArticle)
            try:
                doc = index_document(article, now)
            except BaseException as exc:  # the projection failing is a bug to dead-letter, not to crash-loop on
                if is_control_flow(exc):
                    raise
                log.exception("projection failed", stage=Stage.INDEX, article_id=article.article_id)
                results[position] = _dead(message, type(exc).__name__, str(exc) or repr(exc), article)
                continue
            pending.append(Pending(position, message, article, doc))
        return pending

    async def _write(self, chunk: list[Pending], results: list[Routed]) -> None:
        """Write until every document is written, stale or refused; never gives up on an unavailable engine."""
        attempt = 0
        while chunk:
            BATCH_DOCS.observe(len(chunk))
            try:
                async with self.in_flight:
                    written = await self.engine.bulk_index(self.write_alias, [p.doc for p in chunk])
            except SearchUnavailableError as exc:
                attempt += 1
                self._engine_down(exc)
                await asyncio.sleep(outage_delay(attempt))
                continue
            self._engine_up()
            retry = []
            for item, result in zip(chunk, written, strict=True):
                if result.outcome == "stale":
                    STALE.inc()
                elif result.retriable:
                    retry.append(item)
                elif result.outcome == "failed":
                    results[item.position] = _dead(item.message, result.error_type or "IndexError",
                                                   f"{result.error_type}: {result.reason}", item.article)
            chunk = retry
            if retry:
                attempt += 1
                await asyncio.sleep(outage_delay(attempt))

    def _engine_down(self, error: Exception) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning("search engine unavailable; waiting (the partitions pause as their queues fill)",
                        stage=Stage.INDEX, error=str(error))

    def _engine_up(self) -> None:
        if self.down_since is not None:
            log.info("search engine back", stage=Stage.INDEX, down_s=round(time.monotonic() - self.down_since, 1))
            self.down_since = None


def _dead(message: Incoming, error_type: str, reason: str, article: EnrichedArticle) -> Routed:
    letter = dead_letter_for(message, Stage.INDEX, Outcome.POISON, error_type, reason,
                             article_id=article.article_id, event=article)
    return Routed(Outcome.POISON, dead_letter=letter, reason=reason)


def _chunks(pending: list[Pending], max_bytes: int) -> list[list[Pending]]:
    chunks: list[list[Pending]] = [[]]
    size = 0
    for item in pending:
        item_size = len(item.message.value or b"")
        if chunks[-1] and size + item_size > max_bytes:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += item_size
    return [chunk for chunk in chunks if chunk]
