"""The one consumer loop every service runs, with exactly-once delivery (`newsflow.common.transactions`).

    runner = Runner(settings, Stage.PARSE, ARTICLES_RAW, handle_messages(step, ...))   # fetch, parse, enrich
    runner = Runner(settings, Stage.INDEX, ARTICLES_ENRICHED, sink.handle, batch=Batching(500, 0.1))  # index
    await runner.run(stop)

Each assigned partition has its own queue and task, so one slow partition (one slow web site, for fetch, whose
requests are keyed by host) never stalls the others. A partition's task claims the partition (fencing an earlier
owner, starting at the committed offset), then repeatedly takes the records that are waiting (a batch), hands
them to the stage, and delivers the results and the next offset in one transaction. Messages of a partition are
handled in order; nothing is committed before its outputs are written, and nothing is written twice.

When a transaction fails (the broker restarts, a coordinator moves), the partition is claimed again and re-read
from its committed offset: the failed transaction's outputs were never visible, so redoing them duplicates
nothing. A fenced partition belongs to another worker now and is left to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from newsflow.common.kafka import consumer_options
from newsflow.common.metrics import forget_lag
from newsflow.common.ops import mark_ready, mark_stalled
from newsflow.common.outcomes import Output
from newsflow.common.routing import Incoming, RetryPolicy, Routed, Step, route
from newsflow.common.settings import Settings
from newsflow.common.transactions import FENCED, RETRY_CLAIM, Handled, PartitionTransactions
from newsflow_schemas import Event, Stage, TopicSpec, topic_name

log = structlog.get_logger()
#: a stage's work on one batch: the messages of one partition, in order -> one result per message
HandleBatch = Callable[[Sequence[Incoming]], Awaitable[Sequence[Routed]]]
#: longest a claim may take to load the partition's state (fetch) before it starts over
CLAIM_DEADLINE_S = 120.0
#: a partition with nothing to do looks this often whether its committed offset can move past upstream markers
IDLE_S = 1.0


@dataclass(frozen=True)
class Batching:
    """How many waiting records of a partition go into one batch (one transaction), and how long to wait for
    more once one has arrived (0: take what is there)."""

    max_records: int = 20
    linger_s: float = 0.0


def handle_messages(step: Step, *, stage: Stage, expect: type[Event], max_bytes: int,
                    policy: RetryPolicy | None = None,
                    side_outputs: Callable[[], list[Output]] | None = None) -> HandleBatch:
    """The batch handler of a per-message stage: route each message through `step`, one after another.
    `side_outputs` returns what handling a message changed besides its outputs (fetch's state), whatever its
    outcome: written with it, in the same transaction."""
    retry = policy or RetryPolicy()

    async def handle(messages: Sequence[Incoming]) -> list[Routed]:
        results = []
        for message in messages:
            routed = await route(message, step, stage=stage, expect=expect, policy=retry, max_bytes=max_bytes)
            if side_outputs is not None:
                routed.outputs.extend(side_outputs())
            results.append(routed)
        return results

    return handle


def incoming(record: ConsumerRecord) -> Incoming:
    return Incoming(topic=record.topic, partition=record.partition, offset=record.offset, key=record.key,
                    value=record.value, headers=list(record.headers or []), timestamp_ms=record.timestamp)


class PartitionHooks:
    """What a stage with state of its own (fetch) does when it takes a partition over (load the partition's state)
    and gives it up; by default, nothing."""

    async def claimed(self, tp: TopicPartition) -> None:
        pass

    def released(self, tp: TopicPartition) -> None:
        pass


class Runner(ConsumerRebalanceListener):
    def __init__(self, settings: Settings, stage: Stage, source: TopicSpec, handle: HandleBatch, *,
                 batch: Batching | None = None, hooks: PartitionHooks | None = None) -> None:
        self.settings, self.stage, self.handle = settings, stage, handle
        self.hooks = hooks or PartitionHooks()
        self.batching = batch or Batching()
        self.queue_limit = max(200, 2 * self.batching.max_records)  # records buffered per partition, then paused
        self.topic = topic_name(source, settings.topic_prefix)
        self.group_id = f"{settings.topic_prefix}newsflow-{stage}"
        self.consumer = AIOKafkaConsumer(group_id=self.group_id, max_poll_interval_ms=3_600_000,
                                         **consumer_options(settings))
        self.transactions = PartitionTransactions(settings, stage, self.group_id, self.consumer)
        self.queues: dict[TopicPartition, asyncio.Queue[ConsumerRecord]] = {}
        self.tasks: dict[TopicPartition, asyncio.Task[None]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        self.consumer.subscribe([self.topic], listener=self)
        await self.consumer.start()
        mark_ready()
        log.info("service consuming", stage=self.stage, topic=self.topic)
        try:
            while not stop.is_set():
                fetched = await self.consumer.getmany(timeout_ms=200, max_records=500)
                for tp, records in fetched.items():
                    queue = self.queues.get(tp)
                    if queue is None:  # revoked while the fetch was under way
                        continue
                    for record in records:
                        queue.put_nowait(record)
                    if queue.qsize() >= self.queue_limit:
                        self.consumer.pause(tp)
                for tp, queue in self.queues.items():
                    if queue.qsize() < self.queue_limit // 2 and tp in self.consumer.paused():
                        self.consumer.resume(tp)
        finally:
            await self._stop_partitions(list(self.tasks))
            await self.consumer.stop()

    # --- one partition -------------------------------------------------------------------------------------
    async def _work(self, tp: TopicPartition, queue: asyncio.Queue[ConsumerRecord]) -> None:
        position = await self._claim(tp, queue)
        while True:
            handled = await self._handle(await self._take(queue, position))
            after = handled[-1].message.offset + 1 if handled else position
            next_offset = await self._next_offset(tp, queue, after)
            if not handled and next_offset == position:
                continue  # idle, and nothing new to commit
            try:
                await self.transactions.deliver(tp, handled, next_offset)
                position = next_offset
            except FENCED:
                log.warning("partition taken over by another worker; leaving it", stage=self.stage,
                            partition=tp.partition)
                await self._release(tp)
                return
            except RETRY_CLAIM as exc:
                # nothing of the batch is visible, or all of it is (the commit went through and only its answer
                # was lost): either way, go on from the committed offset, with the partition's state reloaded
                log.warning("transaction failed; claiming the partition again", stage=self.stage,
                            partition=tp.partition, error=repr(exc))
                position = await self._claim(tp, queue)

    async def _next_offset(self, tp: TopicPartition, queue: asyncio.Queue[ConsumerRecord], after: int) -> int:
        """The offset to commit: the one after the last message handled or, when nothing else waits, the
        consumer's position, which is past the markers that close upstream transactions. (Committing only a
        record's offset would leave a partition that is done one marker short of its end: lag 1 for ever.)"""
        if not queue.empty() or tp not in self.consumer.assignment():
            return after
        try:
            position = await asyncio.wait_for(self.consumer.position(tp), timeout=1)
        except (TimeoutError, KafkaError):  # no valid position right now: the safe answer
            return after
        # records fetched while we waited would be in the queue now (only this task takes from it): then the
        # position is past records not yet handled
        return max(after, position) if queue.empty() else after

    async def _claim(self, tp: TopicPartition, queue: asyncio.Queue[ConsumerRecord]) -> int:
        """Claim the partition, load its state and move the consumer to the committed offset, retrying while the
        broker is unavailable (nothing is lost meanwhile). Returns the offset to go on from."""
        for attempt in itertools.count(1):
            try:
                committed = await self.transactions.claim(tp)
                async with asyncio.timeout(CLAIM_DEADLINE_S):
                    await self.hooks.claimed(tp)
                    start = committed if committed is not None else (await self.consumer.beginning_offsets([tp]))[tp]
                break
            except RETRY_CLAIM as exc:
                log.warning("cannot claim the partition yet; retrying", stage=self.stage, partition=tp.partition,
                            attempt=attempt, error=repr(exc))
                await asyncio.sleep(min(10.0, 0.5 * 2 ** min(attempt, 5)))
        # no await from here on: what the queue holds came from before the seek (the consumer discards what it
        # fetched from the old position), and would otherwise be handled twice
        if tp in self.consumer.assignment():
            self.consumer.seek(tp, start)
        _drain(queue)
        log.info("partition claimed", stage=self.stage, partition=tp.partition, offset=start)
        return start

    async def _release(self, tp: TopicPartition) -> None:
        await self.transactions.release(tp)
        self.hooks.released(tp)
        forget_lag(self.stage, tp.partition)

    async def _take(self, queue: asyncio.Queue[ConsumerRecord], position: int) -> list[Incoming]:
        """The next batch: what waits in the queue (up to the limit, after lingering for more), in offset order from
        `position` on (a record before it, or before one already taken, is skipped). Empty after IDLE_S without a
        record."""
        batch: list[Incoming] = []
        deadline = time.monotonic() + IDLE_S
        while len(batch) < self.batching.max_records:
            if queue.empty():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    record = await asyncio.wait_for(queue.get(), remaining)
                except TimeoutError:
                    break
            else:
                record = queue.get_nowait()
            if record.offset < position:
                continue
            position = record.offset + 1
            if not batch:
                deadline = time.monotonic() + self.batching.linger_s
            batch.append(incoming(record))
        return batch

    async def _handle(self, batch: list[Incoming]) -> list[Handled]:
        if not batch:
            return []
        routed = await self.handle(batch)
        return [Handled(message, result) for message, result in zip(batch, routed, strict=True)]

    # --- partitions come and go ----------------------------------------------------------------------------
    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        """Stop working on revoked partitions: unfinished work is redone by the next owner, whose claim aborts
        whatever transaction we had open."""
        await self._stop_partitions(list(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("partitions assigned", stage=self.stage, partitions=sorted(tp.partition for tp in assigned))
        for tp in assigned:
            if tp not in self.tasks:
                self.queues[tp] = asyncio.Queue()
                self.tasks[tp] = asyncio.create_task(self._work(tp, self.queues[tp]))
                self.tasks[tp].add_done_callback(functools.partial(self._worker_ended, tp))

    def _worker_ended(self, tp: TopicPartition, task: asyncio.Task[None]) -> None:
        """A partition's task ends when the partition is revoked (cancelled) or fenced. Ending otherwise is a bug
        that stalls the partition: say so loudly and turn health red, so that the service gets restarted."""
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        log.error("partition worker died; the partition is stalled until the service restarts", stage=self.stage,
                  partition=tp.partition, error=repr(error))
        mark_stalled(f"{self.stage} partition {tp.partition}", repr(error)[:300])

    async def _stop_partitions(self, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            task = self.tasks.pop(tp, None)
            self.queues.pop(tp, None)
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self._release(tp)


def _drain(queue: asyncio.Queue[ConsumerRecord]) -> None:
    while not queue.empty():
        queue.get_nowait()
