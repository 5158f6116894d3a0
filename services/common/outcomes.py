"""What a stage may answer, and the errors that tell the runner how to route a failure.

Every message ends in exactly one counted outcome:
- ok: outputs are written, then the offset is committed;
- rejected: an expected verdict ("not an article"): counted and logged with the reason, offset committed;
- poison: can never succeed (undecodable, invalid, refused): straight to the stage's dead-letter topic;
- transient: may succeed later (timeout, 5xx, 429): retried with backoff, then dead-lettered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from newsflow_schemas import Event, TopicSpec


class Outcome(StrEnum):
    OK = "ok"
    REJECTED = "rejected"
    POISON = "poison"
    TRANSIENT = "transient"


class PoisonError(Exception):
    """The input can never be processed; the message says why."""


class TransientError(Exception):
    """Processing failed for a reason that may pass (a timeout, an unavailable dependency)."""


@dataclass(frozen=True)
class Rejected:
    """An expected verdict: nothing to emit, for this reason."""

    reason: str


@dataclass(frozen=True)
class Emit:
    """Outputs plus what to remember once they are safely written (state that must not run ahead of them)."""

    outputs: Sequence[Output]
    on_delivered: Sequence[Callable[[], None]] = ()


@dataclass(frozen=True)
class Output:
    """One event to emit: where, under which key."""

    topic: TopicSpec
    key: str
    event: Event
