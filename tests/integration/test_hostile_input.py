"""Hostile input at each running service (the reproducers of the hostile-input issue): a bad message becomes a
dead letter with its reason, and the good message behind it in the same partition is handled, never stalled and
never dead-lettered for the bad one's sake."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import httpx

from newsflow.index.setup import layout
from newsflow_schemas import (
    ARTICLES_ENRICHED,
    ARTICLES_PARSED,
    ARTICLES_RAW,
    DEAD_LETTERS,
    FETCH_REQUESTS,
    EnrichedArticle,
    FetchRequest,
    ParsedArticle,
    SourceInfo,
    Stage,
    decode,
    encode,
)
from tests.integration.enriched import enriched
from tests.integration.kafka_helpers import produce, read
from tests.unit.parse.conftest import NOW, PAGES, raw_html

#: 10 KB of '[': the smallest that broke decode() was 993 levels
NESTED = b"[" * 5000 + b"]" * 5000


def _nested(schema: str) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    return b"nested", NESTED, [("schema", schema.encode()), ("schema-version", b"1.0")]


def _sha(value: bytes) -> str:
    return hashlib.sha256(value).hexdigest()


async def _letters(settings, stage: Stage, count: int) -> dict[str, object]:
    records = await read(settings, settings.topic_prefix + DEAD_LETTERS[stage].name, count)
    return {letter.original.sha256: letter for letter in (decode(r.value, r.headers) for r in records)}


async def test_index_dead_letters_nested_json_and_indexes_what_follows(pipeline_topics, index_settings, service_factory,
                                                                       search_engine):
    settings = pipeline_topics
    good = enriched(1)
    await produce(settings, settings.topic_prefix + ARTICLES_ENRICHED.name,
                  [_nested("newsflow.article.enriched"), (good.article_id.encode(), *encode(good))], partition=0)
    plan = layout(search_engine, index_settings)
    try:
        await service_factory("index")
        letters = await _letters(settings, Stage.INDEX, 1)
        assert "nested too deeply" in letters[_sha(NESTED)].reason
        found = {}
        for _ in range(60):
            await search_engine.refresh(plan.read_alias)
            found = await search_engine.get_many(plan.read_alias, [good.article_id])
            if found:
                break
        assert found[good.article_id]["title"] == good.title
    finally:
        await search_engine.delete_index(plan.physical)


async def test_fetch_partition_keeps_going_after_nested_json(pipeline_topics, service_factory):
    settings = pipeline_topics
    now = datetime.now(UTC)
    refused = FetchRequest(request_id=str(uuid.uuid4()), url="http://10.255.255.1/secret", kind="page",
                           source=SourceInfo(name="test", kind="page"), requested_at=now, requested_by="test",
                           ingested_at=now)
    await produce(settings, settings.topic_prefix + FETCH_REQUESTS.name,
                  [_nested("newsflow.fetch.request"), (b"10.255.255.1", *encode(refused))], partition=0)
    service = await service_factory("fetch")
    letters = await _letters(settings, Stage.FETCH, 2)
    assert "nested too deeply" in letters[_sha(NESTED)].reason
    assert "non-public address" in letters[_sha(encode(refused)[0])].reason  # the one behind it was handled
    async with httpx.AsyncClient(base_url=service.ops_url) as ops:
        assert (await ops.get("/health/ready")).status_code == 200


async def test_parse_stops_a_runaway_page_and_the_next_page_gets_the_whole_time_limit(pipeline_topics,
                                                                                    service_factory):
    settings = pipeline_topics
    runaway = raw_html(b"<html><body><h1>Runaway page</h1>" + b"<p>a sentence of words here.</p>" * 45_000
                       + b"</body></html>", url="https://news.example.org/runaway")  # ~5 s here, 90,006 '<'
    good = raw_html((PAGES / "article-jsonld.html").read_bytes(),
                    url="https://news.example.org/city/2024/05/harbour-bridge-reopens")
    await produce(settings, settings.topic_prefix + ARTICLES_RAW.name,
                  [_nested("newsflow.article.raw"), (runaway.article_id.encode(), *encode(runaway)),
                   (good.article_id.encode(), *encode(good))], partition=0)
    await service_factory("parse", parse_timeout_s="1", parse_max_markup="100000")
    (parsed,) = [decode(r.value, r.headers) for r in await read(settings, settings.topic_prefix
                                                                + ARTICLES_PARSED.name, 1)]
    assert isinstance(parsed, ParsedArticle) and parsed.article_id == good.article_id
    letters = await _letters(settings, Stage.PARSE, 2)
    assert "nested too deeply" in letters[_sha(NESTED)].reason
    assert letters[_sha(encode(runaway)[0])].reason == "parse took longer than 1 s; stopped"
    assert len(letters) == 2  # the good page behind the runaway one was not dead-lettered for its time


async def test_enrich_survives_a_title_that_panicked_keyphrases(pipeline_topics, index_settings, service_factory,
                                                                search_engine):
    settings = pipeline_topics
    from newsflow.parse.stage import parse
    from tests.conftest import SEED
    from tests.unit.parse.conftest import raw_text

    article = parse(raw_text(SEED.read_text()), NOW)
    assert isinstance(article, ParsedArticle)
    huge = article.model_copy(update={"title": "T" * 100_000})
    await produce(settings, settings.topic_prefix + ARTICLES_PARSED.name,
                  [_nested("newsflow.article.parsed"), (huge.article_id.encode(), *encode(huge))], partition=0)
    try:
        await service_factory("enrich")
        (record,) = await read(settings, settings.topic_prefix + ARTICLES_ENRICHED.name, 1, deadline_s=120)
        result = decode(record.value, record.headers)
        assert isinstance(result, EnrichedArticle) and result.keyphrases
        assert {name: p.status for name, p in result.enrichments.items() if p.status == "degraded"} == {}
        letters = await _letters(settings, Stage.ENRICH, 1)
        assert "nested too deeply" in letters[_sha(NESTED)].reason
    finally:
        for suffix in ("minhash-bands", "minhash-signatures"):
            await search_engine.delete_index(f"{index_settings.index_prefix}-{suffix}")
