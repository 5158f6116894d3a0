"""Feeds to poll: loaded from the YAML file, added by `newsflow feeds add`, and sent as fetch requests when due."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
import yaml
from aiokafka import AIOKafkaProducer

from newsflow.fetch.state import FetchState
from newsflow.fetch.urls import canonical_url, host_of
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


def register(state: FetchState, requests: list[FetchRequest]) -> None:
    """Schedule feeds not known yet (a known feed keeps its adaptive interval and failure record)."""
    for request in requests:
        url = canonical_url(request.url)
        if state.feed(url) is None:
            state.schedule_feed(url, request.model_dump(mode="json", by_alias=True),
                                float(request.poll_interval_s or 900), next_poll=time.time())


async def send_due_feeds(state: FetchState, producer: AIOKafkaProducer, prefix: str, stop: asyncio.Event,
                         every_s: float) -> None:
    while not stop.is_set():
        now = time.time()
        for feed in state.due_feeds(now):
            template = {**feed.request, "request_id": str(uuid.uuid4()),
                        "requested_at": datetime.now(UTC).isoformat(), "requested_by": "schedule",
                        "ingested_at": datetime.now(UTC).isoformat()}
            request = FetchRequest.model_validate(template)
            value, headers = encode(request)
            await producer.send_and_wait(topic_name(FETCH_REQUESTS, prefix), value,
                                         key=host_of(feed.url).encode(), headers=headers)
            # provisional: the poll's outcome sets the real next time (adaptive interval, backoff)
            state.update_feed(feed.url, interval_s=feed.interval_s, next_poll=now + feed.interval_s,
                              failures=feed.failures)
            log.info("feed due", url=feed.url, interval_s=round(feed.interval_s))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)
