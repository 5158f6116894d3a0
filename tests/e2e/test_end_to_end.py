"""End to end through the running services: the seed, pushed as plain text, becomes searchable with its title,
author, source, date, entities and quotes, and records its ingest-to-searchable latency; `reprocess` then sends
it through again and the index holds the new pass (generation 1), still once."""

from __future__ import annotations

import asyncio
import time

from newsflow.index.setup import ensure_index_setup
from newsflow.search import OpenSearchEngine
from newsflow.tools.commands import send_raw
from newsflow.tools.push import documents_from
from newsflow.tools.reprocess import Selection, reprocess
from tests.conftest import SEED


async def test_the_pushed_seed_is_searchable_with_everything_it_should_carry(pipeline_topics, index_settings,
                                                                             service_factory):
    settings = pipeline_topics
    engine = OpenSearchEngine.from_settings(index_settings)
    plan = await ensure_index_setup(engine, index_settings)
    try:
        for stage in ("parse", "enrich", "index"):
            await service_factory(stage)
        (document,) = documents_from(SEED, source="RT")
        pushed = time.monotonic()
        await send_raw(settings, [document])
        found: dict = {}
        while not found and time.monotonic() - pushed < 90:
            found = await engine.get_many(plan.read_alias, [document.article_id])
            await asyncio.sleep(0.2)
        seconds = time.monotonic() - pushed
        assert found, "the seed did not become searchable within 90 s"
        article = found[document.article_id]
        assert article["title"] == "NATO chief refutes Macron comment"
        assert article["authors"] == ["Editors Desk"] and article["source"]["name"] == "RT"
        assert article["site_name"] == "RT" and article["section"] == "NATO–Russia relations"
        assert article["published"]["utc"] == "2024-03-12T06:39:00Z" and article["published"]["tz_known"] is False
        assert {"Jens Stoltenberg", "Emmanuel Macron", "NATO", "Kiev"} <= set(article["entity_names"])
        assert sum(q["speaker_entity"] == "Jens Stoltenberg" for q in article["quotes"]) >= 2
        assert article["ingest_to_index_ms"] > 0
        print(f"seed searchable {seconds:.1f} s after the push (services already running)")

        await engine.refresh(plan.read_alias)
        hits = await engine.search(plan.read_alias, {"query": {"match": {"lang_text.en": "deploying troop"}}})
        assert [hit.id for hit in hits.hits] == [document.article_id]  # stemmed English search finds it

        report = await reprocess(settings, Selection(source="RT"))
        assert report.sent == 1
        again: dict = {}
        deadline = time.monotonic() + 90
        while again.get("generation") != 1 and time.monotonic() < deadline:
            again = (await engine.get_many(plan.read_alias, [document.article_id]))[document.article_id]
            await asyncio.sleep(0.2)
        assert again["generation"] == 1, "the reprocessed pass did not replace the indexed one within 90 s"
        assert again["parsed_at"] > article["parsed_at"] and again["title"] == article["title"]
        await engine.refresh(plan.read_alias)
        assert await engine.count(plan.read_alias) == 1
    finally:
        await engine.delete_index(plan.physical)
        for suffix in ("minhash-bands", "minhash-signatures"):
            await engine.delete_index(f"{index_settings.index_prefix}-{suffix}")
        await engine.close()
