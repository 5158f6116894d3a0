"""Prometheus metrics shared by every service (exposed over HTTP by the service entry points)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

MESSAGES = Counter("newsflow_messages_total", "messages handled, by stage and outcome", ["stage", "outcome"])
STAGE_SECONDS = Histogram("newsflow_stage_seconds", "time to handle one message", ["stage"],
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
RETRIES = Counter("newsflow_retries_total", "transient failures retried", ["stage"])
HEADER_MISMATCHES = Counter("newsflow_header_mismatches_total",
                            "events whose schema headers disagree with the payload (the payload wins)", ["stage"])
