"""What a stage may answer, and the errors that tell the runner how to route a failure.

Every message ends in exactly one counted outcome, whatever the exception (a BaseException raised by native code,
such as pyo3's PanicException, included); only shutdown and cancellation (`CONTROL_FLOW`) pass through:
- ok: outputs are written, then the offset is committed;
- rejected: an expected verdict ("not an article"): counted and logged with the reason, offset committed;
- poison: can never succeed (undecodable, invalid, refused): straight to the stage's dead-letter topic;
- transient: may succeed later (timeout, 5xx, 429): retried with backoff, then dead-lettered.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum

from newsflow_schemas import Event, TopicSpec

#: what stops or cancels work: never turned into an outcome (every other exception is, native panics included)
CONTROL_FLOW: tuple[type[BaseException], ...] = (KeyboardInterrupt, SystemExit, GeneratorExit, asyncio.CancelledError)


def is_control_flow(exc: BaseException) -> bool:
    return isinstance(exc, CONTROL_FLOW)


class Outcome(StrEnum):
    OK = "ok"
    REJECTED = "rejected"
    POISON = "poison"
    TRANSIENT = "transient"
    TOMBSTONE = "tombstone"  # a takedown's marker (a key without a value): nothing to process, nothing to emit


class PoisonError(Exception):
    """The input can never be processed; the message says why."""


class TransientError(Exception):
    """Processing failed for a reason that may pass (a timeout, an unavailable dependency)."""


@dataclass(frozen=True)
class Rejected:
    """An expected verdict: nothing to emit, for this reason."""

    reason: str


@dataclass(frozen=True)
class Output:
    """One event to emit: where, under which key; `partition_key`, when set, places it in the partition that key
    would go to instead (state kept beside the input partition that needs it)."""

    topic: TopicSpec
    key: str
    event: Event
    partition_key: str | None = None
