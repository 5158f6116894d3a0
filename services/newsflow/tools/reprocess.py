"""Send stored raw documents through parse, enrich and index again, so that an improved stage reaches what is
already indexed.

The raw topic is compacted and kept (the latest revision of every article stays): `reprocess` reads it up to
the end offsets it finds when it starts, takes the latest record of each article (a tombstone removes it), keeps
those the selection matches (source, time of entry), and sends each again with its processing generation one
higher. The revision is unchanged; the index's external version (revision * 1000 + generation) is higher, so the
new text replaces the old instead of being a stale no-op. Two passes over the topic (find the latest record of
each article, then re-send those) keep memory small whatever the size of the topic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from newsflow.common.kafka import client_options, producer_options
from newsflow.common.settings import Settings
from newsflow_schemas import ARTICLES_RAW, MAX_GENERATION, DecodeError, RawDocument, decode, encode, topic_name

Progress = Callable[[str, int, int], None]  # (phase, records done, records in all)


@dataclass(frozen=True)
class Selection:
    """Which stored documents to reprocess: all, or those of one source, or those that entered in a time span."""

    source: str | None = None
    since: datetime | None = None  # entered the pipeline (ingested_at) at or after
    until: datetime | None = None  # before

    def matches(self, document: RawDocument) -> bool:
        return ((self.source is None or document.source.name == self.source)
                and (self.since is None or document.ingested_at >= self.since)
                and (self.until is None or document.ingested_at < self.until))


@dataclass
class ReprocessReport:
    scanned: int = 0  # records read from the raw topic
    articles: int = 0  # distinct articles stored (their latest record not a tombstone)
    sent: int = 0  # sent again, one generation higher (or, in a dry run, that would be)
    skipped_unreadable: int = 0  # latest records that do not decode (they are in the parse stage's dead letters)
    at_max_generation: int = 0  # reprocessed MAX_GENERATION times already: left alone


def next_generation(document: RawDocument) -> RawDocument:
    """The same document, revision unchanged, one processing generation higher (as the current schema)."""
    return document.model_copy(update={"generation": document.generation + 1,
                                       "schema_version": RawDocument.VERSION})


async def reprocess(settings: Settings, selection: Selection, progress: Progress | None = None,
                    dry_run: bool = False) -> ReprocessReport:
    report = ReprocessReport()
    latest = await _latest_offsets(settings, report, progress)
    chosen: dict[TopicPartition, set[int]] = {}
    async for partition, record in _records(settings, _snapshot_ends(latest), progress, "selecting"):
        if latest[partition].get(record.key) != record.offset:
            continue  # a later record of this article follows
        try:
            document = decode(record.value, record.headers, expect=RawDocument,  # type: ignore[arg-type]
                              max_bytes=settings.max_message_bytes)
        except DecodeError:
            report.skipped_unreadable += 1
            continue
        if not selection.matches(document):
            continue
        if document.generation >= MAX_GENERATION:
            report.at_max_generation += 1
            continue
        chosen.setdefault(partition, set()).add(record.offset)
    if not dry_run:
        await _resend(settings, chosen, report, progress)
    else:
        report.sent = sum(len(offsets) for offsets in chosen.values())
    return report


async def _latest_offsets(settings: Settings, report: ReprocessReport,
                          progress: Progress | None) -> dict[TopicPartition, dict[bytes | None, int]]:
    """Per partition: article key -> offset of its latest record (tombstoned articles left out)."""
    ends = await _end_offsets(settings)
    latest: dict[TopicPartition, dict[bytes | None, int]] = {partition: {} for partition in ends}
    async for partition, record in _records(settings, ends, progress, "scanning"):
        report.scanned += 1
        if record.value is None:
            latest[partition].pop(record.key, None)
        else:
            latest[partition][record.key] = record.offset
    report.articles = sum(len(keys) for keys in latest.values())
    return latest


def _snapshot_ends(latest: dict[TopicPartition, dict[bytes | None, int]]) -> dict[TopicPartition, int]:
    """Read the second pass only as far as the last record that can be chosen."""
    return {partition: max(offsets.values()) + 1 if offsets else 0 for partition, offsets in latest.items()}


async def _end_offsets(settings: Settings) -> dict[TopicPartition, int]:
    topic = topic_name(ARTICLES_RAW, settings.topic_prefix)
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = (await admin.describe_topics([topic]))[0]
    finally:
        await admin.close()
    if described["error_code"] or not described["partitions"]:
        raise LookupError(f"topic {topic} does not exist: run `newsflow init`")
    partitions = [TopicPartition(topic, p["partition"]) for p in sorted(described["partitions"],
                                                                        key=lambda p: p["partition"])]
    consumer = _consumer(settings)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def _records(settings: Settings, ends: dict[TopicPartition, int], progress: Progress | None,
                   phase: str) -> AsyncIterator[tuple[TopicPartition, ConsumerRecord]]:
    """Every record of the raw topic before `ends`, partition by partition."""
    total = sum(ends.values())
    if total == 0:  # nothing to read; and a groupless consumer stopped before it ran raises CancelledError
        return
    consumer = _consumer(settings)
    await consumer.start()
    try:
        for partition, end in ends.items():
            if end == 0:
                continue
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            position = await consumer.position(partition)
            while position < end:
                batch = await consumer.getmany(partition, timeout_ms=1000)
                for record in batch.get(partition, []):
                    if record.offset >= end:
                        break
                    yield partition, record
                position = await consumer.position(partition)
                if progress:
                    progress(phase, min(total, _done(ends, partition, position)), total)
    finally:
        await consumer.stop()


def _done(ends: dict[TopicPartition, int], current: TopicPartition, position: int) -> int:
    """Records read so far: the partitions before `current` in full, then `current` up to `position`."""
    before = 0
    for partition, end in ends.items():
        if partition == current:
            return before + min(position, end)
        before += end
    return before


async def _resend(settings: Settings, chosen: dict[TopicPartition, set[int]], report: ReprocessReport,
                  progress: Progress | None) -> None:
    ends = {partition: max(offsets) + 1 for partition, offsets in chosen.items()}
    producer = AIOKafkaProducer(**producer_options(settings))
    await producer.start()
    try:
        async for partition, record in _records(settings, ends, progress, "sending"):
            if record.offset not in chosen[partition]:
                continue
            document = next_generation(decode(record.value, record.headers, expect=RawDocument,  # type: ignore[arg-type]
                                              max_bytes=settings.max_message_bytes))
            value, headers = encode(document)
            await producer.send_and_wait(partition.topic, value, key=record.key, headers=headers)
            report.sent += 1
    finally:
        await producer.stop()


def _consumer(settings: Settings) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(**client_options(settings), enable_auto_commit=False, isolation_level="read_committed",
                            max_partition_fetch_bytes=settings.max_message_bytes,
                            fetch_max_bytes=settings.max_message_bytes * 4)
