"""Upcasting: an event of an older major version is read as the newest, through a registered chain."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import Field

from newsflow_schemas import DecodeError, Event, Registry, decode, encode


class ThingV1(Event):
    SCHEMA = "newsflow.test.thing"
    VERSION = "1.2"
    name: str


class ThingV2(Event):
    SCHEMA = "newsflow.test.thing"
    VERSION = "2.0"
    title: str = Field(description="renamed from name in 2.0")


class ThingV3(Event):
    SCHEMA = "newsflow.test.thing"
    VERSION = "3.1"
    title: str
    words: int


def _registry(with_second_step: bool = True) -> Registry:
    registry = Registry()
    for model in (ThingV1, ThingV2, ThingV3):
        registry.register(model)
    registry.register_upcaster("newsflow.test.thing", 1,
                               lambda p: {**{k: v for k, v in p.items() if k != "name"}, "title": p["name"],
                                          "schema_version": "2.0"})
    if with_second_step:
        registry.register_upcaster("newsflow.test.thing", 2,
                                   lambda p: {**p, "words": len(p["title"].split()), "schema_version": "3.0"})
    return registry


NOW = datetime(2024, 3, 12, tzinfo=UTC)


def test_v1_event_is_read_as_v3_through_the_chain():
    value, headers = encode(ThingV1(name="NATO chief refutes Macron comment", ingested_at=NOW))
    event = decode(value, headers, registry=_registry())
    assert isinstance(event, ThingV3)
    assert (event.title, event.words, event.ingested_at) == ("NATO chief refutes Macron comment", 5, NOW)


def test_current_major_is_read_without_upcasting():
    value, _ = encode(ThingV3(title="x", words=1, ingested_at=NOW))
    assert decode(value, registry=_registry()) == ThingV3(title="x", words=1, ingested_at=NOW)


def test_a_missing_link_in_the_chain_is_a_decode_error():
    value, _ = encode(ThingV2(title="x", ingested_at=NOW))
    with pytest.raises(DecodeError, match=r"no upcaster from newsflow\.test\.thing v2 to v3") as caught:
        decode(value, registry=_registry(with_second_step=False))
    assert caught.value.kind == "unknown_version"


def test_a_future_major_is_refused():
    payload = json.loads(encode(ThingV3(title="x", words=1, ingested_at=NOW))[0])
    payload["schema_version"] = "4.0"
    with pytest.raises(DecodeError, match=r"version 4\.0 is not known"):
        decode(json.dumps(payload).encode(), registry=_registry())
