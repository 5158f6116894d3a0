"""Small aiokafka helpers for integration tests: produce, read a topic to a count, committed offsets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from newsflow.common.kafka import client_options, consumer_options, producer_options
from newsflow.common.settings import Settings


async def produce(settings: Settings, topic: str,
                  messages: Sequence[tuple[bytes | None, bytes, list[tuple[str, bytes]]]]) -> None:
    producer = AIOKafkaProducer(**producer_options(settings))
    await producer.start()
    try:
        sends = [await producer.send(topic, value, key=key, headers=headers) for key, value, headers in messages]
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
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(
            group, partitions=[TopicPartition(topic, p) for p in range(partitions)])
    finally:
        await admin.close()
    return sum(max(meta.offset, 0) for meta in offsets.values())


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
