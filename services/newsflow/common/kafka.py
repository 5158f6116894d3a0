"""Kafka adapters shared by every service: client options from settings, and topic set-up.

Topics are created explicitly before any worker starts (the services declare none, and the broker creates none:
auto-created topics would get the wrong partition count). `ensure_topics` creates what is missing, brings the
settings of existing topics (retention, cleanup policy, message size) back to the topic table, and refuses when
a topic's partition count differs: that cannot be fixed in place without moving keys between partitions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.helpers import create_ssl_context

from newsflow.common.settings import Settings
from newsflow_schemas import ALL_TOPICS, Event, TopicSpec, encode, topic_name


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection options common to aiokafka's producer, consumer and admin client."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(
            cafile=str(settings.kafka_ca_file) if settings.kafka_ca_file else None)
    if settings.kafka_security_protocol.startswith("SASL"):
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism or "PLAIN"
        options["sasl_plain_username"] = settings.kafka_sasl_username
        password = settings.kafka_sasl_password
        options["sasl_plain_password"] = password.get_secret_value() if password else None
    return options


async def publish(settings: Settings, spec: TopicSpec, events: Sequence[tuple[str, Event]]) -> None:
    """Send events (key, event) to a pipeline topic with the codec's headers; returns once the broker has them."""
    producer = AIOKafkaProducer(**producer_options(settings))
    await producer.start()
    try:
        for key, event in events:
            value, headers = encode(event)
            await producer.send_and_wait(topic_name(spec, settings.topic_prefix), value, key=key.encode(),
                                         headers=headers)
    finally:
        await producer.stop()


async def write_tombstones(settings: Settings, specs: Sequence[TopicSpec], keys: Sequence[str]) -> None:
    """A tombstone (the key with no value) for each key on each topic: compaction then drops every earlier
    record of the key, and the services skip it. Returns once the broker has them all."""
    producer = AIOKafkaProducer(**producer_options(settings))
    await producer.start()
    try:
        for spec in specs:
            for key in keys:
                await producer.send_and_wait(topic_name(spec, settings.topic_prefix), None, key=key.encode())
    finally:
        await producer.stop()


def producer_options(settings: Settings) -> dict[str, Any]:
    return {
        **client_options(settings),
        "max_request_size": settings.max_message_bytes,
        "compression_type": None if settings.compression == "none" else settings.compression,
        "acks": "all",  # an output is 'safely written' only once every in-sync replica has it
        "enable_idempotence": True,  # a retried send is written once, in order
    }


def consumer_options(settings: Settings) -> dict[str, Any]:
    return {
        **client_options(settings),
        "fetch_max_bytes": settings.max_message_bytes * 4,
        "max_partition_fetch_bytes": settings.max_message_bytes,
        "enable_auto_commit": False,  # offsets are committed in the transaction that writes the outputs
        "isolation_level": "read_committed",  # never see what an aborted (or still open) transaction wrote
        "auto_offset_reset": "earliest",  # a stage's new group handles what was produced before it first joined
        "session_timeout_ms": 6000,  # a killed worker's partitions move to another within seconds (default 45 s)
        "heartbeat_interval_ms": 1500,
    }


_TOPIC_ALREADY_EXISTS = 36  # another process created it between our list and create: fine


class TopicSetupError(RuntimeError):
    """The broker refused a topic change, or a topic differs in a way we must not fix; the message names the
    topic, what differs and what to do."""


def _raise_topic_errors(response: Any) -> None:
    for error in response.topic_errors:
        name, code, message = error[0], error[1], error[2] if len(error) > 2 else ""
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise TopicSetupError(f"creating topic {name} failed: error code {code} {message or ''}".strip())


def topic_configs(spec: TopicSpec, settings: Settings) -> dict[str, str]:
    """The topic-level settings the table fixes for `spec` (what `init` creates and checks)."""
    return {"retention.ms": str(spec.retention_ms), "cleanup.policy": spec.cleanup_policy,
            "max.message.bytes": str(settings.max_message_bytes)}


@dataclass(frozen=True)
class TopicDifference:
    topic: str
    setting: str  # "partitions" or a topic config name
    actual: str
    wanted: str

    def __str__(self) -> str:
        return f"{self.topic}: {self.setting} is {self.actual}, the topic table says {self.wanted}"


