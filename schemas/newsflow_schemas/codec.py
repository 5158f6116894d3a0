"""The one codec every producer and consumer uses: events <-> JSON bytes plus Kafka headers.

    value, headers = encode(article)
    event = decode(value, headers)            # any registered event, upcast to the newest major
    article = decode(value, headers, expect=ParsedArticle)

Bad input of any kind raises `DecodeError` with a machine-readable `kind` and a reason for people, so that the
caller can dead-letter it. The payload's `schema` and `schema_version` win over the headers; a disagreement is
reported to `on_header_mismatch` (services count it in a metric).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from newsflow_schemas.articles import ParsedArticle, RawDocument
from newsflow_schemas.base import Event
from newsflow_schemas.dead_letter import DeadLetter
from newsflow_schemas.enriched import EnrichedArticle
from newsflow_schemas.fetch import FetchMemory, FetchRequest

CONTENT_TYPE = "application/json"
DEFAULT_MAX_BYTES = 16 * 1024 * 1024

E = TypeVar("E", bound=Event)
Headers = Sequence[tuple[str, bytes]]
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
DecodeErrorKind = Literal["too_large", "not_json", "not_an_event", "unknown_schema", "unknown_version", "invalid",
                          "unexpected_schema"]


class DecodeError(ValueError):
    """The bytes are not a valid event we can read. `kind` classifies it; str() is the reason."""

    def __init__(self, kind: DecodeErrorKind, reason: str, schema: str | None = None,
                 version: str | None = None) -> None:
        super().__init__(reason)
        self.kind, self.reason, self.schema, self.version = kind, reason, schema, version


def _major(version: str) -> int:
    major, _, minor = version.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise ValueError(f"schema_version {version!r} is not MAJOR.MINOR")
    return int(major)


@dataclass
class Registry:
    """Known events by schema name and major version, and the upcasters from each major to the next."""

    models: dict[str, dict[int, type[Event]]] = field(default_factory=dict)
    upcasters: dict[tuple[str, int], Upcaster] = field(default_factory=dict)

    def register(self, model: type[Event]) -> type[Event]:
        self.models.setdefault(model.SCHEMA, {})[_major(model.VERSION)] = model
        return model

    def register_upcaster(self, schema: str, from_major: int, upcaster: Upcaster) -> None:
        """`upcaster` turns a payload of `from_major` into one of `from_major + 1` (a new dict)."""
        self.upcasters[(schema, from_major)] = upcaster

    def newest(self, schema: str) -> type[Event]:
        return self.models[schema][max(self.models[schema])]


def default_registry() -> Registry:
    registry = Registry()
    for model in (FetchRequest, FetchMemory, RawDocument, ParsedArticle, EnrichedArticle, DeadLetter):
        registry.register(model)
    return registry


REGISTRY = default_registry()


def headers_for(event: Event) -> list[tuple[str, bytes]]:
    return [("content-type", CONTENT_TYPE.encode()), ("schema", event.SCHEMA.encode()),
            ("schema-version", event.schema_version.encode())]  # the payload's own: they never disagree


def encode(event: Event) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The event as compact UTF-8 JSON, and the Kafka headers that mirror its schema and version."""
    payload = event.model_dump_json(by_alias=True).encode("utf-8")
    return payload, headers_for(event)


def header_dict(headers: Iterable[tuple[str, bytes | None]] | None) -> dict[str, str]:
    """Kafka headers as text (undecodable bytes replaced), last value winning."""
    return {name: (value or b"").decode("utf-8", "replace") for name, value in (headers or ())}


def decode(value: bytes | None, headers: Headers | None = None, *, expect: type[E] | None = None,
           max_bytes: int = DEFAULT_MAX_BYTES, registry: Registry = REGISTRY,
           on_header_mismatch: Callable[[str], None] | None = None) -> Any:
    """Bytes (+ headers) -> the newest model of the event's schema; raises DecodeError for bad input, and
    nothing else (property-tested: any bytes and headers)."""
    try:
        return _decode(value, headers, expect, max_bytes, registry, on_header_mismatch)
    except RecursionError as exc:  # 2 KB of '[[[[...' is enough to exhaust the parser's stack
        raise DecodeError("not_json", "payload is JSON nested too deeply to read") from exc


