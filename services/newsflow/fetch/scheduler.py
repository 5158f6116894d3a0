"""Feeds to poll: loaded from the YAML file, added by `newsflow feeds add`, and sent as fetch requests when due."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
import yaml
from aiokafka import AIOKafkaProducer

from newsflow.common.settings import Settings
from newsflow.fetch.state import FetchState
from newsflow.fetch.urls import host_of
from newsflow_schemas import FETCH_REQUESTS, FetchRequest, SourceInfo, encode, topic_name

log = structlog.get_logger()


def feed_request(url: str, source: str, *, kind: str = "feed", poll_interval_s: int | None = 900,
                 requested_by: str = "cli", country: str | None = None, language: str | None = None,
                 priority: int = 5) -> FetchRequest:
    now = datetime.now(UTC)
    return FetchRequest(
        request_id=str(uuid.uuid4()), url=url, kind=kind, priority=priority, poll_interval_s=poll_interval_s,
        source=SourceInfo(name=source, kind="sitemap" if kind == "sitemap" else "feed" if kind == "feed" else "page",
                          feed_url=url if kind in ("feed", "sitemap") else None, country=country,
                          language_hint=language),
        requested_at=now, requested_by=requested_by, ingested_at=now)


def load_feeds_file(path: Path) -> list[FetchRequest]:
    """The feeds of the YAML file: `feeds: [{url, source, kind?, poll_interval_s?, country?, language?}]`."""
    if not path.exists():
        return []
    entries: list[dict[str, Any]] = (yaml.safe_load(path.read_text()) or {}).get("feeds") or []
    return [feed_request(entry["url"], entry["source"], kind=entry.get("kind", "feed"),
                         poll_interval_s=int(entry.get("poll_interval_s", 900)), requested_by=f"file:{path.name}",
                         country=entry.get("country"), language=entry.get("language")) for entry in entries]


async def send_due_feeds(state: FetchState, producer: AIOKafkaProducer, settings: Settings, stop: asyncio.Event, *,
                         interval_s: float, owns: Callable[[str], bool],
                         new_feeds: Callable[[], list[FetchRequest]]) -> None:
    """Every `interval_s` (`NEWSFLOW_FEED_SCHEDULE_INTERVAL_S`), send a poll request for each due feed whose host
    this worker `owns` (the partition is its), and the requests `new_feeds` hands over (feeds of the feeds file not
    scheduled yet). The next poll time set here is provisional, kept in memory only: the poll's outcome writes the
    real one."""
    topic = topic_name(FETCH_REQUESTS, settings.topic_prefix)
    while not stop.is_set():
        requests = new_feeds()
        now = time.time()
        for feed in state.due_feeds(now):
            if not owns(host_of(feed.url)):
                continue
            stamp = datetime.now(UTC).isoformat()
            requests.append(FetchRequest.model_validate({**feed.request, "request_id": str(uuid.uuid4()),
                                                         "requested_at": stamp, "requested_by": "schedule",
                                                         "ingested_at": stamp}))
            state.update_feed(feed.url, interval_s=feed.interval_s, next_poll=now + feed.interval_s,
                              failures=feed.failures, remember=False)
            log.info("feed due", url=feed.url, interval_s=round(feed.interval_s))
        for request in requests:
            value, headers = encode(request)
            await producer.send_and_wait(topic, value, key=host_of(request.url).encode(), headers=headers)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
