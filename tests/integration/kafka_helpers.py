"""Small aiokafka helpers for integration tests: produce, read a topic to a count, committed offsets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from newsflow.common.kafka import client_options, consumer_options, producer_options
from newsflow.common.settings import Settings


async def produce(settings: Settings, topic: str,
                  messages: Sequence[tuple[bytes | None, bytes, list[tuple[str, bytes]]]],
                  partition: int | None = None) -> None:
    """Produce in order; with `partition`, all into that one (a message behind another in the same partition)."""
    producer = AIOKafkaProducer(**producer_options(settings))
    await producer.start()
    try:
        sends = [await producer.send(topic, value, key=key, headers=headers, partition=partition)
                 for key, value, headers in messages]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def read(settings: Settings, topic: str, count: int, deadline_s: float = 60) -> list[ConsumerRecord]:
    """Read a topic from the start (as a fresh group) until `count` records arrived or the deadline passed."""
    consumer = AIOKafkaConsumer(topic, group_id=f"{topic}-reader-{time.monotonic_ns()}",
                                **consumer_options(settings))
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + deadline_s
        while len(records) < count and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=250)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def committed_total(settings: Settings, group: str, topic: str, partitions: int) -> int:
    return sum((await committed_by_partition(settings, group, topic, partitions)).values())


async def wait_committed(settings: Settings, group: str, topic: str, partitions: int, want: int,
                         deadline_s: float = 60, poll_s: float = 0.5) -> int:
    deadline = time.monotonic() + deadline_s
    total = -1
    while time.monotonic() < deadline:
        total = await committed_total(settings, group, topic, partitions)
        if total >= want:
            return total
        await asyncio.sleep(poll_s)
    return total


async def read_all(settings: Settings, topic: str, idle_s: float = 3.0, deadline_s: float = 120, *,
                   isolation: str = "read_committed",
                   until: Callable[[list[ConsumerRecord]], bool] | None = None) -> list[ConsumerRecord]:
    """Every record of a topic a reader with this isolation level sees: read from the start until nothing new
    arrived for `idle_s` (or, given `until`, until it holds). No consumer group: nothing to join, so reading
    starts at once."""
    consumer = AIOKafkaConsumer(topic, group_id=None, **{**consumer_options(settings), "isolation_level": isolation})
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        deadline, quiet_since = time.monotonic() + deadline_s, time.monotonic()
        while time.monotonic() < deadline and not (until(records) if until else
                                                   time.monotonic() - quiet_since > idle_s):
            for batch in (await consumer.getmany(timeout_ms=100)).values():
                records.extend(batch)
                quiet_since = time.monotonic()
    finally:
        await consumer.stop()
    return records


async def committed_by_partition(settings: Settings, group: str, topic: str, partitions: int) -> dict[int, int]:
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(
            group, partitions=[TopicPartition(topic, p) for p in range(partitions)])
    finally:
        await admin.close()
    return {tp.partition: max(meta.offset, 0) for tp, meta in offsets.items()}



async def end_offsets(settings: Settings, topic: str, partitions: int) -> dict[int, int]:
    """Per partition, where a read-committed reader ends (past the markers that close transactions)."""
    consumer = AIOKafkaConsumer(group_id=None, **consumer_options(settings))
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in ends.items()}


async def wait_committed_to_end(settings: Settings, group: str, topic: str, partitions: int,
                                deadline_s: float = 60) -> dict[int, int]:
    """Wait until the group's committed offset is at the end of every partition; returns the ends."""
    ends = await end_offsets(settings, topic, partitions)
    deadline = time.monotonic() + deadline_s
    while (committed := await committed_by_partition(settings, group, topic, partitions)) != ends:
        assert time.monotonic() < deadline, f"committed {committed}, ends {ends}"
        await asyncio.sleep(0.5)
    return ends
