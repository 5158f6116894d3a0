"""The article index's mapping, generated from the EnrichedArticle model.

Every field of the model maps by its type (str -> keyword, datetime -> date, nested model -> object, ...);
the few that need more are overridden below (full text, the joined body, the vector, provenance maps that are
stored but not indexed). `dynamic: strict` makes an unexpected field an indexing error, never a silent
mapping change. A new minor version of the schema therefore changes the mapping hash: `newsflow index migrate`
reindexes into a new physical index and swaps the aliases.
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from datetime import datetime
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel

from newsflow_schemas import EnrichedArticle

#: ISO 639-1 -> analyzer built into both Elasticsearch 8 and OpenSearch 2 (the others get the standard one)
LANGUAGE_ANALYZERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "bn": "bengali", "bg": "bulgarian", "ca": "catalan",
    "zh": "cjk", "ja": "cjk", "ko": "cjk", "cs": "czech", "da": "danish", "nl": "dutch", "en": "english",
    "fi": "finnish", "fr": "french", "gl": "galician", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lv": "latvian", "lt": "lithuanian",
    "no": "norwegian", "fa": "persian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "ckb": "sorani",
    "es": "spanish", "sv": "swedish", "tr": "turkish", "th": "thai",
}

_TEXT_WITH_KEYWORD = {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 512}}}
_KEYWORD_WITH_TEXT = {"type": "keyword", "ignore_above": 512, "fields": {"text": {"type": "text"}}}
_STORED_ONLY = {"type": "object", "enabled": False}

#: dotted path -> mapping, where the type alone is not enough
OVERRIDES: dict[str, dict[str, Any]] = {
    "title": _TEXT_WITH_KEYWORD,
    "summary": {"type": "text"},
    "body": {"type": "text"},  # the paragraphs joined by blank lines (see document.py)
    "authors": _KEYWORD_WITH_TEXT,
    "section": _KEYWORD_WITH_TEXT,
    "tags": _KEYWORD_WITH_TEXT,
    "url": {"type": "keyword", "ignore_above": 2048},
    "image.url": {"type": "keyword", "index": False},
    "image.caption": {"type": "text"},
    "feed_item.summary": {"type": "text"},
    "feed_item.title": {"type": "text"},
    "quotes.text": {"type": "text"},
    "entities.mentions": _STORED_ONLY,
    "field_sources": _STORED_ONLY,
    "extractors": _STORED_ONLY,
    "enrichments": _STORED_ONLY,
    "http": _STORED_ONLY,
}

#: fields the projection adds for search and dashboards (not in the event)
DERIVED: dict[str, dict[str, Any]] = {
    "persons": {"type": "keyword"},
    "organizations": {"type": "keyword"},
    "locations": {"type": "keyword"},
    "entity_names": {"type": "keyword"},
    "duplicate_cluster": {"type": "keyword"},  # duplicates.cluster_id, or the article's own id: searches collapse on it
    "indexed_at": {"type": "date"},
    "ingest_to_index_ms": {"type": "long"},
}


def article_mappings(vector_mapping: dict[str, Any], language_analysis: bool = True) -> dict[str, Any]:
    """The article index's mappings. Without the engine's language analyzers (Elastic's integration-test
    archive lacks analysis-common) `lang_text.<code>` keeps its fields with the standard analyzer: the same
    documents fit, only stemming and stop words differ."""
    properties = _properties(EnrichedArticle, "")
    properties["embedding"] = {"properties": {"model": {"type": "keyword"}, "dim": {"type": "integer"},
                                              "vector": vector_mapping}}
    properties.update(DERIVED)
    properties["lang_text"] = {"properties": {
        code: {"type": "text", "analyzer": analyzer if language_analysis else "standard"}
        for code, analyzer in sorted(LANGUAGE_ANALYZERS.items())}}
    return {"dynamic": "strict", "properties": properties}


def mapping_hash(mappings: dict[str, Any], settings: dict[str, Any]) -> str:
    """A short fingerprint of mappings and settings: the physical index's name changes when they do."""
    canonical = json.dumps({"mappings": mappings, "settings": settings}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:8]


def _properties(model: type[BaseModel], prefix: str) -> dict[str, Any]:
    properties = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        path = f"{prefix}{key}"
        properties[key] = OVERRIDES.get(path) or _for_type(field.annotation, path)
    return properties


def _for_type(annotation: Any, path: str) -> dict[str, Any]:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        return _for_type(next(a for a in args if a is not type(None)), path)
    if origin is typing.Annotated:
        return _for_type(args[0], path)
    if origin is list:
        return _for_type(args[0], path)  # arrays need no mapping of their own
    if origin is dict:
        return _STORED_ONLY
    if origin is Literal:
        return {"type": "keyword"}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"properties": _properties(annotation, f"{path}.")}
    if annotation is AwareDatetime or (isinstance(annotation, type) and issubclass(annotation, datetime)):
        return {"type": "date"}
    simple = {bool: "boolean", int: "long", float: "double", str: "keyword"}
    for python_type, engine_type in simple.items():
        if annotation is python_type:
            return {"type": engine_type, **({"ignore_above": 1024} if engine_type == "keyword" else {})}
    raise TypeError(f"no index mapping for {path}: {annotation!r}; add an override in newsflow.index.mapping")
