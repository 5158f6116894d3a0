"""The fetch service (`newsflow serve fetch`): fetch requests in, raw documents and follow-up requests out, on the
shared runner (one task per partition: requests are keyed by host, so a slow site stalls only its own partition),
plus the feed scheduler.

What the stage remembers lives in the compacted fetch state topic (`state.py`): when the runner hands this worker
a partition, its facts are read from the same partition of the state topic (schedules, validators, items seen,
host backoff); the feeds of the feeds file that belong to the partition and are not scheduled yet are requested;
and the scheduler polls the partition's due feeds from then on. Whichever worker holds a partition, after a
rebalance or a restart on another machine, knows what the last one knew.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from newsflow.common.kafka import consumer_options, producer_options
from newsflow.common.lifecycle import Service
from newsflow.common.routing import RetryPolicy
from newsflow.common.runner import PartitionHooks, Runner, handle_messages
from newsflow.common.settings import Settings
from newsflow.common.transactions import partition_for
from newsflow.fetch.download import Downloader, FetchLimits
from newsflow.fetch.politeness import HostState, Politeness
from newsflow.fetch.robots import RobotsCache
from newsflow.fetch.safety import SystemResolver, parse_networks
from newsflow.fetch.scheduler import load_feeds_file, send_due_feeds
from newsflow.fetch.settings import FetchSettings
from newsflow.fetch.stage import FetchStage
from newsflow.fetch.state import FetchState
from newsflow.fetch.urls import canonical_url, host_of
from newsflow_schemas import FETCH_REQUESTS, FETCH_STATE, Event, FetchMemory, FetchRequest, Stage, decode
from newsflow_schemas import topic_name as named

log = structlog.get_logger()


def build(settings: Settings, fetch: FetchSettings) -> Service:
    limits = FetchLimits(total_timeout_s=fetch.fetch_timeout_s, read_timeout_s=min(15, fetch.fetch_timeout_s),
                         max_bytes=settings.max_body_bytes, max_redirects=fetch.fetch_max_redirects,
                         user_agent=fetch.fetch_user_agent)
    downloader = Downloader(limits, SystemResolver(), parse_networks(fetch.fetch_allow_networks))
    state = FetchState()
    politeness = Politeness(fetch.fetch_rate_per_host, clock=time.time)
    stage = FetchStage(downloader, RobotsCache(downloader, fetch.fetch_user_agent.split("/")[0]), politeness,
                       state)
    partitions = StatePartitions(settings, state, politeness, load_feeds_file(fetch.feeds_file))

    async def step(request: Event) -> object:
        assert isinstance(request, FetchRequest)
        return await stage(request)

    handle = handle_messages(step, stage=Stage.FETCH, expect=FetchRequest,  # type: ignore[arg-type]
                             max_bytes=settings.max_message_bytes, policy=RetryPolicy(attempts=3, base_delay_s=1.0),
                             side_outputs=state.take_changes)
    runner = Runner(settings, Stage.FETCH, FETCH_REQUESTS, handle, hooks=partitions)

    async def work(stop: asyncio.Event) -> None:
        producer = AIOKafkaProducer(**producer_options(settings))  # the scheduler's: due feeds are new input
        await producer.start()
        scheduler = asyncio.create_task(send_due_feeds(
            state, producer, settings, stop, interval_s=fetch.feed_schedule_interval_s,
            owns=lambda host: partitions.partition_of(host) in partitions.owned, new_feeds=partitions.take_new_feeds))
        try:
            await runner.run(stop)
        finally:
            stop.set()
            await scheduler
            await producer.stop()

    return Service(work, closers=[downloader.close])


class StatePartitions(PartitionHooks):
    """Loads a partition's facts from the state topic when the runner claims it, and forgets them when it goes."""

    def __init__(self, settings: Settings, state: FetchState, politeness: Politeness,
                 file_feeds: list[FetchRequest]) -> None:
        self.settings, self.state, self.politeness, self.file_feeds = settings, state, politeness, file_feeds
        self.owned: set[int] = set()
        self.to_request: list[FetchRequest] = []  # file feeds of an owned partition not scheduled yet

    def partition_of(self, host: str) -> int:
        return partition_for(host, FETCH_REQUESTS.partitions)

    async def claimed(self, tp: TopicPartition) -> None:
        self.state.drop(lambda host: self.partition_of(host) == tp.partition)  # a reload replaces, never adds
        facts = await read_state_partition(self.settings, tp.partition)
        self.state.load(facts)
        self.owned.add(tp.partition)
        for host, (until, failures) in self.state.host_backoffs().items():
            if self.partition_of(host) == tp.partition:
                self.politeness.hosts[host] = HostState(backoff_until=until, failures=failures)
        for request in self.file_feeds:
            url = canonical_url(request.url)
            if self.partition_of(host_of(url)) == tp.partition and self.state.feed(url) is None:
                self.to_request.append(request)
        log.info("fetch state loaded", stage=Stage.FETCH, partition=tp.partition, facts=len(facts),
                 feeds=sum(self.partition_of(host_of(feed.url)) == tp.partition for feed in self.state.feeds()))

    def take_new_feeds(self) -> list[FetchRequest]:
        requests, self.to_request = self.to_request, []
        return requests

    def released(self, tp: TopicPartition) -> None:
        self.owned.discard(tp.partition)
        self.state.drop(lambda host: self.partition_of(host) == tp.partition)


async def read_state_partition(settings: Settings, partition: int) -> list[FetchMemory | str]:
    """Every committed record of one partition of the fetch state topic, oldest first (a tombstone as its key)."""
    tp = TopicPartition(named(FETCH_STATE, settings.topic_prefix), partition)
    consumer = AIOKafkaConsumer(group_id=None, **consumer_options(settings))
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await consumer.end_offsets([tp]))[tp]
        facts: list[FetchMemory | str] = []
        while await consumer.position(tp) < end:
            for record in (await consumer.getmany(tp, timeout_ms=500)).get(tp, []):
                key = (record.key or b"").decode()
                facts.append(key if record.value is None else decode(record.value, record.headers,
                                                                         expect=FetchMemory))
        return facts
    finally:
        await consumer.stop()
