"""What a stage could not process: the reason, where it came from, and the original bytes to replay."""

from __future__ import annotations

import base64
import hashlib
from typing import Literal

from pydantic import Field

from newsflow_schemas.base import Event, Model, UtcDatetime

#: beyond this many bytes the original is truncated (and says so); replay then needs the source topic
DEFAULT_MAX_ORIGINAL_BYTES = 1024 * 1024

Outcome = Literal["poison", "transient", "rejected"]


class SourcePosition(Model):
    topic: str = Field(description="the topic the failed message was read from")
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    key_base64: str | None = Field(None, description="the message key, base64")
    timestamp_ms: int | None = Field(None, description="the message's Kafka timestamp")


class OriginalMessage(Model):
    value_base64: str = Field(description="the original value bytes, base64 (truncated if 'truncated')")
    size: int = Field(ge=0, description="size of the complete original value in bytes")
    sha256: str = Field(description="sha256 hex of the complete original value")
    truncated: bool = Field(description="true if value_base64 holds only the first bytes")
    headers: dict[str, str] = Field(default_factory=dict, description="the original Kafka headers (decoded)")
    schema_name: str | None = Field(None, description="the original's schema, if it could be read")
    schema_version: str | None = Field(None, description="the original's schema version, if it could be read")

    def value(self) -> bytes:
        return base64.b64decode(self.value_base64)


class DeadLetter(Event):
    """One message a stage gave up on. `newsflow dlq replay` re-injects the original bytes into the stage's input."""

    SCHEMA = "newsflow.dead_letter"
    VERSION = "1.0"

    stage: str = Field(description="fetch, parse, enrich or index")
    outcome: Outcome = Field(description="poison: cannot ever succeed; transient: retries exhausted; "
                                         "rejected: an expected verdict kept for inspection")
    error_type: str = Field(description="the error's class, e.g. DecodeError, SearchEngineError")
    reason: str = Field(description="what went wrong, for a person")
    attempts: int = Field(ge=1, description="how many times the stage tried")
    first_failed_at: UtcDatetime
    last_failed_at: UtcDatetime
    source: SourcePosition | None = Field(None, description="where the message was read from")
    article_id: str | None = Field(None, description="the article's id, if it could be read")
    original: OriginalMessage


def original_message(value: bytes, headers: dict[str, str] | None = None, schema_name: str | None = None,
                     schema_version: str | None = None,
                     max_bytes: int = DEFAULT_MAX_ORIGINAL_BYTES) -> OriginalMessage:
    """Wrap the original bytes for a dead letter, truncating beyond max_bytes (and saying so)."""
    return OriginalMessage(
        value_base64=base64.b64encode(value[:max_bytes]).decode("ascii"), size=len(value),
        sha256=hashlib.sha256(value).hexdigest(), truncated=len(value) > max_bytes, headers=headers or {},
        schema_name=schema_name, schema_version=schema_version,
    )


__all__ = ["DEFAULT_MAX_ORIGINAL_BYTES", "DeadLetter", "OriginalMessage", "Outcome", "SourcePosition",
           "original_message"]