def _decode(value: bytes | None, headers: Headers | None, expect: type[E] | None, max_bytes: int,
            registry: Registry, on_header_mismatch: Callable[[str], None] | None) -> Any:
    texts = header_dict(headers)
    if value is not None and len(value) <= max_bytes:
        event = _decode_current(value, texts, expect, registry, on_header_mismatch)
        if event is not None:
            return event
    payload = _load(value, max_bytes)
    schema, version = payload.get("schema"), payload.get("schema_version")
    if not isinstance(schema, str) or not isinstance(version, str):
        raise DecodeError("not_an_event", "payload has no 'schema' and 'schema_version' strings")
    _check_headers(texts, schema, version, on_header_mismatch)
    if schema not in registry.models:
        raise DecodeError("unknown_schema", f"unknown schema {schema!r}", schema, version)
    try:
        major = _major(version)
    except ValueError as exc:
        raise DecodeError("unknown_version", str(exc), schema, version) from exc
    newest = registry.newest(schema)
    if major not in registry.models[schema] or major > _major(newest.VERSION):
        raise DecodeError("unknown_version", f"{schema} version {version} is not known here "
                                             f"(known majors: {sorted(registry.models[schema])})", schema, version)
    payload = _upcast(payload, schema, major, _major(newest.VERSION), registry)
    if expect is not None and newest is not expect:
        raise DecodeError("unexpected_schema", f"expected {expect.SCHEMA}, got {schema}", schema, version)
    try:
        return newest.model_validate(payload)
    except ValidationError as exc:
        raise DecodeError("invalid", f"{schema} {version} failed validation: {_summary(exc)}", schema,
                          version) from exc


def _decode_current(value: bytes, headers: Mapping[str, str], expect: type[E] | None, registry: Registry,
                    on_header_mismatch: Callable[[str], None] | None) -> Any:
    """The common case in one pass of pydantic-core (JSON parsed and validated together, about twice as fast):
    the headers name a schema of the current major and the payload is valid and carries its envelope. None for
    anything else, which the general path then reads or explains."""
    schema = headers.get("schema")
    newest = registry.newest(schema) if schema in registry.models else None
    if newest is None or (expect is not None and newest is not expect):
        return None
    try:
        if _major(headers.get("schema-version", "")) != _major(newest.VERSION):
            return None
        event = newest.model_validate_json(value)
    except ValueError:  # a malformed version, or a ValidationError: the general path says what is wrong
        return None
    if not {"schema_name", "schema_version"} <= event.model_fields_set:
        return None  # the envelope must be in the payload; the headers only mirror it
    _check_headers(headers, event.schema_name, event.schema_version, on_header_mismatch)
    return event


def _load(value: bytes | None, max_bytes: int) -> dict[str, Any]:
    if value is None:
        raise DecodeError("not_json", "message has no value (a tombstone)")
    if len(value) > max_bytes:
        raise DecodeError("too_large", f"payload of {len(value)} bytes is over the limit of {max_bytes} bytes")
    try:  # UTF-8 only (json.loads of bytes would guess UTF-16 or UTF-32 and misreport binary input)
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError("not_json", f"payload is not UTF-8 text (binary?): {exc}") from exc
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise DecodeError("not_json", f"payload is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise DecodeError("not_an_event", f"payload is a JSON {type(payload).__name__}, not an object")
    return payload


def _check_headers(headers: Mapping[str, str], schema: str, version: str,
                   on_mismatch: Callable[[str], None] | None) -> None:
    for name, expected in (("schema", schema), ("schema-version", version)):
        if name in headers and headers[name] != expected and on_mismatch:
            on_mismatch(f"header {name}={headers[name]!r} but payload says {expected!r}; the payload wins")


def _upcast(payload: dict[str, Any], schema: str, major: int, newest: int, registry: Registry) -> dict[str, Any]:
    for step in range(major, newest):
        upcaster = registry.upcasters.get((schema, step))
        if upcaster is None:
            raise DecodeError("unknown_version", f"no upcaster from {schema} v{step} to v{step + 1}", schema)
        payload = upcaster(dict(payload))
    return payload


def _summary(exc: ValidationError, limit: int = 5) -> str:
    problems = [f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()]
    more = f" (+{len(problems) - limit} more)" if len(problems) > limit else ""
    return "; ".join(problems[:limit]) + more
