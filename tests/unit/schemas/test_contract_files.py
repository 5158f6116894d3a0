"""The checked-in contract: JSON Schemas per version, AsyncAPI, example payloads, FULL_TRANSITIVE compatibility."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from newsflow_schemas import ALL_TOPICS, EVENTS, decode
from newsflow_schemas.compat import problems
from newsflow_schemas.generate import artefacts, json_schema
from tests.unit.schemas.conftest import SCHEMAS

HISTORY = sorted((SCHEMAS / "json").glob("*.json"))


def _schema_file(schema: str, version: str) -> dict:
    return json.loads((SCHEMAS / "json" / f"{schema}-{version}.json").read_text())


def test_generated_files_are_current():
    stale = [path for path, content in artefacts(EVENTS).items()
             if not (SCHEMAS / path).exists() or (SCHEMAS / path).read_text() != content]
    assert stale == [], "run: python -m newsflow_schemas.generate"


def test_every_example_validates_against_its_versions_json_schema(example):
    schema, version, payload = example
    validator = jsonschema.Draft202012Validator(_schema_file(schema, version))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(json.loads(payload))]
    assert errors == []


def test_every_event_and_version_has_examples_that_still_decode(example):
    schema, _version, payload = example
    assert schema == decode(payload).SCHEMA


def test_every_current_event_has_at_least_one_example():
    have = {p.parts[-3] + "-" + p.parts[-2] for p in (SCHEMAS / "examples").glob("*/*/*.json")}
    assert {f"{e.SCHEMA}-{e.VERSION}" for e in EVENTS} <= have


@pytest.mark.parametrize("path", HISTORY, ids=lambda p: p.name)
def test_every_historical_version_is_compatible_with_the_current_one_of_its_major(path: Path):
    historical = json.loads(path.read_text())
    current = next(e for e in EVENTS if path.name.startswith(e.SCHEMA + "-"))
    if historical["x-schema-version"].split(".")[0] != current.VERSION.split(".")[0]:
        pytest.skip(f"{path.name} is of an older major version: read through an upcaster, not compatibility")
    assert problems(historical, json_schema(current)) == []
    # the other way round, a field the current version added reads as "removed": that is the optional addition
    # the first check allowed (old readers ignore it, old events lack it); anything else must match both ways
    added = "removed (old readers and writers still use it)"
    assert [p for p in problems(json_schema(current), historical) if not p.endswith(added)] == []


def _parsed_schema() -> dict:
    return copy.deepcopy(_schema_file("newsflow.article.parsed", "1.0"))


def _add_optional_field(s: dict) -> None:
    s["properties"]["new_optional"] = {"type": "string"}


def _remove_field(s: dict) -> None:
    del s["properties"]["section"]


def _rename_field(s: dict) -> None:
    s["properties"]["headline"] = s["properties"].pop("title")
    s["required"] = ["headline" if r == "title" else r for r in s["required"]]


def _retype_field(s: dict) -> None:
    s["properties"]["word_count"] = {"type": "string"}


def _add_required_field(s: dict) -> None:
    s["properties"]["checksum"] = {"type": "string"}
    s["required"].append("checksum")


def _extend_nested_enum(s: dict) -> None:
    s["$defs"]["Paragraph"]["properties"]["kind"]["enum"].append("table")


def _make_optional(s: dict) -> None:
    s["required"].remove("title")


@pytest.mark.parametrize("change", [_remove_field, _rename_field, _retype_field, _add_required_field,
                                    _extend_nested_enum, _make_optional], ids=lambda f: f.__name__.strip("_"))
def test_a_deliberately_incompatible_change_is_caught(change):
    old, new = _parsed_schema(), _parsed_schema()
    change(new)
    assert problems(old, new), f"{change.__name__} was not caught"


def test_adding_an_optional_field_is_compatible():
    old, new = _parsed_schema(), _parsed_schema()
    _add_optional_field(new)
    assert problems(old, new) == []


def test_asyncapi_describes_every_topic_with_headers_key_and_payload():
    doc = yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text())
    assert doc["asyncapi"].startswith("3.")
    assert {c["address"] for c in doc["channels"].values()} == {spec.name for spec in ALL_TOPICS}
    for message in doc["components"]["messages"].values():
        assert set(message["headers"]["required"]) == {"content-type", "schema", "schema-version"}
        assert (SCHEMAS / message["payload"]["$ref"]).exists()
        assert "key" in message["bindings"]["kafka"]
