"""The codec: round trips, strict producers and lenient readers, headers, every kind of bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from newsflow_schemas import (
    EVENTS,
    REGISTRY,
    DecodeError,
    EnrichedArticle,
    ParsedArticle,
    RawDocument,
    SourceInfo,
    decode,
    encode,
    header_dict,
)
from tests.unit.schemas.conftest import EXAMPLES


def _example_payload(schema: str) -> bytes:
    return next(p for p in EXAMPLES if p.parts[-3] == schema).read_bytes()


def test_every_example_round_trips_through_the_codec(example):
    schema, _version, payload = example
    event = decode(payload)
    assert schema == event.SCHEMA
    value, headers = encode(event)
    assert decode(value, headers) == event


def test_headers_mirror_the_payload():
    event = decode(_example_payload("newsflow.article.parsed"))
    value, headers = encode(event)
    payload = json.loads(value)
    assert header_dict(headers) == {"content-type": "application/json", "schema": "newsflow.article.parsed",
                                    "schema-version": payload["schema_version"]}
    new_value, new_headers = encode(event.model_copy(update={"schema_version": ParsedArticle.VERSION}))
    assert header_dict(new_headers)["schema-version"] == json.loads(new_value)["schema_version"] == "1.1"


def test_every_event_is_registered_under_its_schema():
    assert {e.SCHEMA for e in EVENTS} == set(REGISTRY.models)


def test_producers_may_not_set_unknown_fields():
    fields = json.loads(_example_payload("newsflow.article.raw"))
    with pytest.raises(ValidationError, match="unknown field"):
        RawDocument(**fields, surprise=1)
    with pytest.raises(ValidationError, match="unknown field"):
        SourceInfo(name="RT", kind="push", nested_surprise=True)
    with pytest.raises(ValidationError, match=r"source\.nested_surprise"):  # a nested dict, checked too
        RawDocument(**{**fields, "source": {"name": "RT", "kind": "push", "nested_surprise": True}})
    enriched = json.loads(_example_payload("newsflow.article.enriched"))
    enriched["entities"][0]["typo"] = 1
    with pytest.raises(ValidationError, match=r"entities\[0\]\.typo"):  # in a list
        EnrichedArticle(**enriched)
    assert EnrichedArticle.model_validate(enriched).entities[0].name == "Jens Stoltenberg"  # reading ignores it


def test_readers_ignore_fields_of_a_newer_minor_version_at_every_depth():
    payload = json.loads(_example_payload("newsflow.article.enriched"))
    payload["schema_version"] = "1.3"
    payload["added_in_1_3"] = {"anything": [1, 2]}
    payload["entities"][0]["added_in_1_3"] = "x"
    event = decode(json.dumps(payload).encode(), expect=EnrichedArticle)
    assert event.entities[0].name == "Jens Stoltenberg"
    assert event.schema_version == "1.3"  # what the producer wrote, kept for the record


def test_instants_must_be_timezone_aware_and_are_stored_in_utc():
    fields = json.loads(_example_payload("newsflow.article.raw"))
    with pytest.raises(ValidationError, match="timezone"):
        RawDocument(**{**fields, "fetched_at": datetime(2024, 3, 12, 6, 39)})
    cet = timezone(timedelta(hours=1))
    doc = RawDocument(**{**fields, "fetched_at": datetime(2024, 3, 12, 7, 39, tzinfo=cet)})
    assert doc.fetched_at == datetime(2024, 3, 12, 6, 39, tzinfo=UTC) and doc.fetched_at.tzinfo == UTC
    assert json.loads(encode(doc)[0])["fetched_at"] == "2024-03-12T06:39:00Z"


@pytest.mark.parametrize(("written", "instant"), [
    ("2024-03-12T06:39:00Z", datetime(2024, 3, 12, 6, 39, tzinfo=UTC)),  # read without converting
    ("2024-03-12T07:39:00+01:00", datetime(2024, 3, 12, 6, 39, tzinfo=UTC)),  # converted
    ("2024-03-12T06:39:00", "fetched_at: Input should have timezone info"),
    ("not a time", "fetched_at: Input should be a valid datetime"),
])
def test_instants_read_from_json_are_utc_whatever_offset_was_written(written: str, instant: datetime | str):
    payload = json.loads(_example_payload("newsflow.article.raw")) | {"fetched_at": written}
    if isinstance(instant, str):
        with pytest.raises(DecodeError, match=instant):
            decode(json.dumps(payload).encode())
        return
    doc = decode(json.dumps(payload).encode())
    assert doc.fetched_at == instant and doc.fetched_at.utcoffset() == timedelta(0)
    assert json.loads(encode(doc)[0])["fetched_at"] == "2024-03-12T06:39:00Z"


def test_payload_wins_over_disagreeing_headers_and_the_mismatch_is_reported():
    mismatches: list[str] = []
    headers = [("schema", b"newsflow.article.raw"), ("schema-version", b"9.9")]
    event = decode(_example_payload("newsflow.article.parsed"), headers, on_header_mismatch=mismatches.append)
    assert isinstance(event, ParsedArticle)
    assert len(mismatches) == 2 and "payload wins" in mismatches[0]


def _bad_inputs() -> dict[str, tuple[bytes | None, str]]:
    parsed = json.loads(_example_payload("newsflow.article.parsed"))
    return {
        "tombstone": (None, "not_json"),
        "not-json": (b"<html>not json</html>", "not_json"),
        "binary": (bytes(range(256)), "not_json"),
        "invalid-utf8": (b'{"schema": "\xff\xfe"}', "not_json"),
        "json-array": (b"[1, 2, 3]", "not_an_event"),
        "no-envelope": (b'{"title": "x"}', "not_an_event"),
        "unknown-schema": (json.dumps({**parsed, "schema": "newsflow.article.cooked"}).encode(), "unknown_schema"),
        "unknown-major": (json.dumps({**parsed, "schema_version": "2.0"}).encode(), "unknown_version"),
        "malformed-version": (json.dumps({**parsed, "schema_version": "one"}).encode(), "unknown_version"),
        "wrong-shape": (json.dumps({**parsed, "body": "a string, not paragraphs"}).encode(), "invalid"),
        "missing-field": (json.dumps({k: v for k, v in parsed.items() if k != "title"}).encode(), "invalid"),
        "bad-article-id": (json.dumps({**parsed, "article_id": "short"}).encode(), "invalid"),
    }


@pytest.mark.parametrize("case", sorted(_bad_inputs()))
def test_bad_input_raises_one_error_type_with_its_kind_and_reason(case):
    value, kind = _bad_inputs()[case]
    with pytest.raises(DecodeError) as caught:
        decode(value)
    assert caught.value.kind == kind
    assert str(caught.value)  # a reason for people, carried into the dead letter


def test_payload_over_the_size_limit_is_refused_before_parsing():
    value = _example_payload("newsflow.article.parsed")
    assert decode(value, max_bytes=len(value))
    with pytest.raises(DecodeError, match=f"over the limit of {len(value) - 1} bytes") as caught:
        decode(value, max_bytes=len(value) - 1)
    assert caught.value.kind == "too_large"


def test_expecting_one_event_refuses_another():
    with pytest.raises(DecodeError) as caught:
        decode(_example_payload("newsflow.article.raw"), expect=ParsedArticle)
    assert caught.value.kind == "unexpected_schema"


@pytest.mark.parametrize("value", [b"[" * 993 + b"]" * 993, b"[" * 5000 + b"]" * 5000,
                                   b'{"a":' * 5000 + b"1" + b"}" * 5000])
@pytest.mark.parametrize("headers", [[("schema", b"newsflow.article.enriched"), ("schema-version", b"1.0")], []])
def test_json_nested_too_deeply_is_a_decode_error_not_a_recursion_error(value, headers):
    with pytest.raises(DecodeError, match="nested too deeply") as caught:
        decode(value, headers)
    assert caught.value.kind == "not_json"