@dataclass(frozen=True)
class TopicReport:
    created: list[str]
    existing: list[str]
    aligned: list[TopicDifference] = field(default_factory=list)  # settings brought back to the table


async def ensure_topics(settings: Settings, specs: Iterable[TopicSpec] = ALL_TOPICS) -> TopicReport:
    """Create every topic in `specs` that does not exist yet, align the settings of those that do, and raise
    TopicSetupError naming every topic whose partition count differs from the table."""
    admin = AIOKafkaAdminClient(**client_options(settings), request_timeout_ms=15000)
    await admin.start()
    try:
        present = set(await admin.list_topics())
        wanted = {topic_name(spec, settings.topic_prefix): spec for spec in specs}
        missing = [NewTopic(name, num_partitions=spec.partitions,
                            replication_factor=settings.topic_replication_factor,
                            topic_configs=topic_configs(spec, settings))
                   for name, spec in wanted.items() if name not in present]
        if missing:
            _raise_topic_errors(await admin.create_topics(missing))
            await _until_listed(admin, [topic.name for topic in missing])
        created = [topic.name for topic in missing]
        existing = {name: spec for name, spec in wanted.items() if name not in created}
        differences = await _differences(admin, settings, existing)
        wrong_partitions = [d for d in differences if d.setting == "partitions"]
        if wrong_partitions:
            raise TopicSetupError("; ".join(map(str, wrong_partitions)) + ". A partition count cannot change in "
                                  "place (keys would move): delete the topic and run init again, or set "
                                  "NEWSFLOW_TOPIC_PREFIX to start on new topics")
        aligned = [d for d in differences if d.setting != "partitions"]
        for name in dict.fromkeys(d.topic for d in aligned):
            resource = ConfigResource(ConfigResourceType.TOPIC, name, topic_configs(existing[name], settings))
            for response in await admin.alter_configs([resource]):
                for code, message, *_ in response.resources:
                    if code:
                        raise TopicSetupError(f"aligning the settings of {name} failed: error {code} {message}")
        return TopicReport(created=created, existing=sorted(existing), aligned=aligned)
    finally:
        await admin.close()


async def _until_listed(admin: AIOKafkaAdminClient, names: list[str], deadline_s: float = 30) -> None:
    """Return once the broker lists every created topic: its metadata copy may trail the controller's commit
    (measured after many partitions were deleted at once), and a service started right after init would
    otherwise find its topic unknown."""
    deadline = time.monotonic() + deadline_s
    while not set(names) <= set(await admin.list_topics()):
        if time.monotonic() > deadline:
            raise TopicSetupError(f"the broker does not list the topics just created after {deadline_s:.0f} s: "
                                  f"{sorted(set(names) - set(await admin.list_topics()))}")
        await asyncio.sleep(0.1)


async def check_topics(settings: Settings, specs: Iterable[TopicSpec] = ALL_TOPICS) -> list[TopicDifference]:
    """Every way the broker's topics differ from the topic table (a missing topic included); changes nothing."""
    admin = AIOKafkaAdminClient(**client_options(settings), request_timeout_ms=15000)
    await admin.start()
    try:
        present = set(await admin.list_topics())
        wanted = {topic_name(spec, settings.topic_prefix): spec for spec in specs}
        missing = [TopicDifference(name, "existence", "missing", "present") for name in wanted if name not in present]
        return missing + await _differences(admin, settings, {n: s for n, s in wanted.items() if n in present})
    finally:
        await admin.close()


async def _differences(admin: AIOKafkaAdminClient, settings: Settings,
                       topics: dict[str, TopicSpec]) -> list[TopicDifference]:
    if not topics:
        return []
    differences = []
    for described in await admin.describe_topics(list(topics)):
        spec = topics[described["topic"]]
        if len(described["partitions"]) != spec.partitions:
            differences.append(TopicDifference(described["topic"], "partitions", str(len(described["partitions"])),
                                               str(spec.partitions)))
    responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in topics])
    for response in responses:
        for _code, _message, _type, name, entries in response.resources:
            actual = {entry[0]: entry[1] for entry in entries}
            for key, value in topic_configs(topics[name], settings).items():
                if actual.get(key) != value:
                    differences.append(TopicDifference(name, key, str(actual.get(key)), value))
    return differences
