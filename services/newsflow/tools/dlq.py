"""Dead letters: list them, show one, and replay their original bytes into the stage's input after a fix.

A dead-letter topic is read from its start to the end offsets it has when the read begins (the stand-in broker
we ran before Apache Kafka reported wrong end offsets, so this used to read until the topic stayed quiet).
Replay sends the original bytes with their original key and headers; it is idempotent through
the pipeline (same article id and revision: the index keeps one document, a repeated revision is a no-op).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from newsflow.common.kafka import client_options, producer_options
from newsflow.common.settings import Settings
from newsflow_schemas import STAGE_INPUTS, DeadLetter, Stage, dead_letter_topic, decode, topic_name


@dataclass(frozen=True)
class Letter:
    partition: int
    offset: int
    letter: DeadLetter


class ReplayRefused(ValueError):
    """A dead letter whose original bytes are not complete cannot be replayed from the DLQ."""


async def read_letters(settings: Settings, stage: Stage) -> list[Letter]:
    topic = dead_letter_topic(stage, settings.topic_prefix)
    consumer = AIOKafkaConsumer(**client_options(settings), enable_auto_commit=False,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=settings.max_message_bytes,
                                fetch_max_bytes=settings.max_message_bytes * 4)
    partitions = [TopicPartition(topic, p) for p in await _partitions(settings, topic)]
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        letters: list[Letter] = []
        while [p for p, end in ends.items() if await consumer.position(p) < end]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                letters += [Letter(r.partition, r.offset, decode(r.value, r.headers, expect=DeadLetter))
                            for r in records if r.offset < ends[TopicPartition(r.topic, r.partition)]]
        return sorted(letters, key=lambda item: (item.partition, item.offset))
    finally:
        await consumer.stop()


async def _partitions(settings: Settings, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(p["partition"] for p in described["partitions"])


async def replay(settings: Settings, stage: Stage, letters: Sequence[Letter]) -> int:
    for item in letters:
        if item.letter.original.truncated:
            raise ReplayRefused(f"dead letter {item.partition}:{item.offset} holds only the first "
                                f"{len(item.letter.original.value())} of {item.letter.original.size} bytes; replay "
                                f"it from its source ({item.letter.source.topic if item.letter.source else '?'})")
    producer = AIOKafkaProducer(**producer_options(settings))
    await producer.start()
    try:
        for item in letters:
            original = item.letter.original
            key = base64.b64decode(item.letter.source.key_base64) if item.letter.source and \
                item.letter.source.key_base64 else None
            headers = [(name, value.encode()) for name, value in original.headers.items()]
            headers.append(("newsflow-replay-of", f"{dead_letter_topic(stage, settings.topic_prefix)}:"
                                                  f"{item.partition}:{item.offset}".encode()))
            await producer.send_and_wait(topic_name(STAGE_INPUTS[stage], settings.topic_prefix), original.value(),
                                         key=key, headers=headers)
    finally:
        await producer.stop()
    return len(letters)
