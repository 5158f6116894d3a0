"""Prometheus metrics shared by every service (exposed over HTTP by the service entry points)."""

from __future__ import annotations

import contextlib

from prometheus_client import Counter, Gauge, Histogram

MESSAGES = Counter("newsflow_messages_total", "messages handled, by stage and outcome", ["stage", "outcome"])
STAGE_SECONDS = Histogram("newsflow_stage_seconds", "time to handle one message", ["stage"],
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
RETRIES = Counter("newsflow_retries_total", "transient failures retried", ["stage"])
HEADER_MISMATCHES = Counter("newsflow_header_mismatches_total",
                            "events whose schema headers disagree with the payload (the payload wins)", ["stage"])
CONSUMER_LAG = Gauge("newsflow_consumer_lag",
                     "messages of a partition not yet handled: the high watermark the broker sent with its last fetch "
                     "response minus the next offset to handle (the embedded broker's fetch responses carry the right "
                     "figure; its ListOffsets answer does not)", ["stage", "partition"])


def record_lag(stage: str, partition: int, highwater: int | None, next_offset: int) -> None:
    if highwater is not None:  # unknown until the first fetch response for the partition
        CONSUMER_LAG.labels(stage, str(partition)).set(max(0, highwater - next_offset))


def forget_lag(stage: str, partition: int) -> None:
    """The partition moved to another worker: its lag is that worker's to report now."""
    with contextlib.suppress(KeyError):  # never reported here
        CONSUMER_LAG.remove(stage, str(partition))
