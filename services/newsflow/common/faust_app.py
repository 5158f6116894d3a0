"""The faust app every streaming service runs in, configured for at-least-once delivery.

Agents process one message at a time per worker (concurrency 1: faust can commit past an in-flight message
when an agent runs concurrently, faust-streaming issue 606), write their outputs, wait for the broker to
acknowledge them, and only then ack the input: faust commits acked offsets only. Topics are created by
`newsflow topics create` beforehand; faust declares none (a broker's auto-created topic would have the wrong
partition count).
"""

from __future__ import annotations

import ssl
from typing import Any

import faust
from faust.transport import drivers
from faust.transport.drivers import aiokafka as faust_aiokafka

from newsflow.common.metrics import record_lag
from newsflow.common.ops import mark_ready
from newsflow.common.outcomes import Output
from newsflow.common.runner import Incoming, RetryPolicy, Routed, Step, route
from newsflow.common.settings import Settings
from newsflow_schemas import DEAD_LETTERS, Event, Stage, TopicSpec, encode, topic_name

#: Kafka's own default. faust hard-codes a 1500 ms fetch wait, and the embedded broker then answers a waiting
#: fetch late when new records arrive (measured: +380 ms per stage, against 7 ms at 500 ms).
FETCH_MAX_WAIT_MS = 500


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by the fetcher when the consumer starts
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    """faust's aiokafka transport with Kafka's default fetch wait (the `newsflow://` broker URL scheme)."""

    Consumer = _Consumer


drivers.TRANSPORTS.aliases.setdefault("newsflow", f"{__name__}:Transport")


def make_app(stage: Stage, settings: Settings) -> faust.App:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        f"{settings.topic_prefix}newsflow-{stage}",
        broker=[f"newsflow://{server.strip()}" for server in settings.kafka_bootstrap.split(",")],
        broker_credentials=_credentials(settings),
        broker_session_timeout=6.0,  # a killed worker's partitions move to another within seconds
        broker_heartbeat_interval=1.5,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        consumer_max_fetch_size=settings.max_message_bytes,
        producer_acks=-1,
        producer_compression_type=None if settings.compression == "none" else settings.compression,
        producer_max_request_size=settings.max_message_bytes,
        topic_allow_declare=False,
        topic_disable_leader=True,
        stream_wait_empty=False,
        web_enabled=False,
        web_bind="127.0.0.1",
        datadir=str(settings.data_dir / f"faust-{stage}"),
    )


def _credentials(settings: Settings) -> Any:
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl.create_default_context(cafile=str(settings.kafka_ca_file) if settings.kafka_ca_file else None)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    mechanism = settings.kafka_sasl_mechanism or "PLAIN"
    if mechanism == "PLAIN":
        return faust.SASLCredentials(username=settings.kafka_sasl_username, password=password,
                                     ssl_context=context if protocol == "SASL_SSL" else None)
    return faust.SASLCredentials(username=settings.kafka_sasl_username, password=password, mechanism=mechanism,
                                 ssl_context=context if protocol == "SASL_SSL" else None)


def raw_topic(app: faust.App, spec: TopicSpec, settings: Settings) -> faust.TopicT:
    """A topic of bytes: the codec in newsflow_schemas, not faust, encodes and decodes events."""
    return app.topic(topic_name(spec, settings.topic_prefix), key_type=bytes, value_type=bytes,
                     key_serializer="raw", value_serializer="raw", partitions=spec.partitions)


def incoming(event: Any) -> Incoming:
    message = event.message
    return Incoming(topic=message.topic, partition=message.partition, offset=message.offset, key=message.key,
                    value=message.value, headers=list(message.headers or []),
                    timestamp_ms=int(message.timestamp * 1000) if message.timestamp else None)


class Deliverer:
    """Writes a routed message's outputs or its dead letter and waits until the broker has them."""

    def __init__(self, app: faust.App, stage: Stage, settings: Settings) -> None:
        self._app, self._settings = app, settings
        self._dlq = raw_topic(app, DEAD_LETTERS[stage], settings)
        self._topics: dict[str, faust.TopicT] = {}

    async def deliver(self, routed: Routed, original_key: bytes | None) -> None:
        pending = [await self._send(output.topic, output.key.encode(), output) for output in routed.outputs]
        if routed.dead_letter is not None:
            value, headers = encode(routed.dead_letter)
            pending.append(await self._dlq.send(key=original_key, value=value, headers=headers))
        for future in pending:
            await future  # the broker acknowledged it (acks=all); only now may the input be acked

    async def _send(self, spec: TopicSpec, key: bytes, output: Output) -> Any:
        topic = self._topics.get(spec.name) or self._topics.setdefault(spec.name, raw_topic(self._app, spec,
                                                                                           self._settings))
        value, headers = encode(output.event)
        return await topic.send(key=key, value=value, headers=headers)


def add_stage_agent(app: faust.App, stage: Stage, source: TopicSpec, expect: type[Event], step: Step,
                    settings: Settings, policy: RetryPolicy | None = None) -> None:
    """The thin agent every faust stage runs: decode, call the stage's step, write the outputs (or the dead
    letter), wait for the broker's acknowledgement, and only then ack the input (faust commits acked offsets
    only). One message at a time per worker: see the module docstring."""
    deliverer = Deliverer(app, stage, settings)
    retry = policy or RetryPolicy()

    async def agent(stream: faust.StreamT) -> None:
        mark_ready()  # the worker is up and the agent subscribed
        async for event in stream.noack().events():  # type: ignore[attr-defined]
            routed = await route(incoming(event), step, stage=stage, expect=expect, policy=retry,
                                 max_bytes=settings.max_message_bytes)
            await deliverer.deliver(routed, event.message.key)
            event.ack()
            message = event.message
            record_lag(stage, message.partition, app.consumer.highwater(message.tp), message.offset + 1)

    app.agent(raw_topic(app, source, settings), name=f"{stage}-{source.name}", concurrency=1)(agent)


def run_worker(app: faust.App, settings: Settings) -> None:
    """Run a faust app in the foreground until SIGTERM or SIGINT."""
    faust.Worker(app, loglevel=settings.log_level.lower(), quiet=True).execute_from_commandline()
