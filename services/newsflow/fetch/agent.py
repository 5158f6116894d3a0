"""The fetch service (`newsflow serve fetch`): fetch requests in, raw documents and follow-up requests out.

Runs on the partitioned worker (one task per partition; requests are keyed by host, so a slow site stalls only
its own partition) plus the feed scheduler.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial

from newsflow.common.lifecycle import run_until_signalled
from newsflow.common.partitioned import PartitionedWorker
from newsflow.common.runner import Incoming, RetryPolicy, Routed, route
from newsflow.common.settings import Settings
from newsflow.fetch.download import Downloader, FetchLimits
from newsflow.fetch.politeness import HostState, Politeness
from newsflow.fetch.robots import RobotsCache
from newsflow.fetch.safety import SystemResolver, parse_networks
from newsflow.fetch.scheduler import load_feeds_file, register, send_due_feeds
from newsflow.fetch.stage import FetchStage
from newsflow.fetch.state import FetchState
from newsflow_schemas import FETCH_REQUESTS, FetchRequest, Stage, topic_name


async def run_fetch_service(settings: Settings, stop: asyncio.Event) -> None:
    limits = FetchLimits(total_timeout_s=settings.fetch_timeout_s, read_timeout_s=min(15, settings.fetch_timeout_s),
                         max_bytes=settings.max_body_bytes, max_redirects=settings.fetch_max_redirects,
                         user_agent=settings.fetch_user_agent)
    downloader = Downloader(limits, SystemResolver(), parse_networks(settings.fetch_allow_networks))
    state = FetchState(settings.data_dir / "fetch-state.sqlite")
    politeness = Politeness(settings.fetch_rate_per_host, clock=time.time)
    for host, (until, failures) in state.host_backoffs().items():
        politeness.hosts[host] = HostState(backoff_until=until, failures=failures)
    stage = FetchStage(downloader, RobotsCache(downloader, settings.fetch_user_agent.split("/")[0]), politeness,
                       state)
    register(state, load_feeds_file(settings.feeds_file))
    policy = RetryPolicy(attempts=3, base_delay_s=1.0)

    async def step(request):  # the runner decodes; this routes the typed request to the stage
        assert isinstance(request, FetchRequest)
        return await stage(request)

    async def handle(message: Incoming) -> Routed:
        return await route(message, step, stage=Stage.FETCH, expect=FetchRequest, policy=policy,
                           max_bytes=settings.max_message_bytes)

    worker = PartitionedWorker(settings, Stage.FETCH, topic_name(FETCH_REQUESTS, settings.topic_prefix), handle)
    async def schedule() -> None:
        await worker.started.wait()
        await send_due_feeds(state, worker.producer, settings.topic_prefix, stop, settings.feed_schedule_interval_s)

    scheduler = asyncio.create_task(schedule())
    try:
        await worker.run(stop)
    finally:
        stop.set()
        await scheduler
        await downloader.close()
        state.close()


def main(settings: Settings) -> None:
    run_until_signalled(partial(run_fetch_service, settings))
