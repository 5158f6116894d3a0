"""A consumer that works on every assigned partition independently: one slow partition (one slow web site, for
the fetch stage, whose requests are keyed by host) never stalls the others.

Each partition has its own queue and task; messages of one partition are handled in order, one at a time; an
offset is marked done only after the message's outputs (or its dead letter) are acknowledged by the broker, and
a committer commits the done offsets every second and when partitions are revoked. Plain aiokafka: no offset
is ever committed past a message still being worked on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
from collections.abc import Awaitable, Callable

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from newsflow.common.kafka import consumer_options, producer_options
from newsflow.common.metrics import record_lag
from newsflow.common.ops import mark_ready, mark_stalled
from newsflow.common.runner import Incoming, Routed
from newsflow.common.settings import Settings
from newsflow_schemas import Stage, dead_letter_topic, encode, topic_name

log = structlog.get_logger()
Handler = Callable[[Incoming], Awaitable[Routed]]
QUEUE_LIMIT = 200  # messages buffered per partition before it is paused


class PartitionedWorker(ConsumerRebalanceListener):
    def __init__(self, settings: Settings, stage: Stage, topic: str, handler: Handler) -> None:
        self.settings, self.stage, self.handler = settings, stage, handler
        self.consumer = AIOKafkaConsumer(group_id=f"{settings.topic_prefix}newsflow-{stage}",
                                         max_poll_interval_ms=3_600_000, **consumer_options(settings))
        self.topic = topic
        self.producer = AIOKafkaProducer(**producer_options(settings))
        self.queues: dict[TopicPartition, asyncio.Queue[ConsumerRecord]] = {}
        self.tasks: dict[TopicPartition, asyncio.Task[None]] = {}
        self.done: dict[TopicPartition, int] = {}  # next offset to commit, per partition
        self.started = asyncio.Event()  # set once the producer can be used by others (e.g. a scheduler)

    async def run(self, stop: asyncio.Event) -> None:
        await self.producer.start()
        self.consumer.subscribe([self.topic], listener=self)
        await self.consumer.start()
        self.started.set()
        mark_ready()
        log.info("service consuming", stage=self.stage, topic=self.topic)
        committer = asyncio.create_task(self._commit_every_second(stop))
        try:
            while not stop.is_set():
                batch = await self.consumer.getmany(timeout_ms=200, max_records=500)
                for tp, records in batch.items():
                    queue = self._queue(tp)
                    for record in records:
                        queue.put_nowait(record)
                    if queue.qsize() >= QUEUE_LIMIT:
                        self.consumer.pause(tp)
                for tp, queue in self.queues.items():
                    if queue.qsize() < QUEUE_LIMIT // 2 and tp in self.consumer.paused():
                        self.consumer.resume(tp)
        finally:
            committer.cancel()
            await self._stop_partitions(list(self.tasks))
            await self._commit()
            await self.consumer.stop()
            await self.producer.stop()

    def _queue(self, tp: TopicPartition) -> asyncio.Queue[ConsumerRecord]:
        if tp not in self.queues:
            self.queues[tp] = asyncio.Queue()
            self.tasks[tp] = asyncio.create_task(self._work(tp, self.queues[tp]))
            self.tasks[tp].add_done_callback(functools.partial(self._worker_ended, tp))
        return self.queues[tp]

    def _worker_ended(self, tp: TopicPartition, task: asyncio.Task[None]) -> None:
        """A partition's worker ends only when the partition is revoked (cancelled). Ending otherwise is a bug
        that stalls the partition: say so loudly and turn health red, so that the service gets restarted."""
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        log.error("partition worker died; the partition is stalled until the service restarts", stage=self.stage,
                  partition=tp.partition, error=repr(error))
        mark_stalled(f"{self.stage} partition {tp.partition}", repr(error)[:300])

    async def _work(self, tp: TopicPartition, queue: asyncio.Queue[ConsumerRecord]) -> None:
        while True:
            record = await queue.get()
            message = Incoming(topic=record.topic, partition=record.partition, offset=record.offset,
                               key=record.key, value=record.value, headers=list(record.headers or []),
                               timestamp_ms=record.timestamp)
            routed = await self.handler(message)
            await self._deliver_until_acknowledged(routed, record.key)
            self.done[tp] = record.offset + 1
            record_lag(self.stage, tp.partition, self.consumer.highwater(tp), record.offset + 1)

    async def _deliver_until_acknowledged(self, routed: Routed, key: bytes | None) -> None:
        """The broker may be briefly unavailable: keep trying (the offset stays uncommitted meanwhile)."""
        for attempt in itertools.count(1):
            try:
                await self._deliver(routed, key)
                return
            except KafkaError as exc:
                log.warning("delivery failed; retrying", stage=self.stage, attempt=attempt, error=str(exc))
                await asyncio.sleep(min(30.0, 0.5 * 2 ** attempt))

    async def _deliver(self, routed: Routed, key: bytes | None) -> None:
        sends = []
        for output in routed.outputs:
            value, headers = encode(output.event)
            sends.append(await self.producer.send(topic_name(output.topic, self.settings.topic_prefix), value,
                                                  key=output.key.encode(), headers=headers))
        if routed.dead_letter is not None:
            value, headers = encode(routed.dead_letter)
            sends.append(await self.producer.send(dead_letter_topic(self.stage, self.settings.topic_prefix), value,
                                                  key=key, headers=headers))
        for sent in sends:
            await sent  # acknowledged by the broker
        for action in routed.on_delivered:
            action()

    async def _commit_every_second(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(1)
            await self._commit()

    async def _commit(self, partitions: list[TopicPartition] | None = None) -> None:
        offsets = {tp: offset for tp, offset in self.done.items() if partitions is None or tp in partitions}
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:  # after a rebalance: the new owner re-reads, idempotently
            log.warning("commit failed", stage=self.stage, error=str(exc))
            return
        for tp, offset in offsets.items():
            if self.done.get(tp) == offset:
                del self.done[tp]

    async def _stop_partitions(self, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            task = self.tasks.pop(tp, None)
            self.queues.pop(tp, None)
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # --- rebalance listener ---------------------------------------------------------------------------------
    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        """Stop working on revoked partitions (an unfinished message is re-read by the next owner) and commit
        what is done."""
        await self._stop_partitions(list(revoked))
        await self._commit(list(revoked))
        for tp in revoked:
            self.done.pop(tp, None)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("partitions assigned", stage=self.stage, partitions=sorted(tp.partition for tp in assigned))
