"""The fetch service end to end on the real broker: a scheduled feed from the feeds file becomes raw documents;
a refused URL becomes a dead letter; offsets are committed; what the service learnt is in the fetch state topic,
where `newsflow feeds list` and the next worker find it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

from newsflow.fetch.commands import send_requests
from newsflow_schemas import (
    ARTICLES_RAW,
    DEAD_LETTERS,
    FETCH_REQUESTS,
    FetchRequest,
    RawDocument,
    SourceInfo,
    Stage,
    decode,
)
from tests.fetch_server import FetchServer
from tests.integration.kafka_helpers import read, wait_committed_to_end


def page_request(url: str) -> FetchRequest:
    now = datetime.now(UTC)
    return FetchRequest(request_id=str(uuid.uuid4()), url=url, kind="page", source=SourceInfo(name="test", kind="page"),
                        requested_at=now, requested_by="test", ingested_at=now)


async def test_feed_from_the_feeds_file_is_polled_and_its_articles_fetched(pipeline_topics, service_factory,
                                                                           tmp_path):
    settings = pipeline_topics
    server = FetchServer(host="127.0.0.1")
    await server.start()
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"feeds:\n  - url: {server.base}/feed.rss\n    source: loopback-news\n"
                          "    poll_interval_s: 600\n")
    try:
        fetch_settings = {"fetch_allow_networks": '["127.0.0.0/8"]', "fetch_rate_per_host": "0",
                          "feeds_file": str(feeds_file), "feed_schedule_interval_s": "0.5"}
        first = await service_factory("fetch", **fetch_settings)
        await send_requests(settings, [page_request("http://10.255.255.1/secret")])

        raw = [decode(r.value, r.headers) for r in await read(settings, settings.topic_prefix + ARTICLES_RAW.name, 2)]
        assert sorted(doc.url for doc in raw) == [f"{server.base}/articles/1", f"{server.base}/articles/2"]
        assert all(isinstance(doc, RawDocument) and doc.feed_item.feed_title == "Test News" for doc in raw)
        assert {doc.source.name for doc in raw} == {"loopback-news"}

        letters = await read(settings, settings.topic_prefix + DEAD_LETTERS[Stage.FETCH].name, 1)
        letter = decode(letters[0].value, letters[0].headers)
        assert "non-public address" in letter.reason and letter.outcome == "poison"

        # the scheduled feed poll, the two page requests and the refused one: four requests, all committed
        requests = settings.topic_prefix + FETCH_REQUESTS.name
        assert len(await read(settings, requests, 5, deadline_s=3)) == 4
        await wait_committed_to_end(settings, f"{settings.topic_prefix}newsflow-fetch", requests,
                                    FETCH_REQUESTS.partitions)
        assert server.hits["/feed.rss"] == 1 and server.hits["/robots.txt"] == 1

        listed = subprocess.run([sys.executable, "-m", "newsflow.cli", "feeds", "list"], capture_output=True,
                                text=True, env={**os.environ, **settings.environment(), "COLUMNS": "200"})
        assert listed.returncode == 0 and f"{server.base}/feed.rss" in listed.stdout, listed.stdout + listed.stderr

        first.kill()  # the next worker knows the feed and the pages from the state topic: nothing is fetched again
        await asyncio.to_thread(first.wait)
        await service_factory("fetch", **fetch_settings)
        await asyncio.sleep(3)
        await send_requests(settings, [page_request(f"{server.base}/articles/1")])  # unchanged: no new revision
        await asyncio.sleep(3)
        assert server.hits["/feed.rss"] == 1 and len(await read(settings, settings.topic_prefix + ARTICLES_RAW.name,
                                                                3, deadline_s=3)) == 2
    finally:
        await server.stop()
