"""Run one stage step on one Kafka message and route the outcome: the shared plumbing of every service.

    routed = await route(message, step, stage=Stage.PARSE, expect=RawDocument, policy=RetryPolicy())

`route` decodes the message (a DecodeError is poison), calls the stage's step, retries transient failures
with exponential backoff and jitter, and turns whatever cannot be processed into a DeadLetter carrying the
reason, the original bytes and where they came from, whatever the exception type (native panics are
BaseExceptions; only shutdown and cancellation pass). It never raises for a bad message: the caller writes
`routed.outputs` (or `routed.dead_letter`), waits until they are acknowledged, and only then commits.
"""

from __future__ import annotations

import asyncio
import base64
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from newsflow.common.metrics import HEADER_MISMATCHES, MESSAGES, RETRIES, STAGE_SECONDS
from newsflow.common.outcomes import Outcome, Output, PoisonError, Rejected, TransientError, is_control_flow
from newsflow_schemas import (
    DeadLetter,
    DecodeError,
    Event,
    SourcePosition,
    Stage,
    decode,
    header_dict,
    original_message,
)

log = structlog.get_logger()
Step = Callable[[Event], Awaitable[Sequence[Output] | Rejected]]


@dataclass(frozen=True)
class Incoming:
    """A consumed Kafka message, transport-neutral."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 15.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter (attempt 1 is the first retry)."""
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


#: waiting out a dependency that is down (the search engine): 0.5, 1, 2, ... up to 5 s, with jitter, for as long as
#: it takes; the index service and enrich's band index wait alike
OUTAGE_RETRY = RetryPolicy(attempts=1, base_delay_s=0.5, max_delay_s=5.0)


def outage_delay(attempt: int) -> float:
    return OUTAGE_RETRY.delay(min(attempt, 6))


@dataclass
class Routed:
    outcome: Outcome
    outputs: list[Output] = field(default_factory=list)
    dead_letter: DeadLetter | None = None
    reason: str | None = None


async def route(message: Incoming, step: Step, *, stage: Stage, expect: type[Event], policy: RetryPolicy,
                max_bytes: int, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> Routed:
    started = time.perf_counter()
    first_failure: datetime | None = None
    event = decoded(message, stage=stage, expect=expect, max_bytes=max_bytes)
    if isinstance(event, Routed):
        return _finish(stage, started, event)
    article_id = getattr(event, "article_id", None)
    for attempt in range(1, policy.attempts + 1):
        try:
            result = await step(event)
        except TransientError as exc:
            first_failure = first_failure or datetime.now(UTC)
            if attempt == policy.attempts:
                return _finish(stage, started, _dead(message, stage, Outcome.TRANSIENT, exc, attempt,
                                                     first_failure, article_id, event))
            RETRIES.labels(stage).inc()
            log.warning("retrying", stage=stage, article_id=article_id, attempt=attempt, error=str(exc))
            await sleep(policy.delay(attempt))
            continue
        except PoisonError as exc:
            return _finish(stage, started, _dead(message, stage, Outcome.POISON, exc, attempt, first_failure,
                                                 article_id, event))
        except BaseException as exc:  # a bug, or a native panic, must not stop the partition: dead-letter, loudly
            if is_control_flow(exc):
                raise
            log.exception("step failed unexpectedly", stage=stage, article_id=article_id)
            return _finish(stage, started, _dead(message, stage, Outcome.POISON, exc, attempt, first_failure,
                                                 article_id, event))
        if isinstance(result, Rejected):
            log.info("rejected", stage=stage, article_id=article_id, reason=result.reason)
            return _finish(stage, started, Routed(Outcome.REJECTED, reason=result.reason))
        return _finish(stage, started, Routed(Outcome.OK, outputs=list(result)))
    raise AssertionError("unreachable: the loop returns on its last attempt")


def decoded(message: Incoming, *, stage: Stage, expect: type[Event], max_bytes: int) -> Event | Routed:
    """The message's event, or, if it cannot be read, its poison outcome with the dead letter (not yet counted).
    Whatever the exception: decode raises only DecodeError, and anything else is a bug to dead-letter too.
    A tombstone (`newsflow delete`) is its own outcome, with neither outputs nor a dead letter."""
    if message.value is None:
        return Routed(Outcome.TOMBSTONE, reason="tombstone: the article was taken down")
    try:
        return decode(message.value, message.headers, expect=expect, max_bytes=max_bytes,
                      on_header_mismatch=lambda _: HEADER_MISMATCHES.labels(stage).inc())
    except DecodeError as exc:
        return _dead(message, stage, Outcome.POISON, exc, 1, None, None)
    except BaseException as exc:
        if is_control_flow(exc):
            raise
        log.exception("decoding failed unexpectedly", stage=stage, topic=message.topic, offset=message.offset)
        return _dead(message, stage, Outcome.POISON, exc, 1, None, None)


def _finish(stage: Stage, started: float, routed: Routed) -> Routed:
    MESSAGES.labels(stage, routed.outcome).inc()
    STAGE_SECONDS.labels(stage).observe(time.perf_counter() - started)
    return routed


def _dead(message: Incoming, stage: Stage, outcome: Outcome, error: BaseException, attempts: int,
          first_failure: datetime | None, article_id: str | None, event: Event | None = None) -> Routed:
    letter = dead_letter_for(message, stage, outcome, type(error).__name__, str(error) or type(error).__name__,
                             attempts=attempts, first_failure=first_failure, article_id=article_id, event=event,
                             error=error)
    return Routed(outcome, dead_letter=letter, reason=letter.reason)


def dead_letter_for(message: Incoming, stage: Stage, outcome: Outcome, error_type: str, reason: str, *,
                    attempts: int = 1, first_failure: datetime | None = None, article_id: str | None = None,
                    event: Event | None = None, error: BaseException | None = None) -> DeadLetter:
    """A DeadLetter for one message: why, where from, how often tried, and the original bytes to replay."""
    now = datetime.now(UTC)
    headers = header_dict(message.headers)
    schema = event.SCHEMA if event else getattr(error, "schema", None) or headers.get("schema")
    version = event.schema_version if event else getattr(error, "version", None) or headers.get("schema-version")
    log.warning("dead-lettered", stage=stage, outcome=outcome, article_id=article_id, reason=reason,
                topic=message.topic, partition=message.partition, offset=message.offset)
    return DeadLetter(
        stage=str(stage), outcome=str(outcome), error_type=error_type, reason=reason, attempts=attempts,
        first_failed_at=first_failure or now, last_failed_at=now,
        ingested_at=event.ingested_at if event else now, article_id=article_id,
        source=SourcePosition(topic=message.topic, partition=message.partition, offset=message.offset,
                              key_base64=_b64(message.key), timestamp_ms=message.timestamp_ms),
        original=original_message(message.value or b"", headers, schema, version),
    )


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None
