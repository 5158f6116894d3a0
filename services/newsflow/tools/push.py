"""`newsflow push FILE...`: documents a feed already has (HTML, plain text, or JSON lines of raw documents) become
raw documents with the right schema, id, revision and headers, on the raw topic.

Ids follow the contract (`newsflow.parse.intake`, which `newsflow parse FILE` shares): the canonical URL's sha256
when the page has one (`--url`, or the page's canonical link), else sha256 of urn:newsflow:<source>:<title>:<date>,
for which a title and a date must be found in the document. Input from which no stable id can be made is
refused, with the reason.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from newsflow.common.settings import Settings
from newsflow.parse.intake import DocumentRefused, raw_document_for
from newsflow_schemas import (
    ARTICLES_RAW,
    DecodeError,
    RawDocument,
    decode,
    encode,
)

DEFAULT_MAX_BODY_BYTES: int = Settings.model_fields["max_body_bytes"].default
DEFAULT_MAX_MESSAGE_BYTES: int = Settings.model_fields["max_message_bytes"].default


PushRefused = DocumentRefused  # this input cannot become a raw document; the message says why and what to pass


def documents_from(path: Path, *, source: str, url: str | None = None, now: datetime | None = None,
                   max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                   max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> list[RawDocument]:
    """The raw documents of one file; PushRefused, before anything is sent, for what the pipeline would refuse
    (too large, binary, not UTF-8, no stable id)."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        documents = [_from_json_line(line, path, number) for number, line in enumerate(path.read_bytes().splitlines(),
                                                                                       1) if line.strip()]
    else:
        if (size := path.stat().st_size) > max_body_bytes:
            raise PushRefused(f"{path}: {size} bytes, over the limit of {max_body_bytes} bytes for one document "
                              "(NEWSFLOW_MAX_BODY_BYTES)")
        documents = [raw_document_for(path.read_bytes(), name=str(path), source=source, url=url,
                                      now=now or datetime.now(UTC))]
    for document in documents:
        if len(encode(document)[0]) > max_message_bytes:
            raise PushRefused(f"{path}: document {document.article_id[:12]}… is over the limit of {max_message_bytes}"
                              " bytes for one message (NEWSFLOW_MAX_MESSAGE_BYTES)")
    return documents


def _from_json_line(line: bytes, path: Path, number: int) -> RawDocument:
    try:
        payload = json.loads(line)
    except ValueError as exc:
        raise PushRefused(f"{path}:{number}: not JSON: {exc}") from exc
    if isinstance(payload, dict):
        payload.setdefault("schema", ARTICLES_RAW.schema)
        payload.setdefault("schema_version", RawDocument.VERSION)
    try:
        return decode(json.dumps(payload).encode(), expect=RawDocument)
    except DecodeError as exc:
        raise PushRefused(f"{path}:{number}: not a raw document: {exc}") from exc
