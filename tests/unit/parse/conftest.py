from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest

from newsflow_schemas import RawDocument, SourceInfo, article_id_for_text, article_id_for_url
from tests.conftest import REPO, SEED

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PAGES = REPO / "tests" / "fixtures" / "pages"


def raw_html(body: bytes, url: str = "https://news.example.org/city/story", charset: str | None = None,
             content_type: str = "text/html") -> RawDocument:
    return RawDocument(
        article_id=article_id_for_url(url), revision=1, ingested_at=NOW, url=url,
        source=SourceInfo(name="example", kind="page"), fetched_at=NOW, content_type=content_type,
        charset=charset, body_encoding="base64", body=base64.b64encode(body).decode(), body_bytes=len(body),
        body_sha256=hashlib.sha256(body).hexdigest())


def raw_text(text: str, source: str = "RT") -> RawDocument:
    body = text.encode()
    return RawDocument(
        article_id=article_id_for_text(source, "pushed", NOW), revision=1, ingested_at=NOW,
        source=SourceInfo(name=source, kind="push"), fetched_at=NOW, content_type="text/plain",
        body_encoding="text", body=text, body_bytes=len(body), body_sha256=hashlib.sha256(body).hexdigest())


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text()
