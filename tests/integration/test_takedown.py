"""`newsflow delete` against the real broker and engine: tombstones on the article topics, the article gone from
the index, and the services skip the tombstones (no dead letter) and go on."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from newsflow.cli import app
from newsflow.index.document import to_document
from newsflow.index.setup import ensure_index_setup
from newsflow.search import IndexedDoc
from newsflow_schemas import ARTICLES_ENRICHED, ARTICLES_PARSED, ARTICLES_RAW, Stage, dead_letter_topic, encode
from tests.integration.enriched import enriched
from tests.integration.kafka_helpers import produce, read, read_all
from tests.unit.parse.conftest import raw_html


async def test_delete_writes_tombstones_removes_the_article_and_the_services_skip_them(
        pipeline_topics, index_settings, service_factory, search_engine, monkeypatch):
    settings = pipeline_topics
    plan = await ensure_index_setup(search_engine, index_settings)
    gone, kept = enriched(1), enriched(2)
    await search_engine.bulk_index(plan.write_alias, [IndexedDoc(a.article_id, to_document(a, a.ingested_at),
                                                                 a.external_version) for a in (gone, kept)])
    for name, value in {**settings.environment(), **index_settings.environment()}.items():
        monkeypatch.setenv(name, value)
    await service_factory("parse")
    try:
        result = await asyncio.to_thread(CliRunner().invoke, app, ["delete", gone.article_id, "never-indexed"],
                                         env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert f"{gone.article_id}: tombstones on 3 topics; removed from the index" in result.output
        assert "never-indexed: tombstones on 3 topics; was not in the index" in result.output
        assert set(await search_engine.get_many(plan.read_alias, [gone.article_id, kept.article_id])) == {
            kept.article_id}

        for spec in (ARTICLES_RAW, ARTICLES_PARSED, ARTICLES_ENRICHED):
            records = await read_all(settings, settings.topic_prefix + spec.name)
            assert {(r.key.decode(), r.value) for r in records} >= {(gone.article_id, None), ("never-indexed", None)}

        # the parse service skipped both tombstones on the raw topic and parses what comes after them
        after = raw_html(b"<html><head><title>After the takedown</title></head><body><article><h1>After the "
                         b"takedown</h1>" + b"".join(b"<p>Paragraph %d of the story that follows the takedown.</p>" % n
                                                     for n in range(8)) + b"</article></body></html>")
        await produce(settings, settings.topic_prefix + ARTICLES_RAW.name, [(after.article_id.encode(),
                                                                            *encode(after))])
        parsed = [r for r in await read(settings, settings.topic_prefix + ARTICLES_PARSED.name, 3) if r.value]
        assert [r.key.decode() for r in parsed] == [after.article_id]
        assert await read_all(settings, dead_letter_topic(Stage.PARSE, settings.topic_prefix), idle_s=1) == []
    finally:
        await search_engine.delete_index(plan.physical)
