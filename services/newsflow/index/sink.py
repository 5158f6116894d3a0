"""The index service: enriched articles into the search engine, effectively once.

A plain aiokafka consumer with manual commits (not faust: the sink must never commit an offset before the
engine has acknowledged its documents). Each batch, bounded by count, bytes and linger time, is written with
one bulk request per chunk:
- written, or stale (the engine holds this or a newer revision: a counted no-op): done;
- 429, 5xx, timeouts, engine unreachable: retried with backoff; while the engine is down the consumer is
  paused and keeps its uncommitted position, and resumes when the engine is back;
- mapping and validation errors: dead-lettered with the engine's reason; the batch's other documents go in.
Offsets are committed only when every message of the batch is written, stale or dead-lettered.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError
from prometheus_client import Counter, Histogram

from newsflow.common.kafka import consumer_options, producer_options
from newsflow.common.metrics import MESSAGES, STAGE_SECONDS, record_lag
from newsflow.common.ops import mark_ready
from newsflow.common.outcomes import Outcome, is_control_flow
from newsflow.common.runner import Incoming, Routed, dead_letter_for, decoded, outage_delay
from newsflow.common.settings import Settings
from newsflow.index.document import to_document
from newsflow.index.setup import IndexLayout, ensure_index_setup
from newsflow.search import IndexedDoc, SearchEngine, SearchUnavailableError, connect
from newsflow_schemas import (
    ARTICLES_ENRICHED,
    DeadLetter,
    EnrichedArticle,
    Stage,
    dead_letter_topic,
    encode,
    topic_name,
)

log = structlog.get_logger()
STALE = Counter("newsflow_index_stale_total", "documents not written: the engine holds the same or a newer revision")
BATCH_DOCS = Histogram("newsflow_index_batch_documents", "documents per bulk request",
                       buckets=(1, 10, 50, 100, 250, 500, 1000, 2000))
MAX_IN_FLIGHT = 2  # bulk requests at once: the engine indexes one while the next is being prepared and sent


Dead = tuple[DeadLetter, ConsumerRecord]


@dataclass
class Pending:
    record: ConsumerRecord
    article: EnrichedArticle
    doc: IndexedDoc


class IndexSink:
    def __init__(self, settings: Settings, engine: SearchEngine, write_alias: str) -> None:
        self.settings, self.engine, self.write_alias = settings, engine, write_alias
        self.topic = topic_name(ARTICLES_ENRICHED, settings.topic_prefix)
        self.consumer = AIOKafkaConsumer(self.topic, group_id=f"{settings.topic_prefix}newsflow-index",
                                         max_poll_interval_ms=3_600_000, **consumer_options(settings))
        self.producer = AIOKafkaProducer(**producer_options(settings))

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch and prepare batches while earlier ones are being written: up to MAX_IN_FLIGHT bulk requests
        at once (external versions keep the newest revision whatever order they land in), committed strictly in
        batch order, each only after its own and all earlier batches are written."""
        await self.producer.start()
        await self.consumer.start()
        mark_ready()
        log.info("index service consuming", stage=Stage.INDEX, topic=self.topic)
        in_flight: deque[tuple[asyncio.Task[None], Sequence[ConsumerRecord]]] = deque()
        try:
            while not stop.is_set():
                batch = await self.consumer.getmany(timeout_ms=self.settings.index_linger_ms,
                                                    max_records=self.settings.index_batch_docs)
                records = [record for part in batch.values() for record in part]
                while in_flight and (in_flight[0][0].done() or len(in_flight) >= MAX_IN_FLIGHT
                                     or not records):
                    await self._finish(*in_flight.popleft())
                if records:
                    in_flight.append((asyncio.create_task(self.handle(*self._decode(records))), records))
                    # let the write start (its request goes out) before preparing the next batch: getmany
                    # returns buffered records without suspending, so nothing else would yield to it
                    await asyncio.sleep(0)
            while in_flight:
                await self._finish(*in_flight.popleft())
        finally:
            for task, _ in in_flight:
                task.cancel()
            await self.consumer.stop()
            await self.producer.stop()

    async def _finish(self, writing: asyncio.Task[None], records: Sequence[ConsumerRecord]) -> None:
        await writing
        await self._commit(records)

    async def handle(self, pending: list[Pending], dead: list[Dead]) -> None:
        """Write one batch: its documents into the engine, its refusals into the dead-letter topic."""
        started = time.perf_counter()
        refused: list[Dead] = []
        for chunk in _chunks(pending, self.settings.index_batch_bytes):
            refused += await self._write(chunk)
        for letter, record in dead + refused:
            value, headers = encode(letter)
            await self.producer.send_and_wait(dead_letter_topic(Stage.INDEX, self.settings.topic_prefix), value,
                                              key=record.key, headers=headers)
        MESSAGES.labels(Stage.INDEX, Outcome.OK).inc(len(pending) - len(refused))
        STAGE_SECONDS.labels(Stage.INDEX).observe(time.perf_counter() - started)

    def _decode(self, records: Sequence[ConsumerRecord]) -> tuple[list[Pending], list[Dead]]:
        pending: list[Pending] = []
        dead: list[Dead] = []
        now = datetime.now(UTC)
        for record in records:
            article = decoded(_incoming(record), stage=Stage.INDEX, expect=EnrichedArticle,
                              max_bytes=self.settings.max_message_bytes)
            try:
                if isinstance(article, Routed):  # poison, or a takedown's tombstone (`newsflow delete` removed it)
                    if article.dead_letter is not None:
                        dead.append((article.dead_letter, record))
                    MESSAGES.labels(Stage.INDEX, article.outcome).inc()
                    continue
                assert isinstance(article, EnrichedArticle)
                doc = IndexedDoc(id=article.article_id, source=to_document(article, now),
                                 version=article.external_version)
            except BaseException as exc:  # the projection failing is a bug to dead-letter, not to crash-loop on
                if is_control_flow(exc):
                    raise
                log.exception("projection failed", stage=Stage.INDEX, article_id=getattr(article, "article_id", None))
                dead.append((self._letter(record, Outcome.POISON, type(exc).__name__, str(exc) or repr(exc)), record))
                MESSAGES.labels(Stage.INDEX, Outcome.POISON).inc()
                continue
            pending.append(Pending(record, article, doc))
        return pending, dead

    async def _write(self, chunk: list[Pending]) -> list[Dead]:
        """Write until every document is written, stale or refused; never gives up on an unavailable engine."""
        dead: list[Dead] = []
        attempt, down_since = 0, None
        while chunk:
            BATCH_DOCS.observe(len(chunk))
            try:
                results = await self.engine.bulk_index(self.write_alias, [p.doc for p in chunk])
            except SearchUnavailableError as exc:
                down_since = down_since or time.monotonic()
                attempt += 1
                await self._wait_for_engine(attempt, exc)
                continue
            if down_since is not None:
                log.info("search engine back", stage=Stage.INDEX, down_s=round(time.monotonic() - down_since, 1))
                self.consumer.resume(*self.consumer.assignment())
                down_since = None
            retry = []
            for item, result in zip(chunk, results, strict=True):
                if result.outcome == "stale":
                    STALE.inc()
                elif result.retriable:
                    retry.append(item)
                elif result.outcome == "failed":
                    reason = f"{result.error_type}: {result.reason}"
                    dead.append((self._letter(item.record, Outcome.POISON, result.error_type or "IndexError",
                                              reason, item.article), item.record))
                    MESSAGES.labels(Stage.INDEX, Outcome.POISON).inc()
            chunk = retry
            if retry:
                attempt += 1
                await asyncio.sleep(outage_delay(attempt))
        return dead

    async def _wait_for_engine(self, attempt: int, error: Exception) -> None:
        """Pause consumption (the uncommitted position stays) and back off. The group membership survives: the
        main loop keeps polling (paused partitions return nothing) and max_poll_interval is an hour."""
        if attempt == 1:
            log.warning("search engine unavailable; pausing consumption", stage=Stage.INDEX, error=str(error))
        self.consumer.pause(*self.consumer.assignment())
        await asyncio.sleep(outage_delay(attempt))

    def _letter(self, record: ConsumerRecord, outcome: Outcome, error_type: str, reason: str,
                article: EnrichedArticle | None = None) -> DeadLetter:
        return dead_letter_for(_incoming(record), Stage.INDEX, outcome, error_type, reason,
                               article_id=article.article_id if article else None, event=article)

    async def _commit(self, records: Sequence[ConsumerRecord]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
        try:
            await self.consumer.commit(offsets)
        except CommitFailedError as exc:  # the partitions moved to another member: it re-reads, idempotently
            log.warning("commit failed after a rebalance", stage=Stage.INDEX, error=str(exc))
        for tp, offset in offsets.items():
            record_lag(Stage.INDEX, tp.partition, self.consumer.highwater(tp), offset)


def _chunks(pending: list[Pending], max_bytes: int) -> list[list[Pending]]:
    chunks: list[list[Pending]] = [[]]
    size = 0
    for item in pending:
        item_size = len(item.record.value or b"")
        if chunks[-1] and size + item_size > max_bytes:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += item_size
    return [chunk for chunk in chunks if chunk]


async def run_index_service(settings: Settings, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    engine, plan = await _connect_and_set_up(settings)
    try:
        log.info("index service ready", stage=Stage.INDEX, writing_to=plan.write_alias, index=plan.physical)
        await IndexSink(settings, engine, plan.write_alias).run(stop)
    finally:
        await engine.close()


async def _connect_and_set_up(settings: Settings) -> tuple[SearchEngine, IndexLayout]:
    """Wait for the engine (it may start after us), then make sure template and aliases exist."""
    attempt = 0
    while True:
        engine: SearchEngine | None = None
        try:
            engine = await connect(settings)
            return engine, await ensure_index_setup(engine, settings)
        except SearchUnavailableError as exc:
            if engine is not None:
                await engine.close()
            attempt += 1
            log.warning("waiting for the search engine", stage=Stage.INDEX, attempt=attempt, error=str(exc))
            await asyncio.sleep(outage_delay(attempt) + 0.5)


def _incoming(record: ConsumerRecord) -> Incoming:
    return Incoming(topic=record.topic, partition=record.partition, offset=record.offset, key=record.key,
                    value=record.value, headers=list(record.headers or []), timestamp_ms=record.timestamp)
