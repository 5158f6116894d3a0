"""`newsflow push FILE...`: documents a feed already has (HTML, plain text, or JSON lines of raw documents) become
raw documents with the right schema, id, revision and headers, on the raw topic.

Ids follow the contract: the canonical URL's sha256 when the page has one (`--url`, or the page's canonical
link), else sha256 of urn:newsflow:<source>:<title>:<date>, for which a title and a date must be found in the
document. Input from which no stable id can be made is refused, with the reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from newsflow.common.settings import Settings
from newsflow.parse.decoding import UndecodableError, decode_body, sniff_binary
from newsflow.parse.extracted import NotAnArticle
from newsflow.parse.html_article import extract_html
from newsflow.parse.text_article import extract_text
from newsflow_schemas import (
    ARTICLES_RAW,
    DecodeError,
    IdentityError,
    RawDocument,
    SourceInfo,
    article_id_for_text,
    article_id_for_url,
    decode,
    encode,
    revision_at,
)

DEFAULT_MAX_BODY_BYTES: int = Settings.model_fields["max_body_bytes"].default
DEFAULT_MAX_MESSAGE_BYTES: int = Settings.model_fields["max_message_bytes"].default


class PushRefused(ValueError):
    """This input cannot become a raw document; the message says why and what to pass."""


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
        documents = [_document(path.read_bytes(), path, source=source, url=url, now=now or datetime.now(UTC))]
    for document in documents:
        if len(encode(document)[0]) > max_message_bytes:
            raise PushRefused(f"{path}: document {document.article_id[:12]}… is over the limit of {max_message_bytes}"
                              " bytes for one message (NEWSFLOW_MAX_MESSAGE_BYTES)")
    return documents


def _document(body: bytes, path: Path, *, source: str, url: str | None, now: datetime) -> RawDocument:
    binary = sniff_binary(body)
    if binary:
        raise PushRefused(f"{path}: the file is {binary}, not HTML or text")
    html = path.suffix.lower() in (".html", ".htm", ".xhtml") or body.lstrip()[:1] == b"<"
    if not html:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PushRefused(f"{path}: plain text must be UTF-8 ({exc.reason} at byte {exc.start})") from exc
    article_id, final_url = _identity(body, html, source=source, url=url, now=now, name=str(path))
    return RawDocument(
        article_id=article_id, revision=revision_at(now), ingested_at=now, url=final_url,
        source=SourceInfo(name=source, kind="push"), fetched_at=now,
        content_type="text/html" if html else "text/plain", charset=None if html else "utf-8",
        body_encoding="base64" if html else "text",
        body=base64.b64encode(body).decode() if html else body.decode("utf-8"),
        body_bytes=len(body), body_sha256=hashlib.sha256(body).hexdigest())


def _identity(body: bytes, html: bool, *, source: str, url: str | None, now: datetime,
              name: str) -> tuple[str, str | None]:
    if url:
        try:
            return article_id_for_url(url), url
        except IdentityError as exc:
            raise PushRefused(f"{name}: --url {exc}") from exc
    try:
        text = decode_body(body).text if html else body.decode("utf-8")
        found = extract_html(text, None, now) if html else extract_text(text, now)
    except (UndecodableError, NotAnArticle) as exc:
        raise PushRefused(f"{name}: {exc}") from exc
    if found.canonical_url and found.canonical_url.startswith(("http://", "https://")):
        return article_id_for_url(found.canonical_url), found.canonical_url
    if found.published is None:
        raise PushRefused(f"{name}: no URL and no date found, so no stable id can be made; pass --url, or add "
                          "a date line to the document")
    try:
        return article_id_for_text(source, found.title, found.published.utc), None
    except IdentityError as exc:
        raise PushRefused(f"{name}: {exc}; pass --source and --url") from exc


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
