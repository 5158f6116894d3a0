"""Kafka adapters shared by every service: client options from settings, and topic set-up.

Topics are created explicitly before any worker starts (faust does not create source topics, and a broker's
auto-created topics get the wrong partition count). Creating them again is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
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
        "enable_auto_commit": False,  # commit only after the output is written
        "auto_offset_reset": "earliest",  # a stage's new group handles what was produced before it first joined
        "session_timeout_ms": 6000,  # a killed worker's partitions move to another within seconds (default 45 s)
        "heartbeat_interval_ms": 1500,
    }


_TOPIC_ALREADY_EXISTS = 36  # another process created it between our list and create: fine


class TopicSetupError(RuntimeError):
    """The broker refused to create a topic; the message names the topic and the broker's reason."""


def _raise_topic_errors(response: Any) -> None:
    for error in response.topic_errors:
        name, code, message = error[0], error[1], error[2] if len(error) > 2 else ""
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise TopicSetupError(f"creating topic {name} failed: error code {code} {message or ''}".strip())


@dataclass(frozen=True)
class TopicReport:
    created: list[str]
    existing: list[str]


async def ensure_topics(settings: Settings, specs: Iterable[TopicSpec] = ALL_TOPICS) -> TopicReport:
    """Create every topic in `specs` that does not exist yet; leave existing ones as they are."""
    admin = AIOKafkaAdminClient(**client_options(settings), request_timeout_ms=15000)
    await admin.start()
    try:
        present = set(await admin.list_topics())
        wanted = {topic_name(spec, settings.topic_prefix): spec for spec in specs}
        missing = [
            NewTopic(
                name, num_partitions=spec.partitions, replication_factor=settings.topic_replication_factor,
                topic_configs={"retention.ms": str(spec.retention_ms),
                               "max.message.bytes": str(settings.max_message_bytes)},
            )
            for name, spec in wanted.items() if name not in present
        ]
        if missing:
            response = await admin.create_topics(missing)
            _raise_topic_errors(response)
        created = [topic.name for topic in missing]
        return TopicReport(created=created, existing=sorted(set(wanted) - set(created)))
    finally:
        await admin.close()
