"""Exactly once on the real Apache Kafka: a worker killed (-9) in the middle of a transaction leaves nothing that
a read-committed consumer can see, holds such consumers back for at most the transaction timeout, and its
successor delivers every output once."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from newsflow.common.settings import Settings
from newsflow_schemas import ARTICLES_PARSED, ARTICLES_RAW, encode, topic_name
from tests.integration.kafka_helpers import committed_total, produce, read_all
from tests.newsroom import story
from tests.unit.parse.conftest import raw_text

PAUSED_SERVICE = Path(__file__).with_name("paused_service.py")
ARTICLES = 12
TRANSACTION_TIMEOUT_MS = 4000


async def read_view(settings: Settings, topic: str, isolation: str, until=None) -> list:
    return await read_all(settings, topic, 2.0, 60, isolation=isolation, until=until)


def positions(records: list) -> set[tuple[int, int]]:
    return {(record.partition, record.offset) for record in records}


@pytest.mark.parametrize("successor", ["after the timeout", "at once"])
async def test_a_worker_killed_mid_transaction_leaves_nothing_visible_and_nothing_twice(
        pipeline_topics: Settings, service_factory, tmp_path: Path, successor: str):
    """Killed with no successor, the broker aborts the open transaction after its timeout; with a successor
    started at once, the successor's claim aborts it (and fences the dead worker) sooner."""
    settings = pipeline_topics
    raw, parsed = topic_name(ARTICLES_RAW, settings.topic_prefix), topic_name(ARTICLES_PARSED, settings.topic_prefix)
    documents = [raw_text(f"{story(n).title}\n\nBy {story(n).author}\n\n" + "\n\n".join(story(n).paragraphs),
                          source=f"wire-{n}") for n in range(ARTICLES)]
    await produce(settings, raw, [(d.article_id.encode(), *encode(d)) for d in documents])
    timeout = {"kafka_transaction_timeout_ms": str(TRANSACTION_TIMEOUT_MS)}

    paused = await service_factory("parse", command=[sys.executable, str(PAUSED_SERVICE), "parse"],
                                   PAUSE_AFTER="3", **timeout)
    log = Path(tmp_path / "parse-0.log")
    deadline = time.monotonic() + 60
    while "paused mid-transaction" not in log.read_text() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert "paused mid-transaction" in log.read_text(), log.read_text()[-2000:]
    open_records = positions(await read_view(settings, parsed, "read_uncommitted")) - positions(
        await read_view(settings, parsed, "read_committed"))
    assert open_records, "the paused transaction's outputs should be on the broker, uncommitted"
    open_partitions = {partition for partition, _ in open_records}

    paused.kill()  # -9, with its transaction open
    killed_at = time.monotonic()
    paused.wait(timeout=10)
    if successor == "at once":
        await service_factory("parse", **timeout)
    # a record written behind the open transaction becomes readable (read-committed) only once it is aborted
    for partition in open_partitions:
        await produce(settings, parsed, [(b"marker", b"{}", [])], partition=partition)
    behind = await read_view(settings, parsed, "read_committed",
                             until=lambda records: sum(r.key == b"marker" for r in records) == len(open_partitions))
    stalled_s = time.monotonic() - killed_at
    assert sum(r.key == b"marker" for r in behind) == len(open_partitions)
    assert not positions(behind) & open_records, "the killed transaction's outputs became visible"
    assert stalled_s < TRANSACTION_TIMEOUT_MS / 1000 + 5, f"read-committed readers stalled {stalled_s:.1f} s"

    print(f"read-committed readers waited {stalled_s:.1f} s after the kill (successor {successor})")
    if successor != "at once":
        await service_factory("parse", **timeout)  # redoes what the killed worker left unfinished
    committed = await read_view(settings, parsed, "read_committed", until=lambda records: len(
        [r for r in records if r.key != b"marker"]) >= ARTICLES)
    keys = Counter(record.key for record in committed if record.key != b"marker")
    assert keys == Counter({d.article_id.encode(): 1 for d in documents})
    assert not positions(committed) & open_records
    deadline = time.monotonic() + 30
    while await committed_total(settings, f"{settings.topic_prefix}newsflow-parse", raw, 6) < ARTICLES:
        assert time.monotonic() < deadline, "the successor's offsets were not committed"
        await asyncio.sleep(0.5)
