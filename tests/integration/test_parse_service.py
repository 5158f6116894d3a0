"""The parse service against the real broker: articles out, rejections counted, poison dead-lettered, and every
input offset committed once its output is written."""

from __future__ import annotations

import asyncio
import hashlib
import json

import httpx

from newsflow.common.ops import ServiceStatus, service_status
from newsflow_schemas import ARTICLES_PARSED, ARTICLES_RAW, DEAD_LETTERS, ParsedArticle, Stage, decode, encode
from tests.conftest import SEED
from tests.integration.kafka_helpers import produce, read, wait_committed
from tests.unit.parse.conftest import PAGES, raw_html, raw_text


async def test_parse_service_routes_every_kind_of_input(pipeline_topics, service_factory):
    settings = pipeline_topics
    prefix = settings.topic_prefix
    seed = raw_text(SEED.read_text())
    page = raw_html((PAGES / "article-jsonld.html").read_bytes(),
                    url="https://news.example.org/city/2024/05/harbour-bridge-reopens")
    listing = raw_html((PAGES / "listing.html").read_bytes(), url="https://news.example.org/latest")
    pdf = raw_html(b"%PDF-1.7 not a page", url="https://news.example.org/report.pdf")
    inputs = [(doc.article_id.encode(), *encode(doc)) for doc in (seed, page, listing, pdf)]
    inputs.append((b"poison", b"this is not JSON", []))

    service = await service_factory("parse")
    await produce(settings, prefix + ARTICLES_RAW.name, inputs)

    parsed = [decode(r.value, r.headers) for r in await read(settings, prefix + ARTICLES_PARSED.name, 2)]
    assert sorted(type(a).__name__ for a in parsed) == ["ParsedArticle", "ParsedArticle"]
    by_title = {a.title: a for a in parsed if isinstance(a, ParsedArticle)}
    seed_article = by_title["NATO chief refutes Macron comment"]
    assert seed_article.article_id == seed.article_id and seed_article.revision == seed.revision
    assert len(seed_article.body) == 8 and seed_article.authors == ["Editors Desk"]
    assert "Harbour bridge reopens after repairs" in by_title

    letters = [decode(r.value, r.headers) for r in await read(settings, prefix + DEAD_LETTERS[Stage.PARSE].name, 2)]
    reasons = {letter.original.sha256: letter for letter in letters}
    assert reasons[hashlib.sha256(b"this is not JSON").hexdigest()].error_type == "DecodeError"
    pdf_letter = reasons[hashlib.sha256(encode(pdf)[0]).hexdigest()]
    assert "PDF" in pdf_letter.reason and pdf_letter.outcome == "poison" and pdf_letter.stage == "parse"
    assert json.loads(pdf_letter.original.value())["article_id"] == pdf.article_id  # replayable bytes
    assert pdf_letter.source is not None and pdf_letter.source.topic == prefix + ARTICLES_RAW.name

    committed = await wait_committed(settings, f"{prefix}newsflow-parse", prefix + ARTICLES_RAW.name,
                                     ARTICLES_RAW.partitions, want=len(inputs))
    assert committed == len(inputs)  # the listing (rejected) is committed too, and nothing twice

    async with httpx.AsyncClient(base_url=service.ops_url) as ops:
        assert (await ops.get("/health/live")).status_code == 200
        assert (await ops.get("/health/ready")).status_code == 200
        metrics = (await ops.get("/metrics")).text
    for outcome, count in (("ok", 2), ("rejected", 1), ("poison", 2)):
        assert f'newsflow_messages_total{{outcome="{outcome}",stage="parse"}} {count}.0' in metrics
    assert "newsflow_stage_seconds_bucket" in metrics
    summary = await asyncio.to_thread(service_status, "parse", service.ops_url)  # what `newsflow status` shows
    assert summary == ServiceStatus(ready=True, messages={"ok": 2, "rejected": 1, "poison": 2},
                                    lag=0)  # lag: from the broker's fetch responses, summed over partitions
