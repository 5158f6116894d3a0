"""Generate the checked-in contract artefacts: one JSON Schema per event version, and an AsyncAPI 3 document.

    python -m newsflow_schemas.generate            # write schemas/json/*.json and schemas/asyncapi.yaml
    python -m newsflow_schemas.generate --check    # exit 1 if the checked-in files are not current

JSON Schema files of earlier versions stay in schemas/json/: they are the history the compatibility test
checks every new version against.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from newsflow_schemas.base import Event
from newsflow_schemas.topics import ALL_TOPICS, TopicSpec

SCHEMAS_DIR = Path(__file__).resolve().parents[1]  # the schemas/ folder of a source checkout
PACKAGE_VERSION = "1.0.0"


def json_schema_path(schema: str, version: str) -> str:
    return f"json/{schema}-{version}.json"


def json_schema(event: type[Event]) -> dict[str, Any]:
    body = event.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://newsflow.dev/schemas/{event.SCHEMA}-{event.VERSION}.json",
            "x-schema-version": event.VERSION, **body}


def _channel_id(spec: TopicSpec) -> str:
    return re.sub(r"\.(\w)", lambda m: m.group(1).upper(), spec.name.removeprefix("newsflow."))


def asyncapi(events: tuple[type[Event], ...]) -> dict[str, Any]:
    by_schema = {event.SCHEMA: event for event in events}
    channels, operations, messages = {}, {}, {}
    for event in events:
        messages[event.__name__] = {
            "name": event.__name__,
            "title": f"{event.SCHEMA} {event.VERSION}",
            "summary": (event.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/json",
            "headers": {"type": "object", "required": ["content-type", "schema", "schema-version"], "properties": {
                "content-type": {"type": "string", "const": "application/json"},
                "schema": {"type": "string", "const": event.SCHEMA},
                "schema-version": {"type": "string", "pattern": r"^\d+\.\d+$",
                                   "description": "MAJOR.MINOR; the payload's schema_version wins if they differ"},
            }},
            "payload": {"$ref": json_schema_path(event.SCHEMA, event.VERSION)},
        }
    for spec in ALL_TOPICS:
        event = by_schema[spec.schema]
        channel = _channel_id(spec)
        channels[channel] = {
            "address": spec.name,
            "description": f"{spec.description}. Topic name gets the deployment's NEWSFLOW_TOPIC_PREFIX.",
            "messages": {event.__name__: {"$ref": f"#/components/messages/{event.__name__}"}},
            "bindings": {"kafka": {"topic": spec.name, "partitions": spec.partitions,
                                   "topicConfiguration": {"retention.ms": spec.retention_ms,
                                                          "cleanup.policy": [spec.cleanup_policy]}}},
        }
        operations[f"receive-{channel}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"consume {event.__name__} events",
            "bindings": {"kafka": {"groupId": {"type": "string"}}},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{event.__name__}"}],
        }
        messages[event.__name__].setdefault("bindings", {"kafka": {"key": {
            "type": "string", "description": f"the message key: {spec.key}"}}})
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "newsflow events", "version": PACKAGE_VERSION, "description": (
            "Topics and events of the newsflow news-ingestion pipeline. Every payload carries `schema` and "
            "`schema_version`; within a major version only optional fields are added, and readers ignore "
            "fields they do not know.")},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def to_yaml(value: Any, indent: int = 0) -> str:
    """A small YAML writer for plain data (this package depends on pydantic only). Strings are written as JSON
    strings, which are valid YAML double-quoted scalars."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for key, item in value.items():
            rendered_key = key if re.fullmatch(r"[A-Za-z_][\w.-]*", key) else json.dumps(key)
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{rendered_key}:\n{to_yaml(item, indent + 1)}")
            else:
                lines.append(f"{pad}{rendered_key}: {to_yaml(item, indent + 1)}")
        return "\n".join(lines)
    if isinstance(value, list):
        if not value:
            return "[]"
        lines = []
        for item in value:
            rendered = to_yaml(item, indent + 1)
            lines.append(f"{pad}- {rendered.lstrip()}" if isinstance(item, (dict, list)) else f"{pad}- {rendered}")
        return "\n".join(lines)
    return json.dumps(value, ensure_ascii=False)


def artefacts(events: tuple[type[Event], ...]) -> dict[str, str]:
    """Relative path under schemas/ -> file content, for every generated file."""
    files = {json_schema_path(e.SCHEMA, e.VERSION): json.dumps(json_schema(e), indent=2, ensure_ascii=False) + "\n"
             for e in events}
    files["asyncapi.yaml"] = ("# Generated by `python -m newsflow_schemas.generate`; do not edit.\n"
                              + to_yaml(asyncapi(events)) + "\n")
    return files


def main(argv: list[str] | None = None) -> int:
    from newsflow_schemas import EVENTS

    parser = argparse.ArgumentParser(description="generate JSON Schemas and the AsyncAPI document")
    parser.add_argument("--check", action="store_true", help="only check that the files are current")
    parser.add_argument("--out", type=Path, default=SCHEMAS_DIR, help="the schemas/ folder")
    args = parser.parse_args(argv)
    stale = []
    for relative, content in artefacts(EVENTS).items():
        path = args.out / relative
        if path.exists() and path.read_text() == content:
            continue
        stale.append(relative)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python -m newsflow_schemas.generate", file=sys.stderr)
        return 1
    print(f"{'checked' if args.check else 'wrote'}: {len(stale)} changed file(s) under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
