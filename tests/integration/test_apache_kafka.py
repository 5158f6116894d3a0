"""Apache Kafka as the embedded stack runs it (`infra/embedded/stack.py`, from its Maven jars), here in a state
folder and on ports of its own, so that it can be restarted without disturbing the suite's broker. Real clients
that we did not write read the enriched topic with their default settings, transactions commit and abort, and a
restart keeps every topic, record and committed offset."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import Iterator

import jsonschema
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from newsflow.common.kafka import ensure_topics
from newsflow.common.settings import Settings
from newsflow_schemas import ARTICLES_ENRICHED, decode, encode, topic_name
from tests.conftest import REPO
from tests.integration.private_stack import PrivateStack
from tests.unit.schemas.conftest import EXAMPLES

SCHEMA = json.loads((REPO / "schemas/json/newsflow.article.enriched-1.0.json").read_text())


@pytest.fixture(scope="module")
def kafka(tmp_path_factory, embedded_stack: dict) -> Iterator[PrivateStack]:
    stack = PrivateStack(tmp_path_factory.mktemp("kafka-state"), "broker", embedded_stack["state_dir"])
    stack.run("start")
    yield stack
    stack.run("stop")


@pytest.fixture
async def enriched_topic(kafka: PrivateStack, unique_name: str) -> str:
    settings = Settings(kafka_bootstrap=kafka.bootstrap, topic_prefix=f"{unique_name}.")
    await ensure_topics(settings)
    article = decode(next(p for p in EXAMPLES if "enriched" in str(p)).read_bytes())
    topic = topic_name(ARTICLES_ENRICHED, settings.topic_prefix)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for n in range(3):
            value, headers = encode(article.model_copy(update={"title": f"Story {n}"}))
            await producer.send_and_wait(topic, value, key=article.article_id.encode(), headers=headers)
    finally:
        await producer.stop()
    return topic


async def test_kcat_reads_the_enriched_topic_with_default_settings(kafka, enriched_topic):
    kcat = shutil.which("kcat")
    if kcat is None:
        pytest.fail("kcat is not installed (make test installs it: apt-get install kcat)", pytrace=False)
    proc = subprocess.run([kcat, "-b", kafka.bootstrap, "-C", "-t", enriched_topic, "-o", "beginning", "-e", "-q",
                           "-f", "%s\\n"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert sorted(r["title"] for r in records) == ["Story 0", "Story 1", "Story 2"]
    for record in records:
        jsonschema.validate(record, SCHEMA)


async def test_a_confluent_kafka_consumer_with_default_settings_reads_every_record(kafka, enriched_topic):
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": kafka.bootstrap, "group.id": f"{enriched_topic}-confluent",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([enriched_topic])
    records, started = [], time.monotonic()
    try:
        while len(records) < 3 and time.monotonic() - started < 60:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                records.append(json.loads(message.value()))
    finally:
        consumer.close()
    assert sorted(r["title"] for r in records) == ["Story 0", "Story 1", "Story 2"]
    for record in records:
        jsonschema.validate(record, SCHEMA)


async def _create_topic(kafka: PrivateStack, topic: str, partitions: int) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()
    return topic


async def test_transactions_commit_and_abort_for_read_committed_consumers(kafka, unique_name):
    topic = await _create_topic(kafka, f"{unique_name}.tx", partitions=2)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, transactional_id=f"{unique_name}-0")
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send_and_wait(topic, b"committed", partition=0)
        await producer.begin_transaction()
        await producer.send_and_wait(topic, b"aborted", partition=0)
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send_and_wait(topic, b"after", partition=0)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka.bootstrap, group_id=f"{topic}-reader",
                                auto_offset_reset="earliest", isolation_level="read_committed")
    await consumer.start()
    seen: list[bytes] = []
    try:
        deadline = time.monotonic() + 30
        while len(seen) < 2 and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                seen.extend(record.value for record in batch)
    finally:
        await consumer.stop()
    assert seen == [b"committed", b"after"]


async def test_a_restart_keeps_topics_records_and_committed_offsets(kafka, unique_name):
    topic = await _create_topic(kafka, f"{unique_name}.kept", partitions=3)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    for n in range(10):
        await producer.send_and_wait(topic, f"m{n}".encode(), partition=n % 3)
    await producer.stop()
    group = f"{topic}-group"
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka.bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    got = 0
    while got < 10:
        got += sum(len(b) for b in (await consumer.getmany(timeout_ms=500)).values())
    await consumer.commit()
    await consumer.stop()

    kafka.run("stop")
    kafka.run("start")

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        # start returns once the transaction coordinator has reloaded: the first ask finds it (no retry)
        assert await admin.find_coordinator(f"{unique_name}-tx", coordinator_type=1) == 1
        (described,) = await admin.describe_topics([topic])
        committed, deadline = 0, time.monotonic() + 60
        while committed != 10 and time.monotonic() < deadline:  # the group coordinator reloads after a restart
            committed = sum(meta.offset for meta in (await admin.list_consumer_group_offsets(group)).values())
            await asyncio.sleep(0.5)
    finally:
        await admin.close()
    assert len(described["partitions"]) == 3
    assert committed == 10
    reader = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, auto_offset_reset="earliest")
    await reader.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        reader.assign(partitions)
        ends = await reader.end_offsets(partitions)
    finally:
        await reader.stop()
    assert sum(ends.values()) == 10
