"""Delivering a stage's results exactly once: outputs, dead letters and the input offset in one Kafka transaction.

Every input partition a worker owns gets its own transactional producer, with the transactional id
`<prefix>newsflow-<stage>.<input topic>.<partition>`. aiokafka sends no consumer-group metadata with its offset
commits, so the broker cannot fence a zombie by group generation; a transactional id per partition can: when a
partition moves, its new owner initialises the same id, which aborts the old owner's open transaction and
fences it for good. Only then does the new owner read the committed offset and start there.

    transactions = PartitionTransactions(settings, stage, group_id, consumer)
    committed = await transactions.claim(tp)       # fences the previous owner; returns where to start
    await transactions.deliver(tp, handled)         # outputs + dead letters + offset, committed together
    await transactions.release(tp)

Consumers read committed records only (`consumer_options`), so a downstream reader never sees the output of a
transaction that was aborted, or that a killed worker left open (the broker aborts it after the transaction
timeout, `NEWSFLOW_KAFKA_TRANSACTION_TIMEOUT_MS`, if no new owner did so first).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import InvalidProducerEpoch, KafkaError, ProducerFenced, TransactionalIdAuthorizationFailed
from aiokafka.partitioner import murmur2

from newsflow.common.kafka import producer_options
from newsflow.common.metrics import record_lag
from newsflow.common.routing import Incoming, Routed
from newsflow.common.settings import Settings
from newsflow_schemas import Stage, dead_letter_topic, encode, topic_name

log = structlog.get_logger()

#: the broker says another producer owns this partition's transactional id now: stop working on the partition
FENCED = (ProducerFenced, InvalidProducerEpoch, TransactionalIdAuthorizationFailed)
#: a claim or a transaction that has not finished this long after the transaction timeout never will: start over
DEADLINE_MARGIN_S = 20.0
#: what makes the runner claim a partition again (the broker restarting, a coordinator moving, a request lost)
RETRY_CLAIM = (KafkaError, TimeoutError)


@dataclass(frozen=True)
class Handled:
    """One consumed message and what the stage made of it."""

    message: Incoming
    routed: Routed


class PartitionTransactions:
    def __init__(self, settings: Settings, stage: Stage, group_id: str, consumer: AIOKafkaConsumer) -> None:
        self.settings, self.stage, self.group_id, self.consumer = settings, stage, group_id, consumer
        self.producers: dict[TopicPartition, AIOKafkaProducer] = {}

    def transactional_id(self, tp: TopicPartition) -> str:
        return f"{self.settings.topic_prefix}newsflow-{self.stage}.{tp.topic}.{tp.partition}"

    async def claim(self, tp: TopicPartition) -> int | None:
        """Take the partition over: initialise its transactional id (which aborts and fences whatever an earlier
        owner left open), then read the committed offset, which can no longer move under us. Returns it (None when
        the group has none yet); the caller moves the consumer there."""
        await self.release(tp)
        producer = AIOKafkaProducer(**producer_options(self.settings), transactional_id=self.transactional_id(tp),
                                    transaction_timeout_ms=self.settings.kafka_transaction_timeout_ms)
        try:
            async with asyncio.timeout(self.settings.kafka_transaction_timeout_ms / 1000 + DEADLINE_MARGIN_S):
                await producer.start()
                committed = await self.consumer.committed(tp)
        except BaseException:
            await _stop_quietly(producer)
            raise
        self.producers[tp] = producer
        return committed

    async def release(self, tp: TopicPartition) -> None:
        """Give the partition up: abort an open transaction (the next owner would anyway) and close the producer."""
        producer = self.producers.pop(tp, None)
        if producer is not None:
            await _stop_quietly(producer)

    async def deliver(self, tp: TopicPartition, handled: Sequence[Handled], next_offset: int) -> None:
        """Write every output and dead letter of `handled` (consecutive messages of partition `tp`) and commit
        `next_offset` (after the last of them, or beyond: past transaction markers when nothing else waits), all
        in one transaction. Raises a KafkaError or TimeoutError when it failed (then nothing of it is visible to a
        read-committed consumer; the caller claims the partition again)."""
        producer = self.producers[tp]
        # bounded: a transaction caught by a broker restart can wait for an answer that never comes; the caller
        # then claims the partition again, which fences this producer and aborts what it left open
        # (no abort on failure here: the claim's `release` aborts, itself bounded, and the new producer fences)
        async with asyncio.timeout(self.settings.kafka_transaction_timeout_ms / 1000 + DEADLINE_MARGIN_S):
            await producer.begin_transaction()
            for item in handled:
                await self._send(producer, item)
            await producer.send_offsets_to_transaction({tp: next_offset}, self.group_id)
            await producer.commit_transaction()
        record_lag(self.stage, tp.partition, self.consumer.highwater(tp), next_offset)

    async def _send(self, producer: AIOKafkaProducer, item: Handled) -> None:
        prefix = self.settings.topic_prefix
        for output in item.routed.outputs:
            value, headers = encode(output.event)
            partition = None if output.partition_key is None else partition_for(output.partition_key,
                                                                                output.topic.partitions)
            await producer.send(topic_name(output.topic, prefix), value, key=output.key.encode(), headers=headers,
                                partition=partition)
        if item.routed.dead_letter is not None:
            value, headers = encode(item.routed.dead_letter)
            await producer.send(dead_letter_topic(self.stage, prefix), value, key=item.message.key, headers=headers)


def partition_for(key: str, partitions: int) -> int:
    """The partition a record keyed `key` goes to: the default partitioner's choice (murmur2, as Kafka's Java
    clients and aiokafka place keyed records)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    """Close a producer whatever state its transaction is in; it may be fenced, or the broker may be down."""
    with contextlib.suppress(Exception):
        if producer._txn_manager is not None and producer._txn_manager.is_in_transaction():
            await asyncio.wait_for(producer.abort_transaction(), timeout=5)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(producer.stop(), timeout=10)
