"""Documents that enter the pipeline without the fetcher (`newsflow push`, `newsflow parse FILE`): the raw document
a producer would send, under the one id the contract gives it, minted here once and carried unchanged by every
stage after (the fetcher mints its own from the URL it fetched, with the same `mint_article_id`).

The id is the canonical URL's sha256 when there is one (`--url`, or the page's canonical link), else sha256 of
urn:newsflow:<source>:<title>:<date>, for which a title and a date must be found in the document. Input from which
no stable id can be made is refused, with the reason.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime

from newsflow.parse.decoding import UndecodableError, decode_body, sniff_binary
from newsflow.parse.extracted import NotAnArticle
from newsflow.parse.html_article import extract_html
from newsflow.parse.text_article import extract_text
from newsflow_schemas import IdentityError, RawDocument, SourceInfo, mint_article_id, revision_at


class DocumentRefused(ValueError):
    """This input cannot become a raw document; the message says why and what to pass."""


def looks_like_html(name: str, body: bytes) -> bool:
    return name.lower().endswith((".html", ".htm", ".xhtml")) or body.lstrip()[:1] == b"<"


def raw_document_for(body: bytes, *, name: str, source: str, url: str | None, now: datetime,
                     charset: str | None = None) -> RawDocument:
    """The raw document of one file's bytes (`name` says which file, in errors)."""
    binary = sniff_binary(body)
    if binary:
        raise DocumentRefused(f"{name}: the file is {binary}, not HTML or text")
    html = looks_like_html(name, body)
    if not html:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DocumentRefused(f"{name}: plain text must be UTF-8 ({exc.reason} at byte {exc.start})") from exc
    article_id, final_url = identify(body, html, source=source, url=url, now=now, name=name)
    return RawDocument(
        article_id=article_id, revision=revision_at(now), ingested_at=now, url=final_url,
        source=SourceInfo(name=source, kind="push"), fetched_at=now,
        content_type="text/html" if html else "text/plain", charset=charset if html else "utf-8",
        body_encoding="base64" if html else "text",
        body=base64.b64encode(body).decode() if html else body.decode("utf-8"),
        body_bytes=len(body), body_sha256=hashlib.sha256(body).hexdigest())


def identify(body: bytes, html: bool, *, source: str, url: str | None, now: datetime,
             name: str) -> tuple[str, str | None]:
    """(article id, URL or None) for a document, from `url`, else from what the document itself says."""
    if url:
        try:
            return mint_article_id(url=url), url
        except IdentityError as exc:
            raise DocumentRefused(f"{name}: --url {exc}") from exc
    try:
        text = decode_body(body).text if html else body.decode("utf-8")
        found = extract_html(text, None, now) if html else extract_text(text, now)
    except (UndecodableError, NotAnArticle) as exc:
        raise DocumentRefused(f"{name}: {exc}") from exc
    if found.canonical_url and found.canonical_url.startswith(("http://", "https://")):
        return mint_article_id(url=found.canonical_url), found.canonical_url
    if found.published is None:
        raise DocumentRefused(f"{name}: no URL and no date found, so no stable id can be made; pass --url, or add "
                              "a date line to the document")
    try:
        return mint_article_id(source=source, title=found.title, published=found.published.utc), None
    except IdentityError as exc:
        raise DocumentRefused(f"{name}: {exc}; pass --source and --url") from exc
