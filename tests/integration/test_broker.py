"""The embedded broker carries the pipeline's traffic: partitions, keys, consumer groups, committed offsets."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from newsflow.common.kafka import (
    TopicSetupError,
    check_topics,
    client_options,
    consumer_options,
    ensure_topics,
    producer_options,
)
from newsflow.common.settings import Settings
from newsflow_schemas import ALL_TOPICS, ARTICLES_PARSED, ARTICLES_RAW, topic_name

MESSAGES = 1_000


async def _consume_until(consumers: list[AIOKafkaConsumer], want: int, deadline_s: float) -> list:
    """Poll every consumer of the group until `want` messages arrived in all, committing after each batch."""
    received: list = []
    deadline = time.monotonic() + deadline_s
    while len(received) < want and time.monotonic() < deadline:
        for consumer in consumers:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                received.extend(records)
            if batches:
                await consumer.commit()
    return received


async def test_group_consumes_every_message_of_a_three_partition_topic_once(settings: Settings, topic_factory):
    topic = await topic_factory(partitions=3)
    producer = AIOKafkaProducer(**producer_options(settings))
    await producer.start()
    try:
        sends = [await producer.send(topic, key=f"article-{i % 50}".encode(), value=f"payload {i}".encode(),
                                     headers=[("schema-version", b"1.0")]) for i in range(MESSAGES)]
        metadata = await asyncio.gather(*sends)
    finally:
        await producer.stop()
    produced_per_partition = Counter(m.partition for m in metadata)
    assert set(produced_per_partition) == {0, 1, 2}

    group = f"{settings.topic_prefix}group"
    consumers = [AIOKafkaConsumer(topic, group_id=group, **consumer_options(settings)) for _ in range(2)]
    for consumer in consumers:
        await consumer.start()
    try:
        received = await _consume_until(consumers, MESSAGES, deadline_s=60)
    finally:
        for consumer in consumers:
            await consumer.stop()

    assert sorted(r.value for r in received) == sorted(f"payload {i}".encode() for i in range(MESSAGES))
    assert all(dict(r.headers)["schema-version"] == b"1.0" for r in received)
    # one key, one partition: every revision of an article stays in order on one partition
    partitions_per_key = {key: {r.partition for r in received if r.key == key} for key in {r.key for r in received}}
    assert all(len(parts) == 1 for parts in partitions_per_key.values())

    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
    finally:
        await admin.close()
    assert {tp.partition: meta.offset for tp, meta in committed.items()} == dict(produced_per_partition)


async def test_ensure_topics_creates_the_declared_set_once(settings: Settings):
    first = await ensure_topics(settings)
    again = await ensure_topics(settings)
    names = {topic_name(spec, settings.topic_prefix) for spec in ALL_TOPICS}
    assert set(first.created) == names
    assert again.created == [] and set(again.existing) == names and again.aligned == []
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics(sorted(names))
        assert await check_topics(settings) == []  # partitions, retention, cleanup policy, size: as the table says
        await admin.delete_topics(sorted(names))
    finally:
        await admin.close()
    partitions = {d["topic"]: len(d["partitions"]) for d in described}
    assert partitions == {topic_name(spec, settings.topic_prefix): spec.partitions for spec in ALL_TOPICS}


async def test_init_aligns_changed_settings_and_names_a_topic_with_other_partitions(settings: Settings):
    raw, parsed = (topic_name(spec, settings.topic_prefix) for spec in (ARTICLES_RAW, ARTICLES_PARSED))
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(raw, 6, 1, topic_configs={"retention.ms": "3600000"})])  # by hand
        await _until_listed(admin, raw, True)
        await ensure_topics(settings, [ARTICLES_RAW])
        assert await check_topics(settings, [ARTICLES_RAW]) == []  # retention and cleanup policy were aligned

        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, raw, {"retention.ms": "60000"})])
        differences = await check_topics(settings, [ARTICLES_RAW, ARTICLES_PARSED])
        assert {(d.topic, d.setting, d.actual) for d in differences} >= {
            (raw, "retention.ms", "60000"), (raw, "cleanup.policy", "delete"), (parsed, "existence", "missing")}
        aligned = await ensure_topics(settings, [ARTICLES_RAW])
        assert {(d.setting, d.actual, d.wanted) for d in aligned.aligned} >= {("retention.ms", "60000", "-1")}

        await admin.delete_topics([raw])
        await _until_listed(admin, raw, False)
        await admin.create_topics([NewTopic(raw, 4, 1)])  # what a client's implicit creation would make
        with pytest.raises(TopicSetupError, match=f"{raw}: partitions is 4, the topic table says 6"):
            print("ENSURE", await ensure_topics(settings, [ARTICLES_RAW]), raw in await admin.list_topics())
    finally:
        await admin.delete_topics([name for name in (raw, parsed) if name in await admin.list_topics()])
        await admin.close()


async def _until_listed(admin: AIOKafkaAdminClient, topic: str, listed: bool, deadline_s: float = 30) -> None:
    """The broker answers metadata requests from its own copy of the metadata log, which may trail a creation
    or deletion the controller has just committed (seen after deleting many partitions at once)."""
    deadline = time.monotonic() + deadline_s
    while (topic in await admin.list_topics()) != listed and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def test_large_message_round_trips_with_zstd(settings: Settings, topic_factory):
    """Dev-set pages reach 2.2 MB; the raw body limit is 5 MB. Such messages must pass end to end."""
    topic = await topic_factory(partitions=1)
    body = bytes(range(256)) * (5 * 1024 * 1024 // 256)
    producer = AIOKafkaProducer(**producer_options(settings))
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=b"big", value=body)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, group_id=f"{topic}-g", **consumer_options(settings))
    await consumer.start()
    try:
        received = await _consume_until([consumer], 1, deadline_s=30)
    finally:
        await consumer.stop()
    assert [r.value for r in received] == [body]
